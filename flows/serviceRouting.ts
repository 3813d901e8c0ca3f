/**
 * Which service level handles a request now, read from the preset's `serviceLevels`: a level
 * open now that serves the request (and pages on-call if it says so), a level open now that does
 * not serve it (the customer is told whom it is for and when a level serving them opens), or
 * the customer's own opening hours. No level is special: "weekend" is just a key in the preset.
 */
import {
  type Audience,
  availability,
  levelOpenToPlans,
  levelServes,
  serviceLevel,
} from "../src/policy/calendar.js";
import type { Policy, PolicyCategory, PolicyServiceLevel } from "../src/policy/schema.js";

export type ServiceRouting =
  /** The level open now serves the request and pages the on-call technician. */
  | { kind: "page-on-call"; level: PolicyServiceLevel }
  /** A level is open now but not for this request; the customer's plans could use it. */
  | { kind: "not-served"; level: PolicyServiceLevel }
  /** The customer's own hours decide (open now, or closed until their next opening). */
  | { kind: "own-hours" };

/** How a request of `audience` at `at` is handled. */
export function serviceRouting(policy: Policy, at: Date, audience: Audience): ServiceRouting {
  const level = openLevel(policy, at);
  if (!level) return { kind: "own-hours" };
  if (levelServes(level, audience))
    return level.pageOnCall ? { kind: "page-on-call", level } : { kind: "own-hours" };
  return levelOpenToPlans(level, audience.plans) ? { kind: "not-served", level } : { kind: "own-hours" };
}

/**
 * When a request that no level pages for now will page: the next opening for `audience`, if that
 * opening's level pages on-call and says `pageWhenOpens` (a blocking J-System problem on Friday
 * evening pages at Saturday 09:00; one on Thursday evening waits for Friday's office hours).
 */
export function pageWhenOpens(
  policy: Policy,
  at: Date,
  audience: Audience,
): { level: PolicyServiceLevel; at: Date } | null {
  if (serviceRouting(policy, at, audience).kind === "page-on-call") return null;
  const a = availability(policy, at, audience);
  if (a.open || !a.nextOpenAt) return null;
  const level = serviceLevel(policy, a.nextOpenService);
  if (!level?.pageOnCall || !level.pageWhenOpens || !levelServes(level, audience)) return null;
  return { level, at: a.nextOpenAt };
}

/** The service level open at `at`, if any. */
function openLevel(policy: Policy, at: Date): PolicyServiceLevel | undefined {
  const now = availability(policy, at);
  return now.open ? serviceLevel(policy, now.service) : undefined;
}

/**
 * A category a customer may pick: not an internal one, and a blocking-by-definition category only
 * while the open level (`level()`, read only for those) lists it explicitly and is open to `plans`.
 */
function offerable(
  category: PolicyCategory,
  level: () => PolicyServiceLevel | undefined,
  plans: readonly string[],
): boolean {
  if (!category.customerChoice) return false;
  if (!category.blocking) return true;
  const open = level();
  return open?.serves.categories?.includes(category.key) === true && levelOpenToPlans(open, plans);
}

/**
 * Categories a customer may pick now: not internal ones, and a blocking-by-definition category
 * only while a level that lists it explicitly is open and open to the customer's plans.
 */
export function offerableCategory(policy: Policy, key: string, at: Date, plans: readonly string[]): boolean {
  const category = policy.categories.find((c) => c.key === key);
  return category !== undefined && offerable(category, () => openLevel(policy, at), plans);
}

/** The keys of the categories a customer may pick now (see {@link offerableCategory}), in order. */
export function offerableCategories(policy: Policy, at: Date, plans: readonly string[]): string[] {
  let level: PolicyServiceLevel | undefined;
  let known = false;
  const levelNow = () => {
    if (!known) {
      level = openLevel(policy, at);
      known = true;
    }
    return level;
  };
  return policy.categories.filter((c) => offerable(c, levelNow, plans)).map((c) => c.key);
}

/** The phone line of a service level (a contact with `when: <level key>`), if the preset has one. */
export function levelLine(policy: Policy, levelKey: string): string | null {
  return policy.contacts.find((c) => c.when === levelKey && c.kind === "phone")?.value ?? null;
}

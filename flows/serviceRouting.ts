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
import type { Policy, PolicyServiceLevel } from "../src/policy/schema.js";

export type ServiceRouting =
  /** The level open now serves the request and pages the on-call technician. */
  | { kind: "page-on-call"; level: PolicyServiceLevel }
  /** A level is open now but not for this request; the customer's plans could use it. */
  | { kind: "not-served"; level: PolicyServiceLevel }
  /** The customer's own hours decide (open now, or closed until their next opening). */
  | { kind: "own-hours" };

/** How a request of `audience` at `at` is handled. */
export function serviceRouting(policy: Policy, at: Date, audience: Audience): ServiceRouting {
  const now = availability(policy, at);
  const level = now.open ? serviceLevel(policy, now.service) : undefined;
  if (!level) return { kind: "own-hours" };
  if (levelServes(level, audience))
    return level.pageOnCall ? { kind: "page-on-call", level } : { kind: "own-hours" };
  return levelOpenToPlans(level, audience.plans) ? { kind: "not-served", level } : { kind: "own-hours" };
}

/**
 * Categories a customer may pick now: not internal ones, and a blocking-by-definition category
 * only while a level that lists it explicitly is open and open to the customer's plans.
 */
export function offerableCategory(policy: Policy, key: string, at: Date, plans: readonly string[]): boolean {
  const category = policy.categories.find((c) => c.key === key);
  if (!category?.customerChoice) return false;
  if (!category.blocking) return true;
  const now = availability(policy, at);
  const level = now.open ? serviceLevel(policy, now.service) : undefined;
  return level?.serves.categories?.includes(key) === true && levelOpenToPlans(level, plans);
}

/** The phone line of a service level (a contact with `when: <level key>`), if the preset has one. */
export function levelLine(policy: Policy, levelKey: string): string | null {
  return policy.contacts.find((c) => c.when === levelKey && c.kind === "phone")?.value ?? null;
}

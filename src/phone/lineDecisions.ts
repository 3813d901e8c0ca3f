/**
 * What a phone line does with a call (pure): which line a Twilio number is (preset data), and on
 * an on-call line whether the caller is one its level serves now — read with the policy engine's
 * `serviceRouting`, the same rule that pages for a ticket — or, when not, which opening to tell.
 */
import { serviceRouting } from "../../flows/serviceRouting.js";
import {
  type Audience,
  availability,
  levelOpenToPlans,
  plansAudience,
  serviceLevel,
} from "../policy/calendar.js";
import type { Policy, PolicyContact, PolicyPhoneLine } from "../policy/schema.js";

export interface PhoneLine {
  contact: PolicyContact;
  line: PolicyPhoneLine;
}

/** The preset's lines answered through Twilio. */
export function phoneLines(policy: Policy): PhoneLine[] {
  return policy.contacts.flatMap((contact) => (contact.line ? [{ contact, line: contact.line }] : []));
}

/** The line rung on the Twilio number `to` (E.164), if the preset has one. */
export function lineCalled(policy: Policy, to: string): PhoneLine | null {
  return phoneLines(policy).find((l) => l.line.number === to.replace(/[^\d+]/g, "")) ?? null;
}

/** The line with the contact key `key`. */
export function lineByKey(policy: Policy, key: string): PhoneLine | null {
  return phoneLines(policy).find((l) => l.contact.key === key) ?? null;
}

export type OnCallAnswer =
  /** The level is open and could serve the caller's plans: the menu (press 1 if blocked). */
  | { kind: "menu" }
  /**
   * Not for this caller now: `notServed` when the level is open but not for their plans (they hear
   * whom it serves), and when `tellOpeningOf` (else any level for their plans) opens next.
   */
  | { kind: "closed"; notServed: boolean; opensAt: Date | null };

/** The audience of a caller who pressed 1: their plans, a blocking problem of the level's first category. */
function blockedAudience(policy: Policy, levelKey: string, plans: readonly string[]): Audience {
  const level = serviceLevel(policy, levelKey);
  return { plans, category: level?.serves.categories?.[0] ?? null, blocking: true };
}

/** The first answer of an on-call line to a caller with `plans` (none when unknown). */
export function onCallAnswer(
  policy: Policy,
  line: PhoneLine,
  at: Date,
  plans: readonly string[],
): OnCallAnswer {
  const levelKey = line.contact.when;
  const level = serviceLevel(policy, levelKey);
  const levelOpen = level !== undefined && availability(policy, at, { plans, levels: [levelKey] }).open;
  if (level && levelOpen && levelOpenToPlans(level, plans)) return { kind: "menu" };
  const told = line.line.tellOpeningOf;
  const next = availability(policy, at, told ? { plans, levels: [told] } : plansAudience(policy, plans));
  return { kind: "closed", notServed: levelOpen, opensAt: next.open ? at : next.nextOpenAt };
}

/** Does the on-call line connect a caller with `plans` who pressed 1 now? (the level pages for them) */
export function connectsBlockedCaller(
  policy: Policy,
  line: PhoneLine,
  at: Date,
  plans: readonly string[],
): boolean {
  const routing = serviceRouting(policy, at, blockedAudience(policy, line.contact.when, plans));
  return routing.kind === "page-on-call" && routing.level.key === line.contact.when;
}

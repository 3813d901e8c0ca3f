/**
 * Weekend routing, as data-driven decisions: during weekend service only blocking problems of
 * customers whose plan includes weekend service for the category page the on-call technician;
 * everyone else is told what weekend service covers and when the regular service reopens.
 */
import { availability } from "../src/policy/calendar.js";
import type { CoverageDecision } from "../src/policy/coverage.js";
import type { Policy } from "../src/policy/schema.js";

export type WeekendRouting = "page-on-call" | "wait-for-next-opening" | "not-weekend-service";

/** What to do with a ticket opened at `at`. */
export function weekendRouting(
  policy: Policy,
  at: Date,
  facts: { blocking: boolean; coverage: Pick<CoverageDecision, "weekendEligible"> | null },
): WeekendRouting {
  if (availability(policy, at).service !== "weekend") return "not-weekend-service";
  if (policy.weekend.pageOnCall && facts.blocking && facts.coverage?.weekendEligible) return "page-on-call";
  return "wait-for-next-opening";
}

/** The next opening of a service other than weekend service (the regular team). */
export function nextRegularOpening(policy: Policy, at: Date): Date | null {
  let a = availability(policy, at);
  let next = a.nextOpenAt;
  let service = a.nextOpenService;
  for (let i = 0; i < 14 && next && service === "weekend"; i++) {
    a = availability(policy, next);
    next = a.nextOpenAt;
    service = a.nextOpenService;
  }
  return next;
}

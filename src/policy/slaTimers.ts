/**
 * When a ticket's SLA timers fall due, decided once for every path that starts them (a ticket
 * opened straight to support, a ticket authorized by staff or by the sales rep's link). Pure:
 * the instant the request reaches support is a parameter; the ticket machine turns the answer
 * into its `scheduleTimers` intent and the runtime only stores the jobs.
 */
import { z } from "zod";
import { addServiceMinutes } from "./calendar.js";
import type { Policy } from "./schema.js";

/** A ticket's durable SLA timer that the ticket machine schedules. */
export type SlaTimerKind = "ticket.escalate" | "ticket.callback";

/** One SLA timer and the instant it falls due (ISO 8601). */
export interface SlaTimer {
  kind: SlaTimerKind;
  at: string;
}

/** The `serviceLevels` of a ticket's coverage: the keys of the levels that serve it. */
const serviceLevelKeys = z.array(z.string());

/**
 * When a ticket still unclaimed escalates: the preset's `escalateUnclaimedAfterServiceMinutes`
 * of service time after `from`, counted in the service levels that serve it (its coverage's
 * `serviceLevels`): a ticket without weekend service does not escalate on Saturday.
 * @throws CalendarError "no-service" when the policy never opens.
 */
export function escalationDue(policy: Policy, from: Date, coverage: Record<string, unknown>): Date {
  const levels = serviceLevelKeys.safeParse(coverage.serviceLevels);
  const audience = levels.success ? { plans: [], levels: levels.data } : null;
  return addServiceMinutes(policy, from, policy.sla.escalateUnclaimedAfterServiceMinutes, audience);
}

/** When the callback promise made at `from` falls due, or null when the preset makes none. */
export function callbackDue(policy: Policy, from: Date): Date | null {
  const hours = policy.sla.callbackWithinHours;
  return hours ? new Date(from.getTime() + hours * 3_600_000) : null;
}

/**
 * The timers that start when a request reaches support at `from` (opened without authorization,
 * or authorized): the unclaimed escalation, and the callback promise when the preset makes one.
 */
export function slaTimersFrom(policy: Policy, from: Date, coverage: Record<string, unknown>): SlaTimer[] {
  const timers: SlaTimer[] = [
    { kind: "ticket.escalate", at: escalationDue(policy, from, coverage).toISOString() },
  ];
  const callback = callbackDue(policy, from);
  if (callback) timers.push({ kind: "ticket.callback", at: callback.toISOString() });
  return timers;
}

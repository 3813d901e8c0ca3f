/**
 * Durations counted in a preset's service hours: the open time between two instants, skipping
 * lunch gaps, evenings, closed days and holidays (DST handled by the calendar's zone rules).
 * Pure; used by the reports (first response, resolution) and the response-time histogram.
 */
import { DateTime } from "luxon";
import { type OpenService, openRangesOfDay } from "./calendar.js";
import type { Policy } from "./schema.js";

/** Services a ticket's clock runs in. */
export type ServiceSet = readonly OpenService[];

/** Every service of the preset: weekday, weekend and reduced-holiday hours. */
export const ALL_SERVICES: ServiceSet = ["weekday", "weekend", "holiday-reduced"];
/** The regular services: weekend hours only serve customers whose plan includes weekend service. */
export const REGULAR_SERVICES: ServiceSet = ["weekday", "holiday-reduced"];

/**
 * The services that serve a ticket: weekend hours count only when its coverage was
 * weekend-eligible (a plan with weekend service for that category and blocking state).
 */
export function servicesForCoverage(coverage: { weekendEligible?: unknown }): ServiceSet {
  return coverage.weekendEligible === true ? ALL_SERVICES : REGULAR_SERVICES;
}

/** Days after which a span is cut (a ticket open for years is an outlier, not a reason to loop). */
const MAX_DAYS = 3 * 366;

/**
 * Milliseconds of open service between `from` and `to` (0 when `to` is not after `from`),
 * counting only the opening ranges of `services`.
 */
export function serviceMillisBetween(
  policy: Policy,
  from: Date,
  to: Date,
  services: ServiceSet = ALL_SERVICES,
): number {
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return 0;
  let total = 0;
  // Noon of each local day: always exists, whatever DST does at night.
  let day = DateTime.fromMillis(start, { zone: policy.timezone }).startOf("day").plus({ hours: 12 });
  for (let i = 0; i < MAX_DAYS && day.startOf("day").toMillis() < end; i++) {
    for (const range of openRangesOfDay(policy, day.toJSDate())) {
      if (!services.includes(range.service)) continue;
      const overlap = Math.min(range.end.getTime(), end) - Math.max(range.start.getTime(), start);
      if (overlap > 0) total += overlap;
    }
    day = day.plus({ days: 1 });
  }
  return total;
}

/** Whole and fractional minutes of open service between two instants (see {@link serviceMillisBetween}). */
export function serviceMinutesBetween(
  policy: Policy,
  from: Date,
  to: Date,
  services: ServiceSet = ALL_SERVICES,
): number {
  return serviceMillisBetween(policy, from, to, services) / 60_000;
}

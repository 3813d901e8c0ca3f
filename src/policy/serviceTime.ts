/**
 * Durations counted in a preset's service hours: the open time between two instants, skipping
 * lunch gaps, evenings, closed days and holidays (DST handled by the calendar's zone rules).
 * Pure; used by the reports (first response, resolution) and the response-time histogram.
 */
import { DateTime } from "luxon";
import { type OpenService, openRangesOfDay } from "./calendar.js";
import type { Policy } from "./schema.js";
import { zoneNamed } from "./zone.js";

/**
 * Service levels a ticket's clock runs in: every level of the preset, the regular ones (levels
 * that serve every customer and category), or the keys of the levels that serve the ticket.
 */
export type ServiceSet = "all" | "regular" | readonly OpenService[];

/** Every service level of the preset. */
export const ALL_SERVICES: ServiceSet = "all";
/** The levels that serve everyone (not the weekend service reserved to some plans). */
export const REGULAR_SERVICES: ServiceSet = "regular";

function levelKeys(policy: Policy, services: ServiceSet): Set<string> {
  if (services === "all") return new Set(policy.serviceLevels.map((l) => l.key));
  if (services === "regular") {
    return new Set(
      policy.serviceLevels
        .filter((l) => l.serves.plans === null && l.serves.categories === null && !l.serves.requiresBlocking)
        .map((l) => l.key),
    );
  }
  return new Set(services);
}

/**
 * The service levels that serve a ticket: its coverage's `serviceLevels` (decided at intake);
 * tickets from before service levels were data carry `weekendEligible` instead.
 */
export function servicesForCoverage(coverage: {
  serviceLevels?: unknown;
  weekendEligible?: unknown;
}): ServiceSet {
  if (Array.isArray(coverage.serviceLevels) && coverage.serviceLevels.every((k) => typeof k === "string")) {
    return coverage.serviceLevels as string[];
  }
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
  const keys = levelKeys(policy, services);
  // Noon of each local day: always exists, whatever DST does at night.
  let day = DateTime.fromMillis(start, { zone: zoneNamed(policy.timezone) })
    .startOf("day")
    .plus({ hours: 12 });
  for (let i = 0; i < MAX_DAYS && day.startOf("day").toMillis() < end; i++) {
    for (const range of openRangesOfDay(policy, day.toJSDate())) {
      if (!keys.has(range.service)) continue;
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

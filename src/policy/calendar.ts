/**
 * Service calendar of a policy: is the service open at an instant, which service, when it closes
 * and when it opens next. Pure: the instant is always a parameter; all wall times are read in the
 * policy's time zone with luxon, so DST changes are handled by the zone rules.
 */
import { DateTime } from "luxon";
import { CodedError } from "../errors.js";
import { type HolidayEntry, holidaysOfYear } from "./holidayCalendar.js";
import { minutesOfTime, type Policy, type PolicyServiceLevel, WEEKDAYS } from "./schema.js";
import { zoneNamed } from "./zone.js";

/** The key of the service level running at an instant (`policy.serviceLevels`), or "closed". */
export type Service = string;
/** The key of a service level that has opening hours. */
export type OpenService = string;

/**
 * Whose opening hours are asked: the customer's plans, the request's category and whether it
 * blocks their work. Without an audience every service level counts (the company's hours).
 */
export interface Audience {
  plans: readonly string[];
  category?: string | null;
  blocking?: boolean;
  /** Already decided (a ticket's `coverage.serviceLevels`): exactly these levels count. */
  levels?: readonly string[];
}

/** Does `level` serve `audience`? A missing category matches only levels serving every category. */
export function levelServes(level: PolicyServiceLevel, audience: Audience | null | undefined): boolean {
  if (!audience) return true;
  if (audience.levels) return audience.levels.includes(level.key);
  const { plans, categories, requiresBlocking } = level.serves;
  if (plans !== null && !plans.some((p) => audience.plans.includes(p))) return false;
  if (categories !== null && !(audience.category != null && categories.includes(audience.category)))
    return false;
  return !requiresBlocking || audience.blocking === true;
}

/** Could `level` serve a customer with these plans, for some category and blocking state? */
export function levelOpenToPlans(level: PolicyServiceLevel, plans: readonly string[]): boolean {
  return level.serves.plans === null || level.serves.plans.some((p) => plans.includes(p));
}

/** The audience of every level open to `plans`, whatever the request (a customer's own hours). */
export function plansAudience(policy: Policy, plans: readonly string[]): Audience {
  return { plans, levels: policy.serviceLevels.filter((l) => levelOpenToPlans(l, plans)).map((l) => l.key) };
}

/** The service level with `key`, if the preset has it. */
export function serviceLevel(policy: Policy, key: string | null | undefined): PolicyServiceLevel | undefined {
  return policy.serviceLevels.find((l) => l.key === key);
}
export type ClosedReason = "lunch" | "before-opening" | "evening" | "weekend" | "holiday" | "no-service-day";

export interface Availability {
  open: boolean;
  /** The service open now, or "closed". */
  service: Service;
  /** Holiday key of the local date, if the policy knows that holiday (also when open on reduced hours). */
  holiday: string | null;
  /** End of the current opening range when open, else null. */
  closesAt: Date | null;
  /** Start of the next opening range: after `closesAt` when open, after `at` when closed; null if none within ~2 years. */
  nextOpenAt: Date | null;
  nextOpenService: Service | null;
  /** Why it is closed; null when open. */
  reason: ClosedReason | null;
  /**
   * When closed after the day's last opening range: its end ("closed at 13:00 today") and its
   * service; null when open, before or between the day's ranges, or on a day without ranges.
   */
  closedAt: Date | null;
  closedService: Service | null;
}

/** The `hours` CLI object; key order is part of the contract. */
export interface HoursReport {
  policy: string;
  at: string;
  open: boolean;
  service: Service;
  holiday: string | null;
  closesAt: string | null;
  nextOpenAt: string | null;
  nextOpenService: Service | null;
}

export type CalendarErrorCode = "invalid-instant" | "no-service";

/** Error with a stable code for impossible calendar questions. */
export class CalendarError extends CodedError<CalendarErrorCode> {}

interface OpenRange {
  start: DateTime;
  end: DateTime;
  /** `start` and `end` as epoch milliseconds (compared on every message). */
  startMs: number;
  endMs: number;
  service: OpenService;
}

interface DayPlan {
  holiday: HolidayEntry | null;
  ranges: OpenRange[];
  /** Why the whole day has no ranges. */
  emptyReason: ClosedReason | null;
}

/** Days searched for the next opening before giving up (a policy may have no hours at all). */
const SEARCH_DAYS = 800;

function local(policy: Policy, at: Date): DateTime {
  const t = DateTime.fromJSDate(at, { zone: zoneNamed(policy.timezone) });
  if (!t.isValid) throw new CalendarError("invalid-instant", `invalid instant: ${String(at)}`);
  return t;
}

/** A local calendar day of a policy's zone: its start, and the next day's start, as instants. */
interface LocalDay {
  start: DateTime;
  startMs: number;
  /** Start of the next local day (23, 24 or 25 hours later). */
  endMs: number;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
}

/**
 * Local days are asked for on every message (luxon's `startOf("day")` costs tens of
 * microseconds), and messages of one day fall in the same few: the latest ones are kept per
 * policy and found by their instant range.
 */
const localDays = new WeakMap<Policy, LocalDay[]>();
const LOCAL_DAYS_KEPT = 16;

/** The local day (policy zone) containing the instant `ms`. */
function localDay(policy: Policy, ms: number): LocalDay {
  let days = localDays.get(policy);
  if (!days) {
    days = [];
    localDays.set(policy, days);
  }
  for (const d of days) if (d.startMs <= ms && ms < d.endMs) return d;
  if (!Number.isFinite(ms))
    throw new CalendarError("invalid-instant", `invalid instant: ${String(new Date(ms))}`);
  const start = DateTime.fromMillis(ms, { zone: zoneNamed(policy.timezone) }).startOf("day");
  if (!start.isValid) throw new CalendarError("invalid-instant", `invalid instant: ${String(new Date(ms))}`);
  const day = {
    start,
    startMs: start.toMillis(),
    endMs: start.plus({ days: 1 }).startOf("day").toMillis(),
    weekday: start.weekday,
  };
  if (days.length >= LOCAL_DAYS_KEPT) days.shift();
  days.push(day);
  return day;
}

/** The epoch milliseconds of `at`, or a CalendarError for an invalid date. */
function instantOf(at: Date): number {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new CalendarError("invalid-instant", `invalid instant: ${String(at)}`);
  return ms;
}

function wallTime(day: DateTime, time: string): DateTime {
  const minutes = minutesOfTime(time);
  if (minutes === 24 * 60) return day.plus({ days: 1 }).startOf("day");
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
    { zone: day.zone },
  );
}

function holidayOfDay(policy: Policy, day: DateTime): HolidayEntry | null {
  return holidaysOfYear(policy, day.year).get(day.toISODate() ?? "") ?? null;
}

/** Day plans are pure in (policy, local day) and asked for on every message: kept per policy. */
const dayPlans = new WeakMap<Policy, Map<number, DayPlan>>();
const DAY_PLANS_KEPT = 800;

/**
 * Opening ranges of the local day starting at `day` (start of day in the policy zone) for
 * `audience`: the day's plan of every level (cached), narrowed to the levels serving `audience`.
 */
function dayPlan(policy: Policy, day: DateTime, audience?: Audience | null): DayPlan {
  let plans = dayPlans.get(policy);
  if (!plans) {
    plans = new Map();
    dayPlans.set(policy, plans);
  }
  const key = day.toMillis();
  let plan = plans.get(key);
  if (!plan) {
    plan = computeDayPlan(policy, day);
    if (plans.size >= DAY_PLANS_KEPT) plans.delete(plans.keys().next().value!);
    plans.set(key, plan);
  }
  if (!audience) return plan;
  const ranges = plan.ranges.filter((r) => {
    const level = serviceLevel(policy, r.service);
    return level !== undefined && levelServes(level, audience);
  });
  if (ranges.length === plan.ranges.length) return plan;
  const emptyReason = ranges.length
    ? null
    : plan.holiday
      ? "holiday"
      : day.weekday >= 6
        ? "weekend"
        : "no-service-day";
  return { holiday: plan.holiday, ranges, emptyReason };
}

function computeDayPlan(policy: Policy, day: DateTime): DayPlan {
  const holiday = holidayOfDay(policy, day);
  const weekdayKey = WEEKDAYS[day.weekday - 1]!;
  const isWeekendDay = day.weekday >= 6;
  const build = (level: PolicyServiceLevel, ranges: [string, string][]): OpenRange[] =>
    ranges.map(([s, e]) => {
      const start = wallTime(day, s);
      const end = wallTime(day, e);
      return { start, end, startMs: start.toMillis(), endMs: end.toMillis(), service: level.key };
    });

  if (holiday) {
    const level = holiday.service === "closed" ? undefined : serviceLevel(policy, holiday.service);
    const ranges = level ? build(level, level.byDay[weekdayKey] ?? level.ranges) : [];
    return { holiday, ranges, emptyReason: ranges.length ? null : "holiday" };
  }
  const level = policy.serviceLevels.find((l) => !l.holidays && l.days.includes(weekdayKey));
  const ranges = level ? build(level, level.byDay[weekdayKey] ?? level.ranges) : [];
  const emptyReason = ranges.length ? null : isWeekendDay ? "weekend" : "no-service-day";
  return { holiday, ranges, emptyReason };
}

/** First opening range starting at or after the instant `fromMs`. */
function nextOpening(policy: Policy, fromMs: number, audience?: Audience | null): OpenRange | null {
  let day = localDay(policy, fromMs);
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const found = dayPlan(policy, day.start, audience).ranges.find((r) => r.startMs >= fromMs);
    if (found) return found;
    day = localDay(policy, day.endMs);
  }
  return null;
}

function closedReason(plan: DayPlan, ms: number, weekday: number): ClosedReason {
  const first = plan.ranges[0];
  const last = plan.ranges[plan.ranges.length - 1];
  if (!first || !last) return plan.emptyReason ?? "no-service-day";
  if (ms < first.startMs) return "before-opening";
  if (ms >= last.endMs) {
    if (plan.holiday) return "holiday";
    return weekday >= 6 ? "weekend" : "evening";
  }
  return "lunch";
}

/**
 * Is the service open at `at`, which level, and when does it close / open next. With an
 * `audience`, only the levels that serve it count: a customer without weekend service is closed
 * on Saturday and next opens on the next regular opening.
 */
export function availability(policy: Policy, at: Date, audience?: Audience | null): Availability {
  const ms = instantOf(at);
  const day = localDay(policy, ms);
  const plan = dayPlan(policy, day.start, audience);
  const holiday = plan.holiday?.key ?? null;
  const current = plan.ranges.find((r) => r.startMs <= ms && ms < r.endMs);
  if (current) {
    const next = nextOpening(policy, current.endMs, audience);
    return {
      open: true,
      service: current.service,
      holiday,
      closesAt: new Date(current.endMs),
      nextOpenAt: next ? new Date(next.startMs) : null,
      nextOpenService: next ? next.service : null,
      reason: null,
      closedAt: null,
      closedService: null,
    };
  }
  const next = nextOpening(policy, ms, audience);
  const last = plan.ranges[plan.ranges.length - 1];
  const dayOver = last !== undefined && ms >= last.endMs;
  return {
    open: false,
    service: "closed",
    holiday,
    closesAt: null,
    nextOpenAt: next ? new Date(next.startMs) : null,
    nextOpenService: next ? next.service : null,
    reason: closedReason(plan, ms, day.weekday),
    closedAt: dayOver ? new Date(last.endMs) : null,
    closedService: dayOver ? last.service : null,
  };
}

/** ISO-8601 with the policy zone's offset, seconds precision: "2027-03-30T09:00:00+02:00". */
export function formatInstant(policy: Policy, at: Date): string {
  return local(policy, at).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
}

/**
 * The `sportello hours` answer for `at`: the company's hours, or with `audience` the hours of
 * the service levels that serve that customer (a standard customer is never told a weekend).
 */
export function hoursReport(policy: Policy, at: Date, audience?: Audience | null): HoursReport {
  const a = availability(policy, at, audience);
  const fmt = (d: Date | null) => (d ? formatInstant(policy, d) : null);
  return {
    policy: policy.id,
    at: formatInstant(policy, at),
    open: a.open,
    service: a.service,
    holiday: a.holiday,
    closesAt: fmt(a.closesAt),
    nextOpenAt: fmt(a.nextOpenAt),
    nextOpenService: a.nextOpenService,
  };
}

/**
 * The instant at which `minutes` of open service time have elapsed after `from` (closed time does
 * not count; starting while closed counts from the next opening). Used for SLA escalation.
 * @throws CalendarError "no-service" when the policy never opens.
 */
export function addServiceMinutes(
  policy: Policy,
  from: Date,
  minutes: number,
  audience?: Audience | null,
): Date {
  if (minutes <= 0) return from;
  let remainingMs = minutes * 60_000;
  const startMs = instantOf(from);
  let day = localDay(policy, startMs);
  // Give up only after SEARCH_DAYS days in a row without any opening (long waits are fine).
  for (let idle = 0; idle < SEARCH_DAYS; idle++) {
    const ranges = dayPlan(policy, day.start, audience).ranges;
    if (ranges.some((r) => r.endMs > startMs)) idle = 0;
    for (const range of ranges) {
      if (range.endMs <= startMs) continue;
      const beginMs = Math.max(range.startMs, startMs);
      const available = range.endMs - beginMs;
      if (remainingMs <= available) return new Date(beginMs + remainingMs);
      remainingMs -= available;
    }
    day = localDay(policy, day.endMs);
  }
  throw new CalendarError(
    "no-service",
    `policy ${policy.id} has no service hours within ${SEARCH_DAYS} days`,
  );
}

/**
 * Opening ranges of the local calendar day that contains `at` (policy zone), with the service of
 * each; [] on a closed day. For service-time arithmetic outside this module.
 */
export function openRangesOfDay(
  policy: Policy,
  at: Date,
): { start: Date; end: Date; service: OpenService }[] {
  return dayPlan(policy, localDay(policy, instantOf(at)).start).ranges.map((r) => ({
    start: r.start.toJSDate(),
    end: r.end.toJSDate(),
    service: r.service,
  }));
}

/** Holiday key of the local date of `at`, if the policy knows that holiday. */
export function holidayOn(policy: Policy, at: Date): string | null {
  return holidayOfDay(policy, localDay(policy, instantOf(at)).start)?.key ?? null;
}

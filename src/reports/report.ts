/**
 * The manager's report over a date range: tickets opened and closed per ISO week by channel,
 * category and plan; first response and resolution times in the preset's service hours (median
 * and p90); SLA outcomes; customer satisfaction; billable hours and revenue per month. Pure: a
 * function of the presets and the rows {@link ReportData} holds.
 */

import { DateTime } from "luxon";
import type { DomainEventName } from "../../flows/domainEvents.js";
import { CodedError } from "../errors.js";
import type { Policy } from "../policy/schema.js";
import {
  type Backlog,
  backlogAt,
  monthOf,
  serviceDuration,
  type TechnicianRow,
  type TicketRow,
  technicianRows,
} from "./reportTickets.js";

export type { Backlog, ServiceDuration, TechnicianRow, TicketRow } from "./reportTickets.js";

/** A ticket as the report reads it. */
export interface ReportTicket {
  number: string;
  policy: string;
  channel: string;
  category: string | null;
  coverage: Record<string, unknown>;
  createdAt: Date;
  closedAt: Date | null;
  status: string;
  /** First time a technician acted where the customer sees it (claim, reply, question or close). */
  firstResponseAt: Date | null;
  minutes: number | null;
  netCents: number | null;
  vatCents: number | null;
  grossCents: number | null;
  /** The ticket's technician (its assignee), if any. */
  technician?: string | null;
  /** How many times it was reopened. */
  reopened?: number;
}

/** A work session (one close) as the report reads it: revenue and hours per technician. */
export interface ReportSession {
  ticket: string;
  policy: string;
  technician: string;
  closedAt: Date;
  minutes: number;
  billedMinutes: number;
  netCents: number;
  vatCents: number;
  grossCents: number;
}

export interface ReportData {
  /** Tickets opened or closed in the range, and those still open at its end. */
  tickets: ReportTicket[];
  /** SLA events in the range. */
  events: { type: string; at: Date; ticket?: string | null }[];
  feedback: {
    ticket: string;
    technician?: string | null;
    rating: number;
    comment: string | null;
    at: Date;
  }[];
  /** Work sessions closed in the range; without them revenue is read from the tickets. */
  sessions?: ReportSession[];
}

export interface Breakdown {
  total: number;
  byChannel: Record<string, number>;
  byCategory: Record<string, number>;
  byPlan: Record<string, number>;
}

export interface WeekRow {
  /** ISO week, e.g. 2027-W10. */
  week: string;
  /** Monday of the week, YYYY-MM-DD. */
  weekStart: string;
  opened: Breakdown;
  closed: Breakdown;
}

/** Durations in service minutes (percentiles by nearest rank). */
export interface DurationStats {
  count: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
  /** Tickets handled entirely outside service hours (0 service minutes, though time passed). */
  outsideServiceHours: number;
}

export interface MonthRow {
  month: string;
  interventions: number;
  billedMinutes: number;
  billableHours: number;
  netCents: number;
  vatCents: number;
  grossCents: number;
}

export interface Report {
  from: string;
  to: string;
  timezone: string;
  tickets: { opened: number; closed: number; perWeek: WeekRow[] };
  responseTimes: { firstResponse: DurationStats; resolution: DurationStats };
  sla: { callbacksOverdue: number; escalations: number; pages: number; acknowledgements: number };
  csat: {
    responses: number;
    average: number | null;
    distribution: Record<"1" | "2" | "3" | "4" | "5", number>;
    latestComments: { ticket: string; rating: number; comment: string; at: string }[];
  };
  billing: { currency: string; perMonth: MonthRow[] };
  /** One row per ticket opened or closed in the range. */
  ticketList: TicketRow[];
  /** Tickets whose SLA was breached in the range: escalated unclaimed, callback overdue. */
  slaBreaches: { ticket: string; type: "ticket.escalated" | "ticket.callback-overdue"; at: string }[];
  backlog: Backlog;
  /** Closed tickets of the range reopened at least once. */
  reopens: { closed: number; reopened: number; rate: number | null };
  technicians: TechnicianRow[];
}

/** Event types that count as a technician's first response to a ticket. */
export const RESPONSE_EVENTS = [
  "ticket.claimed",
  "ticket.reply",
  "ticket.asked",
  "ticket.closed",
] as const satisfies readonly DomainEventName[];
/** Event types the SLA section counts. */
export const SLA_EVENTS = [
  "ticket.callback-overdue",
  "ticket.escalated",
  "oncall.paged",
  "oncall.acknowledged",
] as const satisfies readonly DomainEventName[];

export type ReportErrorCode = "invalid-range";

/** Bad report input; `code` is stable. */
export class ReportError extends CodedError<ReportErrorCode> {}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The instants [from, to) of the local days `from`..`to` (both included, YYYY-MM-DD) in `zone`.
 * @throws ReportError invalid-range
 */
export function dayRange(from: string, to: string, zone: string): { from: Date; to: Date } {
  const start = DateTime.fromISO(from, { zone });
  const end = DateTime.fromISO(to, { zone });
  if (!DAY.test(from) || !start.isValid) {
    throw new ReportError("invalid-range", `invalid --from "${from}": expected a date YYYY-MM-DD`);
  }
  if (!DAY.test(to) || !end.isValid) {
    throw new ReportError("invalid-range", `invalid --to "${to}": expected a date YYYY-MM-DD`);
  }
  if (end < start) throw new ReportError("invalid-range", `--to ${to} is before --from ${from}`);
  if (end.diff(start, "days").days > 3 * 366) {
    throw new ReportError("invalid-range", "the range is longer than three years: ask for less");
  }
  return { from: start.toJSDate(), to: end.plus({ days: 1 }).startOf("day").toJSDate() };
}

/**
 * The `q`-quantile (0..1) of sorted values by nearest rank: the value at rank ⌈q·n⌉ (1-based,
 * at least 1), always one of the values (no interpolation); null for no values.
 */
export function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function stats(values: number[], outsideServiceHours = 0): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const p90 = quantile(sorted, 0.9);
  return {
    count: sorted.length,
    medianMinutes: median === null ? null : round2(median),
    p90Minutes: p90 === null ? null : round2(p90),
    outsideServiceHours,
  };
}

const emptyBreakdown = (): Breakdown => ({ total: 0, byChannel: {}, byCategory: {}, byPlan: {} });

function count(b: Breakdown, t: ReportTicket): void {
  const inc = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  b.total += 1;
  inc(b.byChannel, t.channel);
  inc(b.byCategory, t.category ?? "none");
  inc(b.byPlan, typeof t.coverage.plan === "string" ? t.coverage.plan : "none");
}

/** Plan of a ticket for the breakdown: the plan of its coverage, or "none". */
const within = (at: Date | null, range: { from: Date; to: Date }): at is Date =>
  at !== null && at >= range.from && at < range.to;

/**
 * Builds the report of the local days `from`..`to` (YYYY-MM-DD, both included) in `timezone`.
 * Service times use each ticket's own preset (`policies(id)`) and the services that serve it.
 * @throws ReportError invalid-range
 */
export function buildReport(
  range: { from: string; to: string; timezone: string },
  data: ReportData,
  policies: (id: string) => Policy,
): Report {
  const window = dayRange(range.from, range.to, range.timezone);
  const zone = range.timezone;
  const weeks = new Map<string, WeekRow>();
  const weekOf = (at: Date): WeekRow => {
    const local = DateTime.fromJSDate(at, { zone });
    const key = local.toISOWeekDate()?.slice(0, 8) ?? "";
    let row = weeks.get(key);
    if (!row) {
      row = {
        week: key,
        weekStart: local.startOf("week").toISODate() ?? "",
        opened: emptyBreakdown(),
        closed: emptyBreakdown(),
      };
      weeks.set(key, row);
    }
    return row;
  };

  const firstResponses: number[] = [];
  const resolutions: number[] = [];
  let firstOutside = 0;
  let resolutionOutside = 0;
  const months = new Map<string, MonthRow>();
  const monthRow = (month: string): MonthRow => {
    const row = months.get(month) ?? {
      month,
      interventions: 0,
      billedMinutes: 0,
      billableHours: 0,
      netCents: 0,
      vatCents: 0,
      grossCents: 0,
    };
    months.set(month, row);
    return row;
  };
  const ticketList: TicketRow[] = [];
  const breachesOf = new Map<string, string[]>();
  for (const e of data.events) {
    if (!e.ticket || !within(e.at, window)) continue;
    if (e.type !== "ticket.escalated" && e.type !== "ticket.callback-overdue") continue;
    breachesOf.set(e.ticket, [...(breachesOf.get(e.ticket) ?? []), e.type]);
  }
  let opened = 0;
  let closed = 0;
  let reopenedClosed = 0;
  for (const t of data.tickets) {
    const policy = policies(t.policy);
    const openedInRange = within(t.createdAt, window);
    const closedInRange = t.status === "closed" && within(t.closedAt, window);
    if (!openedInRange && !closedInRange) continue;
    const first =
      openedInRange && t.firstResponseAt ? serviceDuration(policy, t, t.createdAt, t.firstResponseAt) : null;
    const resolution = closedInRange ? serviceDuration(policy, t, t.createdAt, t.closedAt!) : null;
    if (openedInRange) {
      opened += 1;
      count(weekOf(t.createdAt).opened, t);
      if (first) {
        firstResponses.push(first.minutes);
        if (first.outsideServiceHours) firstOutside += 1;
      }
    }
    if (closedInRange && resolution) {
      closed += 1;
      if ((t.reopened ?? 0) > 0) reopenedClosed += 1;
      count(weekOf(t.closedAt!).closed, t);
      resolutions.push(resolution.minutes);
      if (resolution.outsideServiceHours) resolutionOutside += 1;
      if (!data.sessions) {
        // Without work sessions, revenue is the charge stored on the ticket at its last close.
        const row = monthRow(monthOf(t.closedAt!, zone));
        const charge = (t.coverage.charge ?? {}) as Record<string, unknown>;
        row.interventions += 1;
        row.billedMinutes += typeof charge.billedMinutes === "number" ? charge.billedMinutes : 0;
        row.netCents += t.netCents ?? 0;
        row.vatCents += t.vatCents ?? 0;
        row.grossCents += t.grossCents ?? 0;
      }
    }
    ticketList.push({
      number: t.number,
      policy: t.policy,
      channel: t.channel,
      category: t.category,
      status: t.status,
      technician: t.technician ?? null,
      createdAt: t.createdAt.toISOString(),
      closedAt: t.closedAt?.toISOString() ?? null,
      firstResponse: first,
      resolution,
      reopened: t.reopened ?? 0,
      slaBreaches: breachesOf.get(t.number) ?? [],
    });
  }
  // Revenue per month: every close (work session) of the range, as the statement bills it.
  for (const x of data.sessions ?? []) {
    if (!within(x.closedAt, window)) continue;
    const row = monthRow(monthOf(x.closedAt, zone));
    row.interventions += 1;
    row.billedMinutes += x.billedMinutes;
    row.netCents += x.netCents;
    row.vatCents += x.vatCents;
    row.grossCents += x.grossCents;
  }
  for (const row of months.values()) row.billableHours = round2(row.billedMinutes / 60);
  const currencies = new Set(data.tickets.map((t) => policies(t.policy).charges.currency));

  const inRange = data.events.filter((e) => within(e.at, window));
  const countType = (type: DomainEventName) => inRange.filter((e) => e.type === type).length;

  const feedback = data.feedback.filter((f) => within(f.at, window));
  const distribution = { "1": 0, "2": 0, "3": 0, "4": 0, "5": 0 };
  for (const f of feedback) {
    const key = String(f.rating) as keyof typeof distribution;
    if (key in distribution) distribution[key] += 1;
  }
  const average = feedback.length
    ? round2(feedback.reduce((sum, f) => sum + f.rating, 0) / feedback.length)
    : null;
  const latestComments = feedback
    .filter((f) => f.comment && f.comment.trim() !== "")
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, 10)
    .map((f) => ({ ticket: f.ticket, rating: f.rating, comment: f.comment!, at: f.at.toISOString() }));

  return {
    from: range.from,
    to: range.to,
    timezone: zone,
    tickets: {
      opened,
      closed,
      perWeek: [...weeks.values()].sort((a, b) => a.week.localeCompare(b.week)),
    },
    responseTimes: {
      firstResponse: stats(firstResponses, firstOutside),
      resolution: stats(resolutions, resolutionOutside),
    },
    sla: {
      callbacksOverdue: countType("ticket.callback-overdue"),
      escalations: countType("ticket.escalated"),
      pages: countType("oncall.paged"),
      acknowledgements: countType("oncall.acknowledged"),
    },
    csat: { responses: feedback.length, average, distribution, latestComments },
    billing: {
      currency: [...currencies][0] ?? "EUR",
      perMonth: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
    },
    ticketList,
    slaBreaches: inRange
      .filter(
        (e): e is typeof e & { ticket: string; type: "ticket.escalated" | "ticket.callback-overdue" } =>
          Boolean(e.ticket) && (e.type === "ticket.escalated" || e.type === "ticket.callback-overdue"),
      )
      .map((e) => ({ ticket: e.ticket, type: e.type, at: e.at.toISOString() })),
    backlog: backlogAt(data.tickets, window.to),
    reopens: { closed, reopened: reopenedClosed, rate: closed ? round2(reopenedClosed / closed) : null },
    technicians: technicianRows(data, (at) => within(at, window)),
  };
}

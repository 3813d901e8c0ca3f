/**
 * The report's per-ticket figures: each ticket's first response and resolution in service time
 * (marked when it was handled entirely outside service hours, rather than shown as "0 min"), the
 * backlog at the end of the range with ticket ages, the reopen rate, and hours and satisfaction
 * per technician. Pure.
 */
import { DateTime } from "luxon";
import type { Policy } from "../policy/schema.js";
import { serviceMinutesBetween, servicesForCoverage } from "../policy/serviceTime.js";
import type { ReportData, ReportTicket } from "./report.js";

/** A service-time duration: minutes, and whether none of it fell in service hours. */
export interface ServiceDuration {
  minutes: number;
  /** Time passed but none of it in service hours (e.g. opened and closed at night). */
  outsideServiceHours: boolean;
}

export interface TicketRow {
  number: string;
  policy: string;
  channel: string;
  category: string | null;
  status: string;
  technician: string | null;
  createdAt: string;
  closedAt: string | null;
  firstResponse: ServiceDuration | null;
  resolution: ServiceDuration | null;
  reopened: number;
  /** SLA breaches of the ticket in the range (ticket.escalated, ticket.callback-overdue). */
  slaBreaches: string[];
}

export interface Backlog {
  /** Tickets not closed at the end of the range. */
  open: number;
  byStatus: Record<string, number>;
  /** Age at the end of the range, whole days (nearest-rank percentiles). */
  ageDays: { median: number | null; p90: number | null; oldest: number | null };
  tickets: { number: string; status: string; createdAt: string; ageDays: number }[];
}

export interface TechnicianRow {
  technician: string;
  /** Work sessions (closes) in the range. */
  interventions: number;
  minutes: number;
  hours: number;
  billedMinutes: number;
  csat: { responses: number; average: number | null };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Service minutes between two instants, flagged when time passed outside service hours only. */
export function serviceDuration(policy: Policy, t: ReportTicket, from: Date, to: Date): ServiceDuration {
  const minutes = serviceMinutesBetween(policy, from, to, servicesForCoverage(t.coverage));
  return { minutes, outsideServiceHours: minutes === 0 && to.getTime() > from.getTime() };
}

/** Nearest-rank percentile of sorted values (see README "Reports"). */
function nearestRank(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

/** Tickets not closed at `end`, with their age in whole days. */
export function backlogAt(tickets: ReportTicket[], end: Date): Backlog {
  const open = tickets.filter(
    (t) => t.createdAt < end && (t.status !== "closed" || (t.closedAt !== null && t.closedAt >= end)),
  );
  const byStatus: Record<string, number> = {};
  const rows = open.map((t) => {
    // Closed after the end: it was still being worked on then (its status at the end is unknown).
    const status = t.status === "closed" ? "open" : t.status;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    return {
      number: t.number,
      status,
      createdAt: t.createdAt.toISOString(),
      ageDays: Math.floor((end.getTime() - t.createdAt.getTime()) / 86_400_000),
    };
  });
  const ages = rows.map((r) => r.ageDays).sort((a, b) => a - b);
  return {
    open: rows.length,
    byStatus,
    ageDays: { median: nearestRank(ages, 0.5), p90: nearestRank(ages, 0.9), oldest: ages.at(-1) ?? null },
    tickets: rows.sort((a, b) => b.ageDays - a.ageDays || a.number.localeCompare(b.number)),
  };
}

/** Hours per technician from the range's work sessions, CSAT from the feedback on their tickets. */
export function technicianRows(data: ReportData, within: (at: Date) => boolean): TechnicianRow[] {
  const rows = new Map<string, TechnicianRow & { ratings: number[] }>();
  const row = (name: string) => {
    const known = rows.get(name);
    if (known) return known;
    const created = {
      technician: name,
      interventions: 0,
      minutes: 0,
      hours: 0,
      billedMinutes: 0,
      csat: { responses: 0, average: null },
      ratings: [] as number[],
    };
    rows.set(name, created);
    return created;
  };
  for (const s of data.sessions ?? []) {
    if (!within(s.closedAt) || s.technician === "") continue;
    const r = row(s.technician);
    r.interventions += 1;
    r.minutes += s.minutes;
    r.billedMinutes += s.billedMinutes;
    r.hours = round2(r.minutes / 60);
  }
  for (const f of data.feedback) {
    if (!within(f.at) || !f.technician) continue;
    row(f.technician).ratings.push(f.rating);
  }
  return [...rows.values()]
    .map(({ ratings, ...r }) => ({
      ...r,
      csat: {
        responses: ratings.length,
        average: ratings.length ? round2(ratings.reduce((a, b) => a + b, 0) / ratings.length) : null,
      },
    }))
    .sort((a, b) => a.technician.localeCompare(b.technician));
}

/** The month (YYYY-MM, in `zone`) of an instant. */
export const monthOf = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toFormat("yyyy-MM");

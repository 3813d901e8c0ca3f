/**
 * The monthly statement: every work session (each close of a ticket: the first, and each after a
 * reopen) of a month per customer, with its lines (hourly time, package, travel, spare parts,
 * transport), coverage and the charge stored at that close; the minutes used and left of each
 * capped plan; minutes per technician; and totals. Pure: a function of the presets and the
 * stored sessions; amounts are the ones the customer was told at each close, never recomputed,
 * so the statement reconciles exactly, line by line, with what customers were told.
 */
import { DateTime } from "luxon";
import type { WorkSessionRow } from "../data/workSessions.js";
import { CodedError } from "../errors.js";
import { type AllowanceUse, allowanceUses } from "../policy/allowance.js";
import type { ChargeLine } from "../policy/charge.js";
import type { Policy } from "../policy/schema.js";

export type { AllowanceUse } from "../policy/allowance.js";

/** A work session as the statement reads it (one close of a ticket), with its ticket and customer. */
export interface StatementSession
  extends Pick<
    WorkSessionRow,
    | "seq"
    | "technician"
    | "mode"
    | "minutes"
    | "closedAt"
    | "plan"
    | "basis"
    | "covered"
    | "coveredMinutes"
    | "billedMinutes"
    | "lines"
    | "netCents"
    | "vatCents"
    | "grossCents"
  > {
  ticket: string;
  /** Preset id the ticket was opened under. */
  policy: string;
  customerCode: string;
  company: string;
  category: string | null;
  /** separate | sum (how a reopened ticket was charged); "legacy" for closes before sessions. */
  charging: string;
}

/** A line of an intervention's charge, net cents (`key` = `item`, kept for older readers). */
export interface StatementItem {
  key: string;
  item: string;
  quantity: number;
  /** minutes (hourly), each (package, parts, transport), km, day. */
  unit: string;
  unitCents: number;
  cents: number;
  description?: string;
}

export interface StatementLine {
  /** Local date of the close (YYYY-MM-DD, preset zone). */
  date: string;
  ticket: string;
  /** Which close of the ticket (2 after the first reopen). */
  session: number;
  policy: string;
  category: string | null;
  technician: string;
  mode: string | null;
  minutes: number;
  /** Plan the intervention fell under (null: no plan). */
  plan: string | null;
  /** plan, warranty or billable. */
  basis: string;
  covered: boolean;
  /** Minutes of this intervention covered by the plan. */
  coveredMinutes: number;
  billedMinutes: number;
  charging: string;
  items: StatementItem[];
  netCents: number;
  vatCents: number;
  grossCents: number;
}

/** Minutes of one technician's sessions. */
export interface TechnicianMinutes {
  technician: string;
  interventions: number;
  minutes: number;
  billedMinutes: number;
}

export interface Totals {
  interventions: number;
  minutes: number;
  billedMinutes: number;
  netCents: number;
  vatCents: number;
  grossCents: number;
}

export interface CustomerStatement {
  code: string;
  company: string;
  lines: StatementLine[];
  allowances: AllowanceUse[];
  technicians: TechnicianMinutes[];
  totals: Totals;
}

export interface Statement {
  /** YYYY-MM */
  month: string;
  currency: string;
  customers: CustomerStatement[];
  technicians: TechnicianMinutes[];
  totals: Totals;
}

export type StatementErrorCode = "invalid-month" | "unknown-policy" | "mixed-currencies";

/** Bad statement input (month format, unknown preset, mixed currencies); `code` is stable. */
export class StatementError extends CodedError<StatementErrorCode> {}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Checks a `YYYY-MM` month. @throws StatementError invalid-month */
export function parseMonth(month: string): { year: number; month: number } {
  const m = MONTH.exec(month.trim());
  if (!m)
    throw new StatementError("invalid-month", `invalid month "${month}": expected YYYY-MM, e.g. 2027-03`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/** The instants [from, to) of a calendar month in a time zone. */
export function monthRange(month: string, zone: string): { from: Date; to: Date } {
  const { year, month: m } = parseMonth(month);
  const start = DateTime.fromObject({ year, month: m, day: 1 }, { zone });
  return { from: start.toJSDate(), to: start.plus({ months: 1 }).toJSDate() };
}

/**
 * A UTC window that contains the month in every zone (queries fetch this, then
 * {@link buildStatement} keeps each ticket by its own preset's zone).
 */
export function monthQueryWindow(month: string): { from: Date; to: Date } {
  const { from, to } = monthRange(month, "UTC");
  return { from: new Date(from.getTime() - 86_400_000), to: new Date(to.getTime() + 86_400_000) };
}

const emptyTotals = (): Totals => ({
  interventions: 0,
  minutes: 0,
  billedMinutes: 0,
  netCents: 0,
  vatCents: 0,
  grossCents: 0,
});

function addLine(t: Totals, l: StatementLine): void {
  t.interventions += 1;
  t.minutes += l.minutes;
  t.billedMinutes += l.billedMinutes;
  t.netCents += l.netCents;
  t.vatCents += l.vatCents;
  t.grossCents += l.grossCents;
}

const UNITS: Record<string, string> = {
  hourly: "minutes",
  package: "each",
  km: "km",
  "per-diem-overnight": "day",
  "per-diem": "day",
  parts: "each",
  transport: "each",
};

function itemOf(l: ChargeLine): StatementItem {
  return {
    key: l.item,
    item: l.item,
    quantity: l.quantity,
    unit: UNITS[l.item] ?? "each",
    unitCents: l.unitCents,
    cents: l.cents,
    ...(l.description ? { description: l.description } : {}),
  };
}

function lineOf(policy: Policy, s: StatementSession): StatementLine {
  return {
    date: DateTime.fromJSDate(s.closedAt, { zone: policy.timezone }).toISODate() ?? "",
    ticket: s.ticket,
    session: s.seq,
    policy: s.policy,
    category: s.category,
    technician: s.technician,
    mode: s.mode,
    minutes: s.minutes,
    plan: s.plan,
    basis: s.basis,
    covered: s.covered,
    coveredMinutes: s.coveredMinutes,
    billedMinutes: s.billedMinutes,
    charging: s.charging,
    items: s.lines.map(itemOf),
    netCents: s.netCents,
    vatCents: s.vatCents,
    grossCents: s.grossCents,
  };
}

function techniciansOf(lines: StatementLine[]): TechnicianMinutes[] {
  const by = new Map<string, TechnicianMinutes>();
  for (const l of lines) {
    const t = by.get(l.technician) ?? {
      technician: l.technician,
      interventions: 0,
      minutes: 0,
      billedMinutes: 0,
    };
    t.interventions += 1;
    t.minutes += l.minutes;
    t.billedMinutes += l.billedMinutes;
    by.set(l.technician, t);
  }
  return [...by.values()].sort((a, b) => a.technician.localeCompare(b.technician));
}

/**
 * Builds the statement of `month` (YYYY-MM) from work sessions. Each is read with its own preset
 * (`policies(id)`), kept when its close falls in the month in that preset's zone.
 * @throws StatementError invalid-month, unknown-policy (from `policies`), mixed-currencies
 */
export function buildStatement(
  month: string,
  sessions: StatementSession[],
  policies: (id: string) => Policy,
): Statement {
  parseMonth(month);
  const byCustomer = new Map<string, CustomerStatement>();
  const totals = emptyTotals();
  const currencies = new Set<string>();
  const all: StatementLine[] = [];
  const sorted = [...sessions].sort(
    (a, b) =>
      a.closedAt.getTime() - b.closedAt.getTime() || a.ticket.localeCompare(b.ticket) || a.seq - b.seq,
  );
  for (const session of sorted) {
    const policy = policies(session.policy);
    const range = monthRange(month, policy.timezone);
    if (session.closedAt < range.from || session.closedAt >= range.to) continue;
    currencies.add(policy.charges.currency);
    const line = lineOf(policy, session);
    const customer = byCustomer.get(session.customerCode) ?? {
      code: session.customerCode,
      company: session.company,
      lines: [],
      allowances: [],
      technicians: [],
      totals: emptyTotals(),
    };
    customer.lines.push(line);
    all.push(line);
    addLine(customer.totals, line);
    addLine(totals, line);
    byCustomer.set(session.customerCode, customer);
  }
  if (currencies.size > 1) {
    throw new StatementError(
      "mixed-currencies",
      `the tickets of ${month} are in several currencies (${[...currencies].join(", ")}): ask for one customer at a time`,
    );
  }
  const customers = [...byCustomer.values()].sort(
    (a, b) => a.company.localeCompare(b.company) || a.code.localeCompare(b.code),
  );
  for (const c of customers) {
    c.allowances = allowanceUses(policies, c.lines);
    c.technicians = techniciansOf(c.lines);
  }
  return {
    month,
    currency: [...currencies][0] ?? "EUR",
    customers,
    technicians: techniciansOf(all),
    totals,
  };
}

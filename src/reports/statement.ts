/**
 * The monthly statement: every intervention (closed ticket) of a month per customer, with its
 * coverage, billed minutes and the charge stored on the ticket, the minutes used against each
 * capped plan (per intervention or per month, as the preset says), and totals. Pure: a function
 * of the presets and the closed tickets; amounts are the ones stored at close, never recomputed,
 * so the statement reconciles exactly with what customers were told.
 */
import { DateTime } from "luxon";
import { CodedError } from "../errors.js";
import type { Policy } from "../policy/schema.js";

/** A closed ticket as the statement reads it. */
export interface StatementTicket {
  number: string;
  /** Preset id the ticket was opened under. */
  policy: string;
  customerCode: string;
  company: string;
  category: string | null;
  minutes: number;
  closedAt: Date;
  /** Coverage decision stored on the ticket, with the charge computed at close under `charge`. */
  coverage: Record<string, unknown>;
  netCents: number;
  vatCents: number;
  grossCents: number;
}

/** A package or expense billed with an intervention (LeghornGroup price list), when stored. */
export interface StatementItem {
  key: string;
  quantity: number;
  unit: string;
  cents: number;
}

export interface StatementLine {
  /** Local date of the close (YYYY-MM-DD, preset zone). */
  date: string;
  ticket: string;
  policy: string;
  category: string | null;
  minutes: number;
  /** Plan the intervention fell under (null: no plan). */
  plan: string | null;
  /** plan, warranty or billable. */
  basis: string;
  covered: boolean;
  /** Minutes of this intervention covered by the plan (all, for an uncapped plan or a warranty). */
  coveredMinutes: number;
  billedMinutes: number;
  items: StatementItem[];
  netCents: number;
  vatCents: number;
  grossCents: number;
}

/** Minutes used against a capped plan (J-System) in the month. */
export interface AllowanceUse {
  policy: string;
  plan: string;
  per: "intervention" | "month";
  capMinutes: number;
  /** Interventions that fell under the plan. */
  interventions: number;
  /** Minutes of those interventions. */
  usedMinutes: number;
  /** Minutes over the cap: summed over interventions (per intervention) or over the month. */
  overMinutes: number;
  /** Per intervention: interventions that went over the cap. */
  interventionsOverCap: number;
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
  totals: Totals;
}

export interface Statement {
  /** YYYY-MM */
  month: string;
  currency: string;
  customers: CustomerStatement[];
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

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** Packages and expenses of a stored charge (`items` or `packages`: key, quantity, unit, cents). */
function itemsOf(charge: Record<string, unknown>): StatementItem[] {
  const raw = Array.isArray(charge.items)
    ? charge.items
    : Array.isArray(charge.packages)
      ? charge.packages
      : [];
  return raw.flatMap((item): StatementItem[] => {
    if (!item || typeof item !== "object") return [];
    const r = item as Record<string, unknown>;
    if (typeof r.key !== "string") return [];
    return [
      {
        key: r.key,
        quantity: numberOr(r.quantity, 1),
        unit: typeof r.unit === "string" ? r.unit : "each",
        cents: numberOr(r.cents ?? r.totalCents ?? r.netCents, 0),
      },
    ];
  });
}

function lineOf(policy: Policy, t: StatementTicket): StatementLine {
  const charge = (
    t.coverage.charge && typeof t.coverage.charge === "object" ? t.coverage.charge : {}
  ) as Record<string, unknown>;
  const plan =
    typeof charge.plan === "string"
      ? charge.plan
      : typeof t.coverage.plan === "string"
        ? t.coverage.plan
        : null;
  const covered = typeof charge.covered === "boolean" ? charge.covered : t.coverage.covered === true;
  const basis = typeof t.coverage.basis === "string" ? t.coverage.basis : covered ? "plan" : "billable";
  const planDef = plan ? policy.plans.find((p) => p.key === plan) : undefined;
  // Monthly caps depend on the month's earlier interventions: set by monthlyCoverage().
  const cap = planDef?.capMinutesPerIntervention ?? null;
  const coveredMinutes = covered ? (cap === null ? t.minutes : Math.min(t.minutes, cap)) : 0;
  return {
    date: DateTime.fromJSDate(t.closedAt, { zone: policy.timezone }).toISODate() ?? "",
    ticket: t.number,
    policy: t.policy,
    category: t.category,
    minutes: t.minutes,
    plan,
    basis,
    covered,
    coveredMinutes,
    billedMinutes: numberOr(charge.billedMinutes, 0),
    items: itemsOf(charge),
    netCents: t.netCents,
    vatCents: t.vatCents,
    grossCents: t.grossCents,
  };
}

/**
 * Covered minutes under monthly-capped plans, in close order: what was left of the month's
 * allowance when each intervention closed (as the charge was computed).
 */
function applyMonthlyCaps(policies: (id: string) => Policy, lines: StatementLine[]): void {
  const used = new Map<string, number>();
  for (const line of lines) {
    if (!line.plan) continue;
    const plan = policies(line.policy).plans.find((p) => p.key === line.plan);
    if (!plan || plan.capMinutesPerMonth === null) continue;
    const key = `${line.policy}:${plan.key}`;
    const before = used.get(key) ?? 0;
    line.coveredMinutes = line.covered
      ? Math.min(line.minutes, Math.max(0, plan.capMinutesPerMonth - before))
      : 0;
    used.set(key, before + line.minutes);
  }
}

/** Minutes used against each capped plan, from the lines that fell under it. */
function allowancesOf(policies: (id: string) => Policy, lines: StatementLine[]): AllowanceUse[] {
  const uses = new Map<string, AllowanceUse>();
  for (const line of lines) {
    if (!line.plan) continue;
    const plan = policies(line.policy).plans.find((p) => p.key === line.plan);
    const cap = plan?.capMinutesPerIntervention ?? plan?.capMinutesPerMonth ?? null;
    if (!plan || cap === null) continue;
    const per = plan.capMinutesPerIntervention !== null ? "intervention" : "month";
    const key = `${line.policy}:${plan.key}`;
    const use = uses.get(key) ?? {
      policy: line.policy,
      plan: plan.key,
      per,
      capMinutes: cap,
      interventions: 0,
      usedMinutes: 0,
      overMinutes: 0,
      interventionsOverCap: 0,
    };
    use.interventions += 1;
    use.usedMinutes += line.minutes;
    if (per === "intervention" && line.minutes > cap) {
      use.overMinutes += line.minutes - cap;
      use.interventionsOverCap += 1;
    }
    uses.set(key, use);
  }
  for (const use of uses.values()) {
    if (use.per === "month") use.overMinutes = Math.max(0, use.usedMinutes - use.capMinutes);
  }
  return [...uses.values()];
}

/**
 * Builds the statement of `month` (YYYY-MM) from closed tickets. Each ticket is read with its own
 * preset (`policies(id)`), kept when its close falls in the month in that preset's zone.
 * @throws StatementError invalid-month, unknown-policy (from `policies`), mixed-currencies
 */
export function buildStatement(
  month: string,
  tickets: StatementTicket[],
  policies: (id: string) => Policy,
): Statement {
  parseMonth(month);
  const byCustomer = new Map<string, CustomerStatement>();
  const totals = emptyTotals();
  const currencies = new Set<string>();
  const sorted = [...tickets].sort(
    (a, b) => a.closedAt.getTime() - b.closedAt.getTime() || a.number.localeCompare(b.number),
  );
  for (const ticket of sorted) {
    const policy = policies(ticket.policy);
    const range = monthRange(month, policy.timezone);
    if (ticket.closedAt < range.from || ticket.closedAt >= range.to) continue;
    currencies.add(policy.charges.currency);
    const line = lineOf(policy, ticket);
    const customer = byCustomer.get(ticket.customerCode) ?? {
      code: ticket.customerCode,
      company: ticket.company,
      lines: [],
      allowances: [],
      totals: emptyTotals(),
    };
    customer.lines.push(line);
    addLine(customer.totals, line);
    addLine(totals, line);
    byCustomer.set(ticket.customerCode, customer);
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
    applyMonthlyCaps(policies, c.lines);
    c.allowances = allowancesOf(policies, c.lines);
  }
  return { month, currency: [...currencies][0] ?? "EUR", customers, totals };
}

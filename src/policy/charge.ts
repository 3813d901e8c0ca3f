/**
 * Charges in integer cents: billable minutes → free minutes, minimum and increments of the
 * preset → net at the hourly rate (rounded half-up to the cent) → VAT rounded half-up once on the net.
 */
import { type CoverageDecision, CoverageError, categoryOf, planCapMinutes, planOf } from "./coverage.js";
import type { Localized, Policy, PolicyPackage } from "./schema.js";

/** The kinds of charge lines: hourly time, a package and its travel, spare parts, transport. */
export const LINE_ITEMS = [
  "hourly",
  "package",
  "km",
  "per-diem-overnight",
  "per-diem",
  "parts",
  "transport",
] as const;
export type LineItem = (typeof LINE_ITEMS)[number];

/**
 * One line of a charge, net cents: hourly time (quantity = billed minutes, unit = the hourly
 * rate), the package itself, kilometres, per-diem days, spare parts, transport.
 */
export interface ChargeLine {
  item: LineItem;
  quantity: number;
  unitCents: number;
  cents: number;
  /** Parts: what was fitted, as the technician wrote it. */
  description?: string;
}

export interface Charge {
  covered: boolean;
  plan: string | null;
  billedMinutes: number;
  netCents: number;
  vatCents: number;
  grossCents: number;
  currency: string;
  /** Key of the fixed-price package billed instead of hourly time. */
  package?: string;
  /** Package charges only: the package and its travel expenses, net cents. */
  lines?: ChargeLine[];
}

/** A fixed-price package with its travel expenses. */
export interface PackageInput {
  /** Package key or one of its aliases. */
  package: string;
  km?: number;
  /** Per-diem days with an overnight stay. */
  daysOvernight?: number;
  /** Per-diem days without an overnight stay. */
  days?: number;
}

export interface ChargeInput {
  /** Minutes the intervention took. */
  minutes: number;
  /** Plan claimed for the intervention; "none" or null = no plan. Ignored when `coverage` is given. */
  plan?: string | null;
  /** Category of the request; without it a given plan is assumed to cover the request. */
  category?: string;
  /** Minutes of the plan's monthly allowance already used (monthly-capped plans). */
  usedThisMonthMinutes?: number;
  /** A decision from decideCoverage; wins over plan/category/usedThisMonthMinutes. */
  coverage?: CoverageDecision;
}

export interface RateQuote {
  hourlyCents: number;
  vatPercent: number;
  minimumMinutes: number;
  incrementMinutes: number;
  freeMinutes: number;
  currency: string;
  packages: { key: string; cents: number; travel: boolean; label: Localized }[];
  travel: Policy["charges"]["travel"];
}

/** Integer division rounded half-up (for non-negative operands). */
function divideHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

/** VAT in cents on a net amount, rounded half-up once. */
export function vatCentsOf(policy: Policy, netCents: number): number {
  const basisPoints = Math.round(policy.charges.vatPercent * 100);
  return divideHalfUp(netCents * basisPoints, 10_000);
}

/** Minutes billed for `billableMinutes` of work after free minutes, minimum and increments. */
export function billedMinutesOf(policy: Policy, billableMinutes: number): number {
  const { freeMinutes, minimumMinutes, incrementMinutes } = policy.charges;
  const minutes = billableMinutes - freeMinutes;
  if (minutes <= 0) return 0;
  if (minutes <= minimumMinutes) return minimumMinutes;
  return minimumMinutes + Math.ceil((minutes - minimumMinutes) / incrementMinutes) * incrementMinutes;
}

/** The coverage a charge is computed under, from its plan, category and the month's use. */
export function coverageOfPlan(policy: Policy, input: ChargeInput): CoverageDecision {
  const freeMinutes = policy.charges.freeMinutes;
  const billable: CoverageDecision = {
    covered: false,
    basis: "billable",
    plan: null,
    capMinutes: null,
    warranty: null,
    serviceLevels: [],
    freeMinutes,
  };
  const category = input.category === undefined ? null : categoryOf(policy, input.category);
  if (input.plan === undefined || input.plan === null || input.plan === "none") return billable;
  const plan = planOf(policy, input.plan);
  if (category && !plan.covers.includes(category.key)) return billable;
  const used = input.usedThisMonthMinutes ?? 0;
  if (!Number.isInteger(used) || used < 0) {
    throw new CoverageError(
      "invalid-input",
      `used-this-month must be whole non-negative minutes, got ${used}`,
    );
  }
  const cap = plan.kind === "warranty" ? null : planCapMinutes(plan, used);
  if (cap === 0) return { ...billable, plan: plan.key, capMinutes: 0 };
  return {
    ...billable,
    covered: true,
    basis: plan.kind === "warranty" ? "warranty" : "plan",
    plan: plan.key,
    capMinutes: cap,
  };
}

/**
 * The charge for an intervention. Not covered: all minutes are billable; covered by a plan with a
 * cap: only the minutes over the cap (per intervention, or what is left of the month) are.
 * @throws CoverageError on negative/fractional minutes, unknown plan or category.
 */
export function computeCharge(policy: Policy, input: ChargeInput): Charge {
  if (!Number.isInteger(input.minutes) || input.minutes < 0) {
    throw new CoverageError(
      "invalid-input",
      `minutes must be whole non-negative minutes, got ${input.minutes}`,
    );
  }
  const coverage = input.coverage ?? coverageOfPlan(policy, input);
  let billable = input.minutes;
  if (coverage.covered)
    billable = coverage.capMinutes === null ? 0 : Math.max(0, input.minutes - coverage.capMinutes);
  const billedMinutes = billedMinutesOf(policy, billable);
  const netCents = divideHalfUp(billedMinutes * policy.charges.hourlyCents, 60);
  const vatCents = vatCentsOf(policy, netCents);
  return {
    covered: coverage.covered,
    plan: coverage.plan,
    billedMinutes,
    netCents,
    vatCents,
    grossCents: netCents + vatCents,
    currency: policy.charges.currency,
  };
}

/** The preset's rates, for quoting a customer. */
export function rateQuote(policy: Policy): RateQuote {
  const c = policy.charges;
  return {
    hourlyCents: c.hourlyCents,
    vatPercent: c.vatPercent,
    minimumMinutes: c.minimumMinutes,
    incrementMinutes: c.incrementMinutes,
    freeMinutes: c.freeMinutes,
    currency: c.currency,
    packages: c.packages.map((p) => ({ key: p.key, cents: p.cents, travel: p.travel, label: p.label })),
    travel: c.travel,
  };
}

/** The package named `name` (key or alias). @throws CoverageError unknown-package */
export function packageOf(policy: Policy, name: string): PolicyPackage {
  const found = policy.charges.packages.find((p) => p.key === name || p.aliases.includes(name));
  if (!found) {
    const known = policy.charges.packages.map((p) => p.key).join(", ") || "none";
    throw new CoverageError(
      "unknown-package",
      `unknown package "${name}" for ${policy.id}: expected one of ${known}`,
    );
  }
  return found;
}

function wholeCount(name: string, value: number | undefined): number {
  const n = value ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > 100_000) {
    throw new CoverageError("invalid-input", `${name} must be a whole number from 0 to 100000, got ${value}`);
  }
  return n;
}

/**
 * The charge of a fixed-price package: its price plus, for packages with travel, kilometres and
 * per-diem days at the preset's travel rates; VAT once on the net total.
 * @throws CoverageError unknown-package, or invalid-input (negative/fractional counts, travel on a package without it)
 */
export function packageCharge(policy: Policy, input: PackageInput): Charge {
  const pkg = packageOf(policy, input.package);
  const km = wholeCount("km", input.km);
  const daysOvernight = wholeCount("days with overnight stay", input.daysOvernight);
  const days = wholeCount("days without overnight stay", input.days);
  const lines: ChargeLine[] = [{ item: "package", quantity: 1, unitCents: pkg.cents, cents: pkg.cents }];
  const travel = policy.charges.travel;
  if (km + daysOvernight + days > 0) {
    if (!pkg.travel || !travel) {
      throw new CoverageError(
        "invalid-input",
        `package "${pkg.key}" has no travel expenses (km, per-diem days)`,
      );
    }
    const add = (item: ChargeLine["item"], quantity: number, unitCents: number) => {
      if (quantity > 0) lines.push({ item, quantity, unitCents, cents: quantity * unitCents });
    };
    add("km", km, travel.kmCents);
    add("per-diem-overnight", daysOvernight, travel.perDiemOvernightCents);
    add("per-diem", days, travel.perDiemCents);
  }
  const netCents = lines.reduce((sum, l) => sum + l.cents, 0);
  const vatCents = vatCentsOf(policy, netCents);
  return {
    covered: false,
    plan: null,
    billedMinutes: 0,
    netCents,
    vatCents,
    grossCents: netCents + vatCents,
    currency: policy.charges.currency,
    package: pkg.key,
    lines,
  };
}

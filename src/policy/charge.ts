/**
 * Charges in integer cents: billable minutes → free minutes, minimum and increments of the
 * preset → net at the hourly rate (rounded half-up to the cent) → VAT rounded half-up once on the net.
 */
import { type CoverageDecision, CoverageError, categoryOf, planCapMinutes, planOf } from "./coverage.js";
import type { Localized, Policy } from "./schema.js";

export interface Charge {
  covered: boolean;
  plan: string | null;
  billedMinutes: number;
  netCents: number;
  vatCents: number;
  grossCents: number;
  currency: string;
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
  packages: { key: string; cents: number; unit: "each" | "km" | "day"; label: Localized }[];
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

function coverageOfPlan(policy: Policy, input: ChargeInput): CoverageDecision {
  const freeMinutes = policy.charges.freeMinutes;
  const billable: CoverageDecision = {
    covered: false,
    basis: "billable",
    plan: null,
    capMinutes: null,
    warranty: null,
    weekendEligible: false,
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
  const weekendEligible =
    plan.weekend !== null && (category === null || plan.weekend.categories.includes(category.key));
  if (cap === 0) return { ...billable, plan: plan.key, capMinutes: 0, weekendEligible };
  return {
    ...billable,
    covered: true,
    basis: plan.kind === "warranty" ? "warranty" : "plan",
    plan: plan.key,
    capMinutes: cap,
    weekendEligible,
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
    packages: c.packages.map((p) => ({ key: p.key, cents: p.cents, unit: p.unit, label: p.label })),
  };
}

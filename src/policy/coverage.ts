/**
 * Coverage: does a request fall under one of the customer's plans, under a hardware warranty, or
 * is it billable. Pure; `at` decides whether a warranty is still running.
 */
import { DateTime } from "luxon";
import { CodedError } from "../errors.js";
import { levelServes } from "./calendar.js";
import type { Policy, PolicyCategory, PolicyPlan } from "./schema.js";
import { zoneNamed } from "./zone.js";

/** A hardware purchase of the customer (warranty length in months from the purchase date). */
export interface Purchase {
  item: string;
  /** Calendar date YYYY-MM-DD. */
  purchasedOn: string;
  warrantyMonths: number;
}

export interface CoverageFacts {
  /** Plan keys of the customer (unknown keys, e.g. from another preset, are ignored). */
  plans: string[];
  category: string;
  at: Date;
  purchases?: Purchase[];
  /** The item the request is about (matched case-insensitively against `purchases`). */
  item?: string;
  /** Purchase date when the item is not among `purchases` (standard warranty months apply). */
  purchasedOn?: string;
  /** Minutes of monthly-capped plans already used in the month of `at`. */
  usedThisMonthMinutes?: number;
  /** The customer says the problem blocks their work (always true for a category marked `blocking`). */
  blocking?: boolean;
}

export interface CoverageDecision {
  covered: boolean;
  basis: "plan" | "warranty" | "billable";
  /**
   * Plan the request falls under: the covering plan, the warranty plan, or a monthly-capped plan
   * whose allowance is used up (then `covered` is false and `capMinutes` 0); null when no plan
   * of the customer covers the category.
   */
  plan: string | null;
  /** Covered minutes: per intervention, or what is left this month; null = no limit. */
  capMinutes: number | null;
  /** Warranty of the item (hardware categories only), active or not; `until` is the last covered day. */
  warranty: { item: string; until: string; active: boolean } | null;
  /** Keys of the service levels that serve this request (customer's plans, category, blocking). */
  serviceLevels: string[];
  /** Minutes of every intervention the preset does not bill. */
  freeMinutes: number;
}

export type CoverageErrorCode = "unknown-category" | "unknown-plan" | "unknown-package" | "invalid-input";

/** Invalid input to the coverage or charge engine; `code` is stable. */
export class CoverageError extends CodedError<CoverageErrorCode> {}

/** The category with `key`. @throws CoverageError unknown-category */
export function categoryOf(policy: Policy, key: string): PolicyCategory {
  const category = policy.categories.find((c) => c.key === key);
  if (!category) {
    const known = policy.categories.map((c) => c.key).join(", ");
    throw new CoverageError(
      "unknown-category",
      `unknown category "${key}" for ${policy.id}: expected one of ${known}`,
    );
  }
  return category;
}

/** The plan with `key`. @throws CoverageError unknown-plan */
export function planOf(policy: Policy, key: string): PolicyPlan {
  const plan = policy.plans.find((p) => p.key === key);
  if (!plan) {
    const known = ["none", ...policy.plans.map((p) => p.key)].join(", ");
    throw new CoverageError(
      "unknown-plan",
      `unknown plan "${key}" for ${policy.id}: expected one of ${known}`,
    );
  }
  return plan;
}

/** Covered minutes a plan still grants: per intervention, remaining this month, or null (no limit). */
export function planCapMinutes(plan: PolicyPlan, usedThisMonthMinutes = 0): number | null {
  if (plan.capMinutesPerIntervention !== null) return plan.capMinutesPerIntervention;
  if (plan.capMinutesPerMonth !== null) return Math.max(0, plan.capMinutesPerMonth - usedThisMonthMinutes);
  return null;
}

/** Last covered day (YYYY-MM-DD) of a warranty of `months` from `purchasedOn`. */
export function warrantyUntil(purchasedOn: string, months: number): string {
  const start = DateTime.fromISO(purchasedOn, { zone: "UTC" });
  if (!start.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(purchasedOn)) {
    throw new CoverageError("invalid-input", `invalid purchase date "${purchasedOn}": expected YYYY-MM-DD`);
  }
  return start.plus({ months }).minus({ days: 1 }).toISODate()!;
}

const normalizeItem = (item: string) => item.trim().toLowerCase();

function pickPurchase(facts: CoverageFacts, standardMonths: number): Purchase | null {
  const purchases = facts.purchases ?? [];
  if (facts.item !== undefined) {
    const wanted = normalizeItem(facts.item);
    const matching = purchases.filter(
      (p) =>
        normalizeItem(p.item) === wanted &&
        (facts.purchasedOn === undefined || p.purchasedOn === facts.purchasedOn),
    );
    if (matching.length > 0) {
      // Several purchases of the same item: the most favourable (latest-ending) warranty applies.
      return matching.reduce((best, p) =>
        warrantyUntil(p.purchasedOn, p.warrantyMonths) > warrantyUntil(best.purchasedOn, best.warrantyMonths)
          ? p
          : best,
      );
    }
  }
  if (facts.purchasedOn !== undefined) {
    return { item: facts.item ?? "", purchasedOn: facts.purchasedOn, warrantyMonths: standardMonths };
  }
  if (facts.item === undefined && purchases.length === 1) return purchases[0]!;
  return null;
}

/** Decides how a request is covered. @throws CoverageError unknown-category / invalid-input */
export function decideCoverage(policy: Policy, facts: CoverageFacts): CoverageDecision {
  const category = categoryOf(policy, facts.category);
  const used = facts.usedThisMonthMinutes ?? 0;
  if (!Number.isFinite(used) || used < 0) {
    throw new CoverageError(
      "invalid-input",
      `usedThisMonthMinutes must be a non-negative number, got ${used}`,
    );
  }
  const customerPlans = policy.plans.filter((p) => p.kind === "contract" && facts.plans.includes(p.key));
  // A blocking category (weekend-blocking) is blocking whatever the customer answered.
  const blocking = facts.blocking === true || category.blocking;
  const serviceLevels = policy.serviceLevels
    .filter((l) => levelServes(l, { plans: facts.plans, category: category.key, blocking }))
    .map((l) => l.key);
  const freeMinutes = policy.charges.freeMinutes;

  let warranty: CoverageDecision["warranty"] = null;
  const warrantyPlan = policy.plans.find((p) => p.kind === "warranty");
  if (category.hardware && warrantyPlan?.warranty && warrantyPlan.covers.includes(category.key)) {
    const terms = warrantyPlan.warranty;
    const purchase = pickPurchase(facts, terms.standardMonths);
    if (purchase) {
      const months = Math.min(purchase.warrantyMonths, terms.maxMonths);
      const until = warrantyUntil(purchase.purchasedOn, months);
      const today = DateTime.fromJSDate(facts.at, { zone: zoneNamed(policy.timezone) }).toISODate()!;
      warranty = { item: purchase.item, until, active: today >= purchase.purchasedOn && today <= until };
      if (warranty.active) {
        return {
          covered: true,
          basis: "warranty",
          plan: warrantyPlan.key,
          capMinutes: null,
          warranty,
          serviceLevels,
          freeMinutes,
        };
      }
    }
  }

  const candidates = customerPlans
    .filter((p) => p.covers.includes(category.key))
    .map((plan) => ({ plan, cap: planCapMinutes(plan, used) }))
    // Unlimited first, then the most generous cap.
    .sort((a, b) => (b.cap ?? Number.MAX_SAFE_INTEGER) - (a.cap ?? Number.MAX_SAFE_INTEGER));
  const best = candidates[0];
  if (!best) {
    return {
      covered: false,
      basis: "billable",
      plan: null,
      capMinutes: null,
      warranty,
      serviceLevels,
      freeMinutes,
    };
  }
  if (best.cap === 0) {
    return {
      covered: false,
      basis: "billable",
      plan: best.plan.key,
      capMinutes: 0,
      warranty,
      serviceLevels,
      freeMinutes,
    };
  }
  return {
    covered: true,
    basis: "plan",
    plan: best.plan.key,
    capMinutes: best.cap,
    warranty,
    serviceLevels,
    freeMinutes,
  };
}

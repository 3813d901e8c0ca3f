/**
 * The charge of a close as the customer is told it: the work session's charge (hourly or a
 * package, parts, transport; after a reopen as the preset says), the ticket's total, the capped
 * plan's allowance after it and what the plan excludes. Pure; the ticket machine and the staff's
 * close preview both use it, so the preview is what the close will say.
 */
import { capOf } from "../../src/policy/allowance.js";
import type { PackageInput } from "../../src/policy/charge.js";
import type { Policy } from "../../src/policy/schema.js";
import { exclusionsFor, type PartInput, sessionCharge } from "../../src/policy/sessionCharge.js";
import type { AllowanceAfterClose, CloseChargeTold, TicketContext } from "./ticketTypes.js";

/** What a close says about its billing. */
export interface CloseInput {
  minutes: number;
  /** Plan override; "none" = billable; absent = the ticket's plan. */
  plan?: string;
  category?: string;
  billing?: PackageInput;
  parts?: PartInput[];
  transportCents?: number;
}

/** The capped plan's allowance after a close, from the month's minutes the statement counts. */
function allowanceAfter(
  policy: Policy,
  planKey: string | null,
  minutes: number,
  usedThisMonthByPlan: Record<string, number>,
  interventionMinutes: number,
): AllowanceAfterClose | null {
  const plan = planKey ? policy.plans.find((p) => p.key === planKey) : undefined;
  const cap = plan ? capOf(plan) : null;
  if (!plan || !cap) return null;
  if (cap.per === "intervention") {
    const used = policy.charges.reopened === "sum" ? interventionMinutes : minutes;
    return { plan: plan.key, ...cap, usedMinutes: used, leftMinutes: null };
  }
  const used = (usedThisMonthByPlan[plan.key] ?? 0) + minutes;
  return { plan: plan.key, ...cap, usedMinutes: used, leftMinutes: Math.max(0, cap.capMinutes - used) };
}

/**
 * The charge of closing the ticket of `context` with `input`.
 * @throws CoverageError unknown-plan / unknown-category / unknown-package / invalid-input
 */
export function closeChargeOf(policy: Policy, context: TicketContext, input: CloseInput): CloseChargeTold {
  const chosen = input.plan ?? (typeof context.coverage.plan === "string" ? context.coverage.plan : null);
  const plan = chosen === "none" ? null : chosen;
  const category = input.category ?? context.category ?? null;
  const usedThisMonthByPlan =
    context.usedThisMonthByPlan ?? (plan ? { [plan]: context.usedThisMonthMinutes } : {});
  const charge = sessionCharge(policy, {
    minutes: input.minutes,
    plan,
    ...(category ? { category } : {}),
    usedThisMonthByPlan,
    ...(input.billing ? { billing: input.billing } : {}),
    ...(input.parts ? { parts: input.parts } : {}),
    ...(input.transportCents !== undefined ? { transportCents: input.transportCents } : {}),
    previous: context.sessions ?? [],
  });
  const monthly = allowanceAfter(
    policy,
    charge.plan,
    input.minutes,
    usedThisMonthByPlan,
    charge.total.minutes,
  );
  return {
    ...charge,
    category,
    allowance: monthly,
    exclusions: exclusionsFor(policy, charge.plan ?? plan, category),
  };
}

/**
 * Allowances of capped plans (J-System: 60 minutes per intervention in one preset, 120 minutes a
 * month in another): how much was used and what is left. One pure function for the statement,
 * the close message and the customer's question in chat, so they always agree.
 */
import type { Policy, PolicyPlan } from "./schema.js";

/** One intervention (a work session) as allowances count it. */
export interface AllowanceSession {
  policy: string;
  plan: string | null;
  minutes: number;
  /** Minutes of it the plan covered. */
  coveredMinutes: number;
}

/** Minutes used against a capped plan in a month. */
export interface AllowanceUse {
  policy: string;
  plan: string;
  per: "intervention" | "month";
  capMinutes: number;
  /** Interventions (work sessions) that fell under the plan. */
  interventions: number;
  /** Minutes of those interventions. */
  usedMinutes: number;
  /** Minutes the plan covered. */
  coveredMinutes: number;
  /** Minutes over the cap: summed over interventions (per intervention) or over the month. */
  overMinutes: number;
  /** Per intervention: interventions that went over the cap. */
  interventionsOverCap: number;
  /** Per month: minutes of the allowance left (cap − used, at least 0); per intervention: null. */
  leftMinutes: number | null;
}

/** The plan's cap and what it is per, or null when the plan has no cap. */
export function capOf(plan: PolicyPlan): { per: "intervention" | "month"; capMinutes: number } | null {
  if (plan.capMinutesPerIntervention !== null)
    return { per: "intervention", capMinutes: plan.capMinutesPerIntervention };
  if (plan.capMinutesPerMonth !== null) return { per: "month", capMinutes: plan.capMinutesPerMonth };
  return null;
}

function emptyUse(policy: string, plan: string, cap: { per: "intervention" | "month"; capMinutes: number }) {
  return {
    policy,
    plan,
    per: cap.per,
    capMinutes: cap.capMinutes,
    interventions: 0,
    usedMinutes: 0,
    coveredMinutes: 0,
    overMinutes: 0,
    interventionsOverCap: 0,
    leftMinutes: cap.per === "month" ? cap.capMinutes : null,
  };
}

/**
 * Use of each capped plan by the sessions of one customer in one month; `include` adds plans
 * with no session yet (a customer asking before any work this month).
 */
export function allowanceUses(
  policies: (id: string) => Policy,
  sessions: AllowanceSession[],
  include: { policy: string; plan: string }[] = [],
): AllowanceUse[] {
  const uses = new Map<string, AllowanceUse>();
  const useOf = (policyId: string, planKey: string): AllowanceUse | null => {
    const key = `${policyId}:${planKey}`;
    const known = uses.get(key);
    if (known) return known;
    const plan = policies(policyId).plans.find((p) => p.key === planKey);
    const cap = plan ? capOf(plan) : null;
    if (!cap) return null;
    const use = emptyUse(policyId, planKey, cap);
    uses.set(key, use);
    return use;
  };
  for (const i of include) useOf(i.policy, i.plan);
  for (const s of sessions) {
    if (!s.plan) continue;
    const use = useOf(s.policy, s.plan);
    if (!use) continue;
    use.interventions += 1;
    use.usedMinutes += s.minutes;
    use.coveredMinutes += s.coveredMinutes;
    if (use.per === "intervention" && s.minutes > use.capMinutes) {
      use.overMinutes += s.minutes - use.capMinutes;
      use.interventionsOverCap += 1;
    }
  }
  for (const use of uses.values()) {
    if (use.per === "month") {
      use.overMinutes = Math.max(0, use.usedMinutes - use.capMinutes);
      use.leftMinutes = Math.max(0, use.capMinutes - use.usedMinutes);
    }
  }
  return [...uses.values()];
}

/** The capped plans among a customer's plans, in the preset's order. */
export function cappedPlansOf(policy: Policy, plans: string[]): PolicyPlan[] {
  return policy.plans.filter((p) => p.kind === "contract" && plans.includes(p.key) && capOf(p) !== null);
}

/**
 * A customer's allowances this month (capped plans such as J-System), for the chat: the same
 * work sessions and the same computation ({@link allowanceUses}) as the monthly statement.
 */
import { DateTime } from "luxon";
import type { AllowanceFacts } from "../../flows/intents.js";
import type { SqlExecutor } from "../data/database.js";
import { customerSessionsBetween } from "../data/workSessions.js";
import { allowanceUses, cappedPlansOf } from "../policy/allowance.js";
import type { Policy } from "../policy/schema.js";
import { zoneNamed } from "../policy/zone.js";

/** Null when none of the customer's plans has a cap (no query then). */
export async function customerAllowances(
  policy: Policy,
  on: SqlExecutor,
  customer: { id: string; plans: string[] },
  now: Date,
): Promise<AllowanceFacts[] | null> {
  const capped = cappedPlansOf(policy, customer.plans);
  if (capped.length === 0) return null;
  const month = DateTime.fromJSDate(now, { zone: zoneNamed(policy.timezone) }).startOf("month");
  const sessions = (
    await customerSessionsBetween(on, customer.id, {
      from: month.toJSDate(),
      to: month.plus({ months: 1 }).toJSDate(),
    })
  ).filter((s) => s.policy === policy.id);
  const uses = allowanceUses(
    () => policy,
    sessions,
    capped.map((p) => ({ policy: policy.id, plan: p.key })),
  );
  return uses
    .filter((u) => customer.plans.includes(u.plan))
    .map((u) => ({
      plan: u.plan,
      per: u.per,
      capMinutes: u.capMinutes,
      interventions: u.interventions,
      usedMinutes: u.usedMinutes,
      leftMinutes: u.leftMinutes,
    }));
}

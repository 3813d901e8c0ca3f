/** The ticket machine's context for a stored ticket (pure inputs the machine decides on). */
import { DateTime } from "luxon";
import type { TicketContext } from "../../flows/ticketMachine.js";
import type { SqlExecutor } from "../data/database.js";
import * as store from "../data/supportStore.js";
import { minutesByPlanBetween, ticketSessions } from "../data/workSessions.js";
import type { PriorSession } from "../policy/sessionCharge.js";
import { zoneNamed } from "../policy/zone.js";
import type { RuntimeContext } from "./runtimeContext.js";

/**
 * Loads the ticket machine's context; the customer's plans and monthly usage are read only when
 * `forCharge` (they only matter for a charge).
 */
export async function loadTicketContext(
  ctx: RuntimeContext,
  tx: SqlExecutor,
  ticket: store.TicketRow,
  forCharge = false,
): Promise<TicketContext> {
  const customer = forCharge ? await store.getCustomer(tx, ticket.customerId) : null;
  const technician = ticket.assigneeId ? await store.findTechnician(tx, { id: ticket.assigneeId }) : null;
  const coverage = JSON.parse(ticket.coverage) as Record<string, unknown>;
  const plan = typeof coverage.plan === "string" ? coverage.plan : null;
  // The month's window (zone-aware, so not cheap) only matters for a charge.
  const window = forCharge ? monthAround(ctx, ctx.clock.now()) : null;
  const usedThisMonthByPlan = customer && window ? await minutesByPlanBetween(tx, customer.id, window) : {};
  const sessions: PriorSession[] =
    forCharge && window
      ? (await ticketSessions(tx, ticket.id)).map((s) => {
          const hourly = s.lines.find((l) => l.item === "hourly");
          return {
            minutes: s.minutes,
            hourly: !s.lines.some((l) => l.item === "package"),
            hourlyNetCents: hourly?.cents ?? 0,
            billedMinutes: s.billedMinutes,
            coveredMinutes: s.coveredMinutes,
            plan: s.plan,
            inThisMonth: s.closedAt >= window.from && s.closedAt < window.to,
            netCents: s.netCents,
            vatCents: s.vatCents,
            grossCents: s.grossCents,
          };
        })
      : [];
  return {
    number: ticket.number,
    category: ticket.category,
    plans: customer?.plans ?? [],
    coverage,
    assignee: technician ? { id: technician.id, name: technician.name } : null,
    usedThisMonthMinutes: plan ? (usedThisMonthByPlan[plan] ?? 0) : 0,
    ...(forCharge ? { usedThisMonthByPlan, sessions } : {}),
  };
}

/** The calendar month (in the preset's zone) that `at` falls in, as instants. */
function monthAround(ctx: RuntimeContext, at: Date): { from: Date; to: Date } {
  const month = DateTime.fromJSDate(at, { zone: zoneNamed(ctx.policy.timezone) }).startOf("month");
  return { from: month.toJSDate(), to: month.plus({ months: 1 }).toJSDate() };
}

/** What the monthly statement reads: the work sessions closed in a time window, with their customer. */

import { z } from "zod";
import type { ChargeLine } from "../policy/charge.js";
import type { StatementSession } from "../reports/statement.js";
import { onSql, type SqlExecutor } from "./database.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { type LegacyClose, sessionsBetween } from "./workSessions.js";

const legacyCharge = z
  .object({
    plan: z.string().nullable().optional(),
    covered: z.boolean().optional(),
    billedMinutes: z.number().optional(),
    lines: z
      .array(z.object({ item: z.string(), quantity: z.number(), unitCents: z.number(), cents: z.number() }))
      .optional(),
  })
  .passthrough();

/** A ticket closed before sessions were recorded, as one session from its stored charge. */
function legacySession(t: LegacyClose): StatementSession {
  const charge = legacyCharge.safeParse(t.coverage.charge).data ?? {};
  const plan = charge.plan ?? (typeof t.coverage.plan === "string" ? t.coverage.plan : null);
  const covered = charge.covered ?? t.coverage.covered === true;
  const cap = typeof t.coverage.capMinutes === "number" ? t.coverage.capMinutes : null;
  return {
    ticket: t.number,
    seq: 1,
    policy: t.policy,
    customerCode: t.customerCode,
    company: t.company,
    category: t.category,
    technician: "",
    mode: null,
    minutes: t.minutes,
    closedAt: t.closedAt,
    plan,
    basis: typeof t.coverage.basis === "string" ? t.coverage.basis : covered ? "plan" : "billable",
    covered,
    coveredMinutes: covered ? (cap === null ? t.minutes : Math.min(t.minutes, cap)) : 0,
    billedMinutes: charge.billedMinutes ?? 0,
    charging: "legacy",
    lines: (charge.lines ?? []) as ChargeLine[],
    netCents: t.netCents,
    vatCents: t.vatCents,
    grossCents: t.grossCents,
  };
}

/**
 * Work sessions closed in [from, to), optionally of one customer (by code), oldest close first;
 * tickets closed before sessions were recorded count as one session each. Charges are the
 * integer cents stored at each close. `on`: the database, or a store transaction.
 */
export async function closedSessionsBetween(
  on: SqlExecutor,
  window: { from: Date; to: Date },
  customerCode?: string,
): Promise<StatementSession[]> {
  const { sessions, legacy } = await sessionsBetween(on, window, customerCode);
  return [...sessions, ...legacy.map(legacySession)].sort(
    (a, b) =>
      a.closedAt.getTime() - b.closedAt.getTime() || a.ticket.localeCompare(b.ticket) || a.seq - b.seq,
  );
}

const CUSTOMER_BY_CODE = statement<{ code: string }>((p) =>
  qb.selectFrom("Customer").select("id").where("code", "=", p.code),
);

/** Whether a customer with this code exists. */
export async function customerCodeExists(on: SqlExecutor, code: string): Promise<boolean> {
  const row = await onSql(on, (tx) =>
    tx.row(CUSTOMER_BY_CODE.sql, ...CUSTOMER_BY_CODE.args({ code: code.trim().toUpperCase() })),
  );
  return Boolean(row);
}

/**
 * Work sessions (`WorkSession`): one row per close of a ticket (the first, and each after a
 * reopen), with what the customer was told at that close. Written once for SQLite and PostgreSQL
 * in the {@link SqlTx} style; reads also run on the database itself (outside a transaction).
 */
import { z } from "zod";
import type { ChargeLine } from "../policy/charge.js";
import { onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { parseJson } from "./json.js";
import {
  bool,
  date,
  iso,
  maybeDate,
  maybeStr,
  num,
  type SqlArg,
  type SqlRow,
  type SqlTx,
  str,
} from "./sqlTx.js";

/** A stored work session. */
export interface WorkSessionRow {
  id: string;
  ticketId: string;
  seq: number;
  technicianId: string | null;
  technician: string;
  mode: string | null;
  startedAt: Date | null;
  closedAt: Date;
  minutes: number;
  plan: string | null;
  basis: string;
  covered: boolean;
  coveredMinutes: number;
  billedMinutes: number;
  charging: string;
  lines: ChargeLine[];
  netCents: number;
  vatCents: number;
  grossCents: number;
}

const lineSchema = z
  .object({
    item: z.string(),
    quantity: z.number(),
    unitCents: z.number(),
    cents: z.number(),
    description: z.string().optional(),
  })
  .passthrough();
const linesSchema = z.array(lineSchema);

function toSession(r: SqlRow): WorkSessionRow {
  return {
    id: str(r.id),
    ticketId: str(r.ticketId),
    seq: num(r.seq),
    technicianId: maybeStr(r.technicianId),
    technician: str(r.technician),
    mode: maybeStr(r.mode),
    startedAt: maybeDate(r.startedAt),
    closedAt: date(r.closedAt),
    minutes: num(r.minutes),
    plan: maybeStr(r.plan),
    basis: str(r.basis),
    covered: bool(r.covered),
    coveredMinutes: num(r.coveredMinutes),
    billedMinutes: num(r.billedMinutes),
    charging: str(r.charging),
    lines: parseJson(linesSchema, str(r.lines), []) as ChargeLine[],
    netCents: num(r.netCents),
    vatCents: num(r.vatCents),
    grossCents: num(r.grossCents),
  };
}

/** Stores a session (its `seq` must be the ticket's next). */
export async function insertWorkSession(tx: SqlTx, s: Omit<WorkSessionRow, "id">): Promise<void> {
  const args: SqlArg[] = [
    newId(),
    s.ticketId,
    s.seq,
    s.technicianId,
    s.technician,
    s.mode,
    s.startedAt ? iso(s.startedAt) : null,
    iso(s.closedAt),
    s.minutes,
    s.plan,
    s.basis,
    s.covered ? 1 : 0,
    s.coveredMinutes,
    s.billedMinutes,
    s.charging,
    JSON.stringify(s.lines),
    s.netCents,
    s.vatCents,
    s.grossCents,
  ];
  await tx.write(
    `INSERT INTO "WorkSession" ("id", "ticketId", "seq", "technicianId", "technician", "mode", "startedAt", "closedAt", "minutes", "plan", "basis", "covered", "coveredMinutes", "billedMinutes", "charging", "lines", "netCents", "vatCents", "grossCents")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ...args,
  );
}

/** The sessions of a ticket, first close first. */
export function ticketSessions(on: SqlExecutor, ticketId: string): Promise<WorkSessionRow[]> {
  return onSql(on, async (tx) =>
    (await tx.rows(`SELECT * FROM "WorkSession" WHERE "ticketId" = ? ORDER BY "seq" ASC`, ticketId)).map(
      toSession,
    ),
  );
}

/**
 * Minutes of the customer's sessions closed in [from, to) under each plan: what monthly
 * allowances count (the statement counts the same sessions).
 */
export function minutesByPlanBetween(
  on: SqlExecutor,
  customerId: string,
  window: { from: Date; to: Date },
): Promise<Record<string, number>> {
  return onSql(on, async (tx) => {
    const rows = await tx.rows(
      `SELECT s."plan" AS "plan", SUM(s."minutes") AS "minutes" FROM "WorkSession" s
       JOIN "Ticket" t ON t."id" = s."ticketId"
       WHERE t."customerId" = ? AND s."closedAt" >= ? AND s."closedAt" < ? AND s."plan" IS NOT NULL
       GROUP BY s."plan"`,
      customerId,
      iso(window.from),
      iso(window.to),
    );
    return Object.fromEntries(rows.map((r) => [str(r.plan), num(r.minutes)]));
  });
}

/** A session with its ticket and customer, as the statement and the reports read it. */
export interface BilledSession extends Omit<WorkSessionRow, "id" | "ticketId"> {
  ticket: string;
  policy: string;
  category: string | null;
  customerCode: string;
  company: string;
}

/**
 * Sessions closed in [from, to), optionally of one customer (by code), oldest close first; and,
 * for tickets closed before sessions were recorded (no session row), the ticket's own close as
 * one session (`seq` 1, technician "", charge from the ticket row).
 */
export function sessionsBetween(
  on: SqlExecutor,
  window: { from: Date; to: Date },
  customerCode?: string,
): Promise<{ sessions: BilledSession[]; legacy: LegacyClose[] }> {
  const code = customerCode?.trim().toUpperCase();
  const filter = code ? ` AND c."code" = ?` : "";
  const args: SqlArg[] = [iso(window.from), iso(window.to), ...(code ? [code] : [])];
  return onSql(on, async (tx) => {
    const rows = await tx.rows(
      `SELECT s.*, t."number" AS "ticket", t."policy" AS "policy", t."category" AS "category",
              c."code" AS "customerCode", c."company" AS "company"
       FROM "WorkSession" s JOIN "Ticket" t ON t."id" = s."ticketId" JOIN "Customer" c ON c."id" = t."customerId"
       WHERE s."closedAt" >= ? AND s."closedAt" < ?${filter}
       ORDER BY s."closedAt" ASC, t."number" ASC, s."seq" ASC`,
      ...args,
    );
    const legacy = await tx.rows(
      `SELECT t."number", t."policy", t."category", t."minutes", t."closedAt", t."updatedAt", t."coverage",
              t."chargeNetCents", t."chargeVatCents", t."chargeGrossCents", c."code" AS "customerCode", c."company" AS "company"
       FROM "Ticket" t JOIN "Customer" c ON c."id" = t."customerId"
       WHERE t."status" = 'closed' AND t."closedAt" >= ? AND t."closedAt" < ?${filter}
         AND NOT EXISTS (SELECT 1 FROM "WorkSession" s WHERE s."ticketId" = t."id")
       ORDER BY t."closedAt" ASC, t."number" ASC`,
      ...args,
    );
    return {
      sessions: rows.map((r) => {
        const { id: _id, ticketId: _ticketId, ...session } = toSession(r);
        return {
          ...session,
          ticket: str(r.ticket),
          policy: str(r.policy),
          category: maybeStr(r.category),
          customerCode: str(r.customerCode),
          company: str(r.company),
        };
      }),
      legacy: legacy.map((r) => ({
        number: str(r.number),
        policy: str(r.policy),
        category: maybeStr(r.category),
        minutes: r.minutes === null || r.minutes === undefined ? 0 : num(r.minutes),
        closedAt: maybeDate(r.closedAt) ?? date(r.updatedAt),
        coverage: parseJson(z.record(z.string(), z.unknown()), str(r.coverage), {}),
        netCents: r.chargeNetCents === null ? 0 : num(r.chargeNetCents),
        vatCents: r.chargeVatCents === null ? 0 : num(r.chargeVatCents),
        grossCents: r.chargeGrossCents === null ? 0 : num(r.chargeGrossCents),
        customerCode: str(r.customerCode),
        company: str(r.company),
      })),
    };
  });
}

/** A ticket closed before work sessions were recorded. */
export interface LegacyClose {
  number: string;
  policy: string;
  category: string | null;
  minutes: number;
  closedAt: Date;
  coverage: Record<string, unknown>;
  netCents: number;
  vatCents: number;
  grossCents: number;
  customerCode: string;
  company: string;
}

/** The customer's sessions closed in [from, to) with their preset, plan and minutes (allowances). */
export function customerSessionsBetween(
  on: SqlExecutor,
  customerId: string,
  window: { from: Date; to: Date },
): Promise<{ policy: string; plan: string | null; minutes: number; coveredMinutes: number }[]> {
  return onSql(on, async (tx) =>
    (
      await tx.rows(
        `SELECT t."policy" AS "policy", s."plan" AS "plan", s."minutes" AS "minutes", s."coveredMinutes" AS "coveredMinutes"
         FROM "WorkSession" s JOIN "Ticket" t ON t."id" = s."ticketId"
         WHERE t."customerId" = ? AND s."closedAt" >= ? AND s."closedAt" < ?
         ORDER BY s."closedAt" ASC`,
        customerId,
        iso(window.from),
        iso(window.to),
      )
    ).map((r) => ({
      policy: str(r.policy),
      plan: maybeStr(r.plan),
      minutes: num(r.minutes),
      coveredMinutes: num(r.coveredMinutes),
    })),
  );
}

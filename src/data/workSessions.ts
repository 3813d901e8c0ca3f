/**
 * Work sessions (`WorkSession`): one row per close of a ticket (the first, and each after a
 * reopen), with what the customer was told at that close. Written once for SQLite and PostgreSQL
 * in the {@link SqlTx} style; reads also run on the database itself (outside a transaction).
 */
import { sql } from "kysely";
import { z } from "zod";
import type { ChargeLine } from "../policy/charge.js";
import { onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { parseJson } from "./json.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { insertRow } from "./schema/rows.js";
import { bool, date, iso, maybeDate, maybeStr, num, type SqlRow, type SqlTx, str } from "./sqlTx.js";

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

const INSERT_SESSION = insertRow("WorkSession");

/** Stores a session (its `seq` must be the ticket's next). */
export async function insertWorkSession(tx: SqlTx, s: Omit<WorkSessionRow, "id">): Promise<void> {
  await tx.write(
    INSERT_SESSION.sql,
    ...INSERT_SESSION.args({ ...s, id: newId(), lines: JSON.stringify(s.lines) }),
  );
}

const sessionsOfTicket = statement<{ ticketId: string }>((p) =>
  qb.selectFrom("WorkSession").selectAll().where("ticketId", "=", p.ticketId).orderBy("seq", "asc"),
);

/** The sessions of a ticket, first close first. */
export function ticketSessions(on: SqlExecutor, ticketId: string): Promise<WorkSessionRow[]> {
  return onSql(on, async (tx) =>
    (await tx.rows(sessionsOfTicket.sql, ...sessionsOfTicket.args({ ticketId }))).map(toSession),
  );
}

/** A customer and a window of closes [from, to), as the queries below take them. */
type CustomerWindow = { customerId: string; from: string; to: string };

const minutesByPlan = statement<CustomerWindow>((p) =>
  qb
    .selectFrom("WorkSession as s")
    .innerJoin("Ticket as t", "t.id", "s.ticketId")
    .select((eb) => ["s.plan as plan", eb.fn.sum("s.minutes").as("minutes")])
    .where("t.customerId", "=", p.customerId)
    .where("s.closedAt", ">=", p.from)
    .where("s.closedAt", "<", p.to)
    .where("s.plan", "is not", null)
    .groupBy("s.plan"),
);

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
      minutesByPlan.sql,
      ...minutesByPlan.args({ customerId, from: iso(window.from), to: iso(window.to) }),
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

type WindowOfCode = { from: string; to: string; code: string };

/** The sessions closed in the window (`ofCode`: of one customer), with their ticket and customer. */
const billedSessions = (p: WindowOfCode, ofCode: boolean) =>
  qb
    .selectFrom("WorkSession as s")
    .innerJoin("Ticket as t", "t.id", "s.ticketId")
    .innerJoin("Customer as c", "c.id", "t.customerId")
    .selectAll("s")
    .select([
      "t.number as ticket",
      "t.policy as policy",
      "t.category as category",
      "c.code as customerCode",
      "c.company as company",
    ])
    .where("s.closedAt", ">=", p.from)
    .where("s.closedAt", "<", p.to)
    .$if(ofCode, (q) => q.where("c.code", "=", p.code))
    .orderBy("s.closedAt", "asc")
    .orderBy("t.number", "asc")
    .orderBy("s.seq", "asc");

/** The tickets closed in the window with no session row (`ofCode`: of one customer). */
const legacyCloses = (p: WindowOfCode, ofCode: boolean) =>
  qb
    .selectFrom("Ticket as t")
    .innerJoin("Customer as c", "c.id", "t.customerId")
    .select([
      "t.number",
      "t.policy",
      "t.category",
      "t.minutes",
      "t.closedAt",
      "t.updatedAt",
      "t.coverage",
      "t.chargeNetCents",
      "t.chargeVatCents",
      "t.chargeGrossCents",
      "c.code as customerCode",
      "c.company as company",
    ])
    .where("t.status", "=", sql.lit("closed"))
    .where("t.closedAt", ">=", p.from)
    .where("t.closedAt", "<", p.to)
    .$if(ofCode, (q) => q.where("c.code", "=", p.code))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom("WorkSession as s").select(sql.lit(1).as("one")).whereRef("s.ticketId", "=", "t.id"),
        ),
      ),
    )
    .orderBy("t.closedAt", "asc")
    .orderBy("t.number", "asc");

const sessionsOfAll = statement<WindowOfCode>((p) => billedSessions(p, false));
const sessionsOfCode = statement<WindowOfCode>((p) => billedSessions(p, true));
const legacyOfAll = statement<WindowOfCode>((p) => legacyCloses(p, false));
const legacyOfCode = statement<WindowOfCode>((p) => legacyCloses(p, true));

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
  const params: WindowOfCode = { from: iso(window.from), to: iso(window.to), code: code ?? "" };
  const ofSessions = code ? sessionsOfCode : sessionsOfAll;
  const ofLegacy = code ? legacyOfCode : legacyOfAll;
  return onSql(on, async (tx) => {
    const rows = await tx.rows(ofSessions.sql, ...ofSessions.args(params));
    const legacy = await tx.rows(ofLegacy.sql, ...ofLegacy.args(params));
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

const sessionsOfCustomer = statement<CustomerWindow>((p) =>
  qb
    .selectFrom("WorkSession as s")
    .innerJoin("Ticket as t", "t.id", "s.ticketId")
    .select([
      "t.policy as policy",
      "s.plan as plan",
      "s.minutes as minutes",
      "s.coveredMinutes as coveredMinutes",
    ])
    .where("t.customerId", "=", p.customerId)
    .where("s.closedAt", ">=", p.from)
    .where("s.closedAt", "<", p.to)
    .orderBy("s.closedAt", "asc"),
);

/** The customer's sessions closed in [from, to) with their preset, plan and minutes (allowances). */
export function customerSessionsBetween(
  on: SqlExecutor,
  customerId: string,
  window: { from: Date; to: Date },
): Promise<{ policy: string; plan: string | null; minutes: number; coveredMinutes: number }[]> {
  return onSql(on, async (tx) =>
    (
      await tx.rows(
        sessionsOfCustomer.sql,
        ...sessionsOfCustomer.args({ customerId, from: iso(window.from), to: iso(window.to) }),
      )
    ).map((r) => ({
      policy: str(r.policy),
      plan: maybeStr(r.plan),
      minutes: num(r.minutes),
      coveredMinutes: num(r.coveredMinutes),
    })),
  );
}

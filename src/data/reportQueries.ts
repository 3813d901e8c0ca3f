/** What the reports and the response-time metric read: tickets of a range, SLA events, feedback. */

import { type ExpressionBuilder, sql } from "kysely";
import { z } from "zod";
import { RESPONSE_EVENTS, type ReportData, type ReportTicket, SLA_EVENTS } from "../reports/report.js";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { parseJson } from "./json.js";
import { qb, statement } from "./schema/queryBuilder.js";
import type { Tables } from "./schema/tables.js";
import { date, iso, maybeDate, maybeNum, maybeStr, num, str } from "./sqlTx.js";
import { closedSessionsBetween } from "./statementQueries.js";

const coverageSchema = z.record(z.string(), z.unknown());

/** A list of event types as SQL literals (constants of the code, never input). */
const typeList = (types: readonly string[]) => types.map((t) => sql.lit(t));
const RESPONSES = typeList(RESPONSE_EVENTS);
const SLA = typeList(SLA_EVENTS);

/** A range of the report: instants as stored (ISO text). */
type Range = { from: string; to: string };

/** The events of the outer query's ticket `t` (a subquery's FROM and WHERE). */
const eventsOf = (eb: ExpressionBuilder<Tables & { t: Tables["Ticket"] }, "t">) =>
  eb.selectFrom("TicketEvent as e").whereRef("e.ticketId", "=", "t.id");

/**
 * Tickets opened or closed in [from, to) and those still open at its end, with their assignee's
 * name, how often each was reopened and its first response.
 */
const REPORT_TICKETS = statement<Range>((p) =>
  qb
    .selectFrom("Ticket as t")
    .leftJoin("Technician as a", "a.id", "t.assigneeId")
    .select([
      "t.id",
      "t.number",
      "t.policy",
      "t.channel",
      "t.category",
      "t.coverage",
      "t.createdAt",
      "t.closedAt",
      "t.status",
      "t.minutes",
      "t.chargeNetCents",
      "t.chargeVatCents",
      "t.chargeGrossCents",
      "a.name as technician",
    ])
    .select((eb) => [
      eventsOf(eb)
        .select((e) => e.fn.countAll().as("n"))
        .where("e.type", "=", sql.lit("ticket.reopened"))
        .as("reopened"),
      eventsOf(eb)
        .select((e) => e.fn.min("e.at").as("at"))
        .where("e.type", "in", RESPONSES)
        .as("firstResponseAt"),
    ])
    .where((eb) =>
      eb.or([
        eb.and([eb("t.createdAt", ">=", p.from), eb("t.createdAt", "<", p.to)]),
        eb.and([eb("t.closedAt", ">=", p.from), eb("t.closedAt", "<", p.to)]),
        eb.and([eb("t.createdAt", "<", p.to), eb("t.status", "<>", sql.lit("closed"))]),
        eb.and([eb("t.createdAt", "<", p.to), eb("t.closedAt", ">=", p.to)]),
      ]),
    )
    .orderBy("t.createdAt", "asc"),
);

/** The SLA events of [from, to), with their ticket's number. */
const REPORT_EVENTS = statement<Range>((p) =>
  qb
    .selectFrom("TicketEvent as e")
    .leftJoin("Ticket as t", "t.id", "e.ticketId")
    .select(["e.type", "e.at", "t.number"])
    .where("e.type", "in", SLA)
    .where("e.at", ">=", p.from)
    .where("e.at", "<", p.to)
    .orderBy("e.at", "asc")
    .orderBy("e.id", "asc"),
);

/** The feedback of [from, to), with its ticket's number and assignee. */
const REPORT_FEEDBACK = statement<Range>((p) =>
  qb
    .selectFrom("Feedback as f")
    .innerJoin("Ticket as t", "t.id", "f.ticketId")
    .leftJoin("Technician as a", "a.id", "t.assigneeId")
    .select(["t.number", "a.name as technician", "f.rating", "f.comment", "f.at"])
    .where("f.at", ">=", p.from)
    .where("f.at", "<", p.to)
    .orderBy("f.at", "asc")
    .orderBy("f.id", "asc"),
);

/** A ticket's opening, preset and coverage, and how many response events it has. */
const RESPONSE_FACTS = statement<{ number: string }>((p) =>
  qb
    .selectFrom("Ticket as t")
    .select(["t.createdAt", "t.policy", "t.coverage"])
    .select((eb) =>
      eventsOf(eb)
        .select((e) => e.fn.countAll().as("n"))
        .where("e.type", "in", RESPONSES)
        .as("responses"),
    )
    .where("t.number", "=", p.number),
);

/**
 * Tickets opened or closed in [from, to) and those still open at its end (the backlog), SLA
 * events, feedback and work sessions of the range.
 */
export async function reportData(on: Database, window: { from: Date; to: Date }): Promise<ReportData> {
  const from = iso(window.from);
  const to = iso(window.to);
  const { rows, events, feedback } = await onSql(on, async (tx) => ({
    rows: await tx.rows(REPORT_TICKETS.sql, ...REPORT_TICKETS.args({ from, to })),
    events: await tx.rows(REPORT_EVENTS.sql, ...REPORT_EVENTS.args({ from, to })),
    feedback: await tx.rows(REPORT_FEEDBACK.sql, ...REPORT_FEEDBACK.args({ from, to })),
  }));
  const tickets: ReportTicket[] = rows.map((r) => ({
    number: str(r.number),
    policy: str(r.policy),
    channel: str(r.channel),
    category: maybeStr(r.category),
    coverage: parseJson(coverageSchema, str(r.coverage), {}),
    createdAt: date(r.createdAt),
    closedAt: maybeDate(r.closedAt),
    status: str(r.status),
    firstResponseAt: maybeDate(r.firstResponseAt),
    minutes: maybeNum(r.minutes),
    netCents: maybeNum(r.chargeNetCents),
    vatCents: maybeNum(r.chargeVatCents),
    grossCents: maybeNum(r.chargeGrossCents),
    technician: maybeStr(r.technician),
    reopened: num(r.reopened),
  }));
  const sessions = await closedSessionsBetween(on, window);
  return {
    tickets,
    events: events.map((e) => ({ type: str(e.type), at: date(e.at), ticket: maybeStr(e.number) })),
    feedback: feedback.map((f) => ({
      ticket: str(f.number),
      technician: maybeStr(f.technician),
      rating: num(f.rating),
      comment: maybeStr(f.comment),
      at: date(f.at),
    })),
    sessions: sessions.map((x) => ({
      ticket: x.ticket,
      technician: x.technician,
      closedAt: x.closedAt,
      minutes: x.minutes,
      billedMinutes: x.billedMinutes,
      netCents: x.netCents,
      vatCents: x.vatCents,
      grossCents: x.grossCents,
      policy: x.policy,
    })),
  };
}

/**
 * For the response-time histogram: the ticket's opening, preset and coverage, and how many
 * response events it has (1 right after its first response).
 */
export async function responseFacts(
  on: SqlExecutor,
  number: string,
): Promise<{ createdAt: Date; policy: string; coverage: Record<string, unknown>; responses: number } | null> {
  const row = await onSql(on, (tx) => tx.row(RESPONSE_FACTS.sql, ...RESPONSE_FACTS.args({ number })));
  if (!row) return null;
  return {
    createdAt: date(row.createdAt),
    policy: str(row.policy),
    coverage: parseJson(coverageSchema, str(row.coverage), {}),
    responses: num(row.responses),
  };
}

/** What the reports and the response-time metric read: tickets of a range, SLA events, feedback. */

import { z } from "zod";
import { RESPONSE_EVENTS, type ReportData, type ReportTicket, SLA_EVENTS } from "../reports/report.js";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { parseJson } from "./json.js";
import { date, iso, maybeDate, maybeNum, maybeStr, num, str } from "./sqlTx.js";
import { closedSessionsBetween } from "./statementQueries.js";

const coverageSchema = z.record(z.string(), z.unknown());

/** A list of event types as SQL literals (constants of the code, never input). */
const typeList = (types: readonly string[]): string => types.map((t) => `'${t}'`).join(", ");
const RESPONSES = typeList(RESPONSE_EVENTS);
const SLA = typeList(SLA_EVENTS);

/**
 * Tickets opened or closed in [from, to) and those still open at its end, with their assignee's
 * name, how often each was reopened and its first response. Binds: from, to, from, to, to, to, to.
 */
const REPORT_TICKETS = `SELECT t."id", t."number", t."policy", t."channel", t."category", t."coverage", t."createdAt", t."closedAt", t."status",
    t."minutes", t."chargeNetCents", t."chargeVatCents", t."chargeGrossCents", a."name" AS "technician",
    (SELECT COUNT(*) FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" = 'ticket.reopened') AS "reopened",
    (SELECT MIN(e."at") FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" IN (${RESPONSES})) AS "firstResponseAt"
  FROM "Ticket" t LEFT JOIN "Technician" a ON a."id" = t."assigneeId"
  WHERE (t."createdAt" >= ? AND t."createdAt" < ?) OR (t."closedAt" >= ? AND t."closedAt" < ?)
    OR (t."createdAt" < ? AND t."status" <> 'closed') OR (t."createdAt" < ? AND t."closedAt" >= ?)
  ORDER BY t."createdAt" ASC`;

/**
 * Tickets opened or closed in [from, to) and those still open at its end (the backlog), SLA
 * events, feedback and work sessions of the range.
 */
export async function reportData(on: Database, window: { from: Date; to: Date }): Promise<ReportData> {
  const from = iso(window.from);
  const to = iso(window.to);
  const { rows, events, feedback } = await onSql(on, async (tx) => ({
    rows: await tx.rows(REPORT_TICKETS, from, to, from, to, to, to, to),
    events: await tx.rows(
      `SELECT e."type", e."at", t."number" FROM "TicketEvent" e LEFT JOIN "Ticket" t ON t."id" = e."ticketId"
       WHERE e."type" IN (${SLA}) AND e."at" >= ? AND e."at" < ? ORDER BY e."at" ASC, e."id" ASC`,
      from,
      to,
    ),
    feedback: await tx.rows(
      `SELECT t."number", a."name" AS "technician", f."rating", f."comment", f."at"
       FROM "Feedback" f JOIN "Ticket" t ON t."id" = f."ticketId" LEFT JOIN "Technician" a ON a."id" = t."assigneeId"
       WHERE f."at" >= ? AND f."at" < ? ORDER BY f."at" ASC, f."id" ASC`,
      from,
      to,
    ),
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
  const row = await onSql(on, (tx) =>
    tx.row(
      `SELECT t."createdAt", t."policy", t."coverage",
         (SELECT COUNT(*) FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" IN (${RESPONSES})) AS "responses"
       FROM "Ticket" t WHERE t."number" = ?`,
      number,
    ),
  );
  if (!row) return null;
  return {
    createdAt: date(row.createdAt),
    policy: str(row.policy),
    coverage: parseJson(coverageSchema, str(row.coverage), {}),
    responses: num(row.responses),
  };
}

/** What the reports and the response-time metric read: tickets of a range, SLA events, feedback. */

import { z } from "zod";
import type { DomainEventName } from "../../flows/domainEvents.js";
import { RESPONSE_EVENTS, type ReportData, type ReportTicket, SLA_EVENTS } from "../reports/report.js";
import type { Database, Prisma, Tx } from "./database.js";
import { type PrismaExecutor, prismaOf } from "./database.js";
import { parseJson } from "./json.js";
import { closedSessionsBetween } from "./statementQueries.js";

type Client = Tx | Prisma;

const coverageSchema = z.record(z.string(), z.unknown());

/**
 * Tickets opened or closed in [from, to) and those still open at its end (the backlog), SLA
 * events, feedback and work sessions of the range. `on`: the database (work sessions are read
 * with its own SQL).
 */
export async function reportData(on: Database, window: { from: Date; to: Date }): Promise<ReportData> {
  const tx = prismaOf(on);
  const range = { gte: window.from, lt: window.to };
  const rows = await tx.ticket.findMany({
    where: {
      OR: [
        { createdAt: range },
        { closedAt: range },
        { createdAt: { lt: window.to }, status: { not: "closed" } },
        { createdAt: { lt: window.to }, closedAt: { gte: window.to } },
      ],
    },
    include: { assignee: { select: { name: true } } },
    orderBy: { createdAt: "asc" },
  });
  const reopens = new Map<string, number>();
  for (let i = 0; i < rows.length; i += 500) {
    const counted = await tx.ticketEvent.groupBy({
      by: ["ticketId"],
      where: {
        ticketId: { in: rows.slice(i, i + 500).map((r) => r.id) },
        type: "ticket.reopened" satisfies DomainEventName,
      },
      _count: { _all: true },
    });
    for (const c of counted) if (c.ticketId) reopens.set(c.ticketId, c._count._all);
  }
  const firsts = await firstResponses(
    tx,
    rows.map((r) => r.id),
  );
  const tickets: ReportTicket[] = rows.map((r) => ({
    number: r.number,
    policy: r.policy,
    channel: r.channel,
    category: r.category,
    coverage: parseJson(coverageSchema, r.coverage, {}),
    createdAt: r.createdAt,
    closedAt: r.closedAt,
    status: r.status,
    firstResponseAt: firsts.get(r.id) ?? null,
    minutes: r.minutes,
    netCents: r.chargeNetCents,
    vatCents: r.chargeVatCents,
    grossCents: r.chargeGrossCents,
    technician: r.assignee?.name ?? null,
    reopened: reopens.get(r.id) ?? 0,
  }));
  const events = await tx.ticketEvent.findMany({
    where: { type: { in: [...SLA_EVENTS] }, at: range },
    select: { type: true, at: true, ticket: { select: { number: true } } },
    orderBy: { at: "asc" },
  });
  const feedback = await tx.feedback.findMany({
    where: { at: range },
    include: { ticket: { select: { number: true, assignee: { select: { name: true } } } } },
    orderBy: { at: "asc" },
  });
  const sessions = await closedSessionsBetween(on, window);
  return {
    tickets,
    events: events.map((e) => ({ type: e.type, at: e.at, ticket: e.ticket?.number ?? null })),
    feedback: feedback.map((f) => ({
      ticket: f.ticket.number,
      technician: f.ticket.assignee?.name ?? null,
      rating: f.rating,
      comment: f.comment,
      at: f.at,
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

/** The earliest response event of each ticket id. */
async function firstResponses(tx: Client, ticketIds: string[]): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  for (let i = 0; i < ticketIds.length; i += 500) {
    const rows = await tx.ticketEvent.groupBy({
      by: ["ticketId"],
      where: { ticketId: { in: ticketIds.slice(i, i + 500) }, type: { in: [...RESPONSE_EVENTS] } },
      _min: { at: true },
    });
    for (const r of rows) if (r.ticketId && r._min.at) out.set(r.ticketId, r._min.at);
  }
  return out;
}

/**
 * For the response-time histogram: the ticket's opening, preset and coverage, and how many
 * response events it has (1 right after its first response).
 */
export async function responseFacts(
  on: PrismaExecutor,
  number: string,
): Promise<{ createdAt: Date; policy: string; coverage: Record<string, unknown>; responses: number } | null> {
  const tx = prismaOf(on);
  const row = await tx.ticket.findUnique({
    where: { number },
    select: { id: true, createdAt: true, policy: true, coverage: true },
  });
  if (!row) return null;
  const responses = await tx.ticketEvent.count({
    where: { ticketId: row.id, type: { in: [...RESPONSE_EVENTS] } },
  });
  return {
    createdAt: row.createdAt,
    policy: row.policy,
    coverage: parseJson(coverageSchema, row.coverage, {}),
    responses,
  };
}

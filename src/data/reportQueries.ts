/** What the reports and the response-time metric read: tickets of a range, SLA events, feedback. */

import { z } from "zod";
import { RESPONSE_EVENTS, type ReportData, type ReportTicket, SLA_EVENTS } from "../reports/report.js";
import type { Prisma, Tx } from "./database.js";
import { type PrismaExecutor, prismaOf } from "./database.js";
import { parseJson } from "./json.js";

type Client = Tx | Prisma;

const coverageSchema = z.record(z.string(), z.unknown());

/** Tickets opened or closed in [from, to), SLA events and feedback of the range. */
export async function reportData(on: PrismaExecutor, window: { from: Date; to: Date }): Promise<ReportData> {
  const tx = prismaOf(on);
  const range = { gte: window.from, lt: window.to };
  const rows = await tx.ticket.findMany({
    where: { OR: [{ createdAt: range }, { closedAt: range }] },
    orderBy: { createdAt: "asc" },
  });
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
  }));
  const events = await tx.ticketEvent.findMany({
    where: { type: { in: [...SLA_EVENTS] }, at: range },
    select: { type: true, at: true },
  });
  const feedback = await tx.feedback.findMany({
    where: { at: range },
    include: { ticket: { select: { number: true } } },
    orderBy: { at: "asc" },
  });
  return {
    tickets,
    events,
    feedback: feedback.map((f) => ({
      ticket: f.ticket.number,
      rating: f.rating,
      comment: f.comment,
      at: f.at,
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

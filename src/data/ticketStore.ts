/**
 * Conversations (each chat's machine snapshot), tickets, their events and feedback, over Prisma
 * or the hot path's {@link SqlTx} (whose SQL is in `sqlConversations.ts` and `sqlTickets.ts`).
 */

import { z } from "zod";
import { clientOf, type Executor, type PrismaExecutor, prismaOf } from "./database.js";
import { parseJson, toJson } from "./json.js";
import type { Row } from "./schema/rows.js";
import * as conversations from "./sqlConversations.js";
import * as sql from "./sqlTickets.js";
import { SqlTx } from "./sqlTx.js";

// ---------------------------------------------------------------------------------------------
// Conversations

// Hot path only: the SQL functions themselves.
export { type InboundState, inboundState, saveConversation } from "./sqlConversations.js";

export async function loadConversation(
  on: Executor,
  channel: string,
  chatId: string,
): Promise<conversations.ConversationRecord | null> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return conversations.loadConversation(tx, channel, chatId);
  return tx.conversation.findUnique({ where: { channel_chatId: { channel, chatId } } });
}

export async function countConversations(on: PrismaExecutor): Promise<number> {
  const tx = prismaOf(on);
  return tx.conversation.count();
}

// ---------------------------------------------------------------------------------------------
// Tickets

/** A stored ticket (every column of the schema's `Ticket`, see src/data/schema/rows.ts). */
export type TicketRow = Row<"Ticket">;

/** Next readable number for a prefix and year, e.g. LT-2026-00042 (see {@link sql.nextTicketNumber}). */
export async function nextTicketNumber(tx: SqlTx, prefix: string, year: number): Promise<string> {
  return sql.nextTicketNumber(tx, prefix, year);
}

export async function createTicket(
  tx: SqlTx,
  t: {
    number: string;
    policy: string;
    status: string;
    category: string | null;
    priority: string;
    blocking: boolean;
    description: string;
    coverage: unknown;
    customerId: string;
    channel: string;
    chatId: string;
    salesRep: string | null;
    callbackDueAt: Date | null;
    at: Date;
  },
): Promise<TicketRow> {
  return sql.createTicket(tx, { ...t, coverage: toJson(t.coverage) });
}

export async function findTicket(on: Executor, number: string): Promise<TicketRow | null> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.findTicket(tx, number);
  return tx.ticket.findUnique({ where: { number: number.trim().toUpperCase() } });
}

/** A ticket by its id, or null. */
export async function findTicketById(on: PrismaExecutor, id: string): Promise<TicketRow | null> {
  return prismaOf(on).ticket.findUnique({ where: { id } });
}

/** The newest ticket opened from a chat (on `channel`, or any), or null. */
export async function latestTicketOfChat(
  on: PrismaExecutor,
  chatId: string,
  channel?: string,
): Promise<TicketRow | null> {
  return prismaOf(on).ticket.findFirst({
    where: { chatId, ...(channel ? { channel } : {}) },
    orderBy: { createdAt: "desc" },
  });
}

/** Changes to a ticket (coverage and desk reference as objects, stored as JSON). */
export type TicketUpdate = Partial<Omit<TicketRow, "id" | "version" | "coverage">> & {
  coverage?: unknown;
};

/** Optimistic update: the transaction fails with `conflict()` when the ticket changed since `version` was read (on PostgreSQL possibly only at its commit). */
export async function updateTicket(
  on: Executor,
  id: string,
  version: number,
  data: TicketUpdate,
  conflict: () => Error,
): Promise<void> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.updateTicket(tx, id, version, data, conflict);
  const { coverage, ...rest } = data;
  const result = await tx.ticket.updateMany({
    where: { id, version },
    data: {
      ...rest,
      ...(coverage !== undefined ? { coverage: toJson(coverage) } : {}),
      version: { increment: 1 },
    },
  });
  if (result.count !== 1) throw conflict();
}

/** Facts a customer gave after the ticket opened; the consent is kept with the coverage. */
export async function completeTicketFacts(
  on: Executor,
  ticketId: string,
  facts: { category?: string; blocking?: boolean; consent?: boolean; salesRep?: string },
): Promise<void> {
  const tx = clientOf(on);
  const stored =
    tx instanceof SqlTx
      ? await sql.ticketCoverage(tx, ticketId)
      : ((await tx.ticket.findUnique({ where: { id: ticketId }, select: { coverage: true } }))?.coverage ??
        null);
  if (stored === null) return;
  const coverage = parseJson(z.record(z.string(), z.unknown()), stored, {});
  const data = {
    ...(facts.category !== undefined ? { category: facts.category } : {}),
    ...(facts.blocking !== undefined ? { blocking: facts.blocking } : {}),
    ...(facts.salesRep !== undefined ? { salesRep: facts.salesRep } : {}),
    ...(facts.consent !== undefined ? { coverage: toJson({ ...coverage, consent: facts.consent }) } : {}),
  };
  if (tx instanceof SqlTx) return sql.setTicketColumns(tx, ticketId, data);
  await tx.ticket.update({ where: { id: ticketId }, data: { ...data, version: { increment: 1 } } });
}

/** Moves a ticket's callback promise (e.g. when a sales representative authorizes it). */
export async function setCallbackDue(on: Executor, id: string, dueAt: Date): Promise<void> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.setCallbackDue(tx, id, dueAt);
  await tx.ticket.update({ where: { id }, data: { callbackDueAt: dueAt } });
}

/** Links a chat's intake messages (not yet on a ticket) to the ticket just opened from them. */
export async function linkIntakeMessages(
  on: Executor,
  channel: string,
  chatId: string,
  ticketId: string,
): Promise<void> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.linkIntakeMessages(tx, channel, chatId, ticketId);
  await tx.message.updateMany({ where: { channel, chatId, ticketId: null }, data: { ticketId } });
}

/** Stores what one desk keeps for a ticket, next to (never over) other desks' references. */
export async function setTicketDeskRef(
  on: PrismaExecutor,
  number: string,
  desk: string,
  ref: Record<string, unknown>,
): Promise<void> {
  const tx = prismaOf(on);
  const ticket = await tx.ticket.findUniqueOrThrow({ where: { number }, select: { id: true } });
  await tx.ticketDeskRef.upsert({
    where: { ticketId_desk: { ticketId: ticket.id, desk } },
    create: { ticketId: ticket.id, desk, ref: toJson(ref) },
    update: { ref: toJson(ref) },
  });
}

/** Every desk's reference for a ticket, by desk name. */
export async function ticketDeskRefs(
  on: Executor,
  ticketId: string,
): Promise<Record<string, Record<string, unknown>>> {
  const tx = clientOf(on);
  const rows =
    tx instanceof SqlTx
      ? await sql.ticketDeskRefRows(tx, ticketId)
      : await tx.ticketDeskRef.findMany({ where: { ticketId }, select: { desk: true, ref: true } });
  const refs: Record<string, Record<string, unknown>> = {};
  for (const row of rows) {
    try {
      const value = JSON.parse(row.ref) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) {
        refs[row.desk] = value as Record<string, unknown>;
      }
    } catch {
      // A reference a desk can no longer read is as good as none: it posts a new card.
    }
  }
  return refs;
}

export async function openTicketsForCustomer(on: Executor, customerId: string): Promise<TicketRow[]> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.openTicketsForCustomer(tx, customerId);
  return tx.ticket.findMany({
    where: { customerId, status: { not: "closed" } },
    orderBy: { createdAt: "asc" },
  });
}

// Hot path only: the SQL function itself.
export { openTicketsOfSender } from "./sqlTickets.js";

export async function listTicketRows(
  on: PrismaExecutor,
  filter: { statusNot?: string; status?: string; assigneeId?: string | null; since?: Date; take?: number },
): Promise<TicketRow[]> {
  const tx = prismaOf(on);
  return tx.ticket.findMany({
    where: {
      ...(filter.statusNot ? { status: { not: filter.statusNot } } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.assigneeId !== undefined ? { assigneeId: filter.assigneeId } : {}),
      ...(filter.since ? { createdAt: { gte: filter.since } } : {}),
    },
    orderBy: { createdAt: "desc" },
    take: filter.take ?? 100,
  });
}

export async function recordEvent(
  tx: SqlTx,
  e: { ticketId: string | null; type: string; actor: string | null; payload: unknown; at: Date },
): Promise<void> {
  return sql.recordEvent(tx, { ...e, payload: toJson(e.payload) });
}

export interface EventRow {
  type: string;
  ticketId: string | null;
  actor: string | null;
  payload: Record<string, unknown>;
  at: Date;
}

export async function listEvents(
  on: PrismaExecutor,
  filter: { ticketId?: string; since?: Date } = {},
): Promise<EventRow[]> {
  const tx = prismaOf(on);
  const rows = await tx.ticketEvent.findMany({
    where: {
      ...(filter.ticketId ? { ticketId: filter.ticketId } : {}),
      ...(filter.since ? { at: { gte: filter.since } } : {}),
    },
    orderBy: [{ at: "asc" }, { id: "asc" }],
  });
  return rows.map((r) => ({
    type: r.type,
    ticketId: r.ticketId,
    actor: r.actor,
    payload: parseJson(z.record(z.string(), z.unknown()), r.payload, {}),
    at: r.at,
  }));
}

/** Minutes already used this month on a plan (for presets that cap a plan per month). */
export async function minutesUsedThisMonth(
  on: Executor,
  customerId: string,
  monthStart: Date,
  plan: string,
): Promise<number> {
  const tx = clientOf(on);
  const rows =
    tx instanceof SqlTx
      ? await sql.closedSince(tx, customerId, monthStart)
      : await tx.ticket.findMany({
          where: { customerId, status: "closed", closedAt: { gte: monthStart } },
          select: { minutes: true, coverage: true },
        });
  return rows
    .filter(
      (r) =>
        parseJson(z.object({ plan: z.string().nullable().optional() }).passthrough(), r.coverage, {}).plan ===
        plan,
    )
    .reduce((sum, r) => sum + (r.minutes ?? 0), 0);
}

/** The customer's latest feedback on a ticket, or null. */
export async function latestFeedback(
  on: PrismaExecutor,
  ticketId: string,
): Promise<{ rating: number; comment: string | null; at: Date } | null> {
  const tx = prismaOf(on);
  return tx.feedback.findFirst({
    where: { ticketId },
    orderBy: { at: "desc" },
    select: { rating: true, comment: true, at: true },
  });
}

export async function recordFeedback(
  tx: SqlTx,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): Promise<void> {
  return sql.recordFeedback(tx, f);
}

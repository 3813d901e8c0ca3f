/**
 * Conversations (each chat's machine snapshot), tickets, their events and feedback, in SQL over
 * {@link SqlTx} (the hot path's statements are in `sqlConversations.ts` and `sqlTickets.ts`).
 * Given the database instead of a transaction, a function runs on a session connection.
 */

import { z } from "zod";
import { onSql, type SqlExecutor } from "./database.js";
import { parseJson, toJson } from "./json.js";
import type { Row } from "./schema/rows.js";
import * as conversations from "./sqlConversations.js";
import * as sql from "./sqlTickets.js";
import { date, iso, maybeStr, num, type SqlArg, type SqlTx, str } from "./sqlTx.js";

// ---------------------------------------------------------------------------------------------
// Conversations

// Hot path only: the SQL functions themselves.
export { type InboundState, inboundState, saveConversation } from "./sqlConversations.js";

export async function loadConversation(
  on: SqlExecutor,
  channel: string,
  chatId: string,
): Promise<conversations.ConversationRecord | null> {
  return onSql(on, (tx) => conversations.loadConversation(tx, channel, chatId));
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

export async function findTicket(on: SqlExecutor, number: string): Promise<TicketRow | null> {
  return onSql(on, (tx) => sql.findTicket(tx, number));
}

/** A ticket by its id, or null. */
export async function findTicketById(on: SqlExecutor, id: string): Promise<TicketRow | null> {
  return onSql(on, async (tx) => {
    const r = await tx.row(`${sql.TICKET} WHERE "id" = ?`, id);
    return r ? sql.toTicket(r) : null;
  });
}

/** The newest ticket opened from a chat (on `channel`, or any), or null. */
export async function latestTicketOfChat(
  on: SqlExecutor,
  chatId: string,
  channel?: string,
): Promise<TicketRow | null> {
  return onSql(on, async (tx) => {
    const r = channel
      ? await tx.row(
          `${sql.TICKET} WHERE "chatId" = ? AND "channel" = ? ORDER BY "createdAt" DESC LIMIT 1`,
          chatId,
          channel,
        )
      : await tx.row(`${sql.TICKET} WHERE "chatId" = ? ORDER BY "createdAt" DESC LIMIT 1`, chatId);
    return r ? sql.toTicket(r) : null;
  });
}

/** Changes to a ticket (coverage and desk reference as objects, stored as JSON). */
export type TicketUpdate = Partial<Omit<TicketRow, "id" | "version" | "coverage">> & {
  coverage?: unknown;
};

/** Optimistic update: the transaction fails with `conflict()` when the ticket changed since `version` was read (on PostgreSQL possibly only at its commit). */
export async function updateTicket(
  on: SqlExecutor,
  id: string,
  version: number,
  data: TicketUpdate,
  conflict: () => Error,
): Promise<void> {
  return onSql(on, (tx) => sql.updateTicket(tx, id, version, data, conflict));
}

/** Facts a customer gave after the ticket opened; the consent is kept with the coverage. */
export async function completeTicketFacts(
  on: SqlExecutor,
  ticketId: string,
  facts: { category?: string; blocking?: boolean; consent?: boolean; salesRep?: string },
): Promise<void> {
  return onSql(on, (tx) => completeFactsIn(tx, ticketId, facts));
}

async function completeFactsIn(
  tx: SqlTx,
  ticketId: string,
  facts: { category?: string; blocking?: boolean; consent?: boolean; salesRep?: string },
): Promise<void> {
  const stored = await sql.ticketCoverage(tx, ticketId);
  if (stored === null) return;
  const coverage = parseJson(z.record(z.string(), z.unknown()), stored, {});
  const data = {
    ...(facts.category !== undefined ? { category: facts.category } : {}),
    ...(facts.blocking !== undefined ? { blocking: facts.blocking } : {}),
    ...(facts.salesRep !== undefined ? { salesRep: facts.salesRep } : {}),
    ...(facts.consent !== undefined ? { coverage: toJson({ ...coverage, consent: facts.consent }) } : {}),
  };
  return sql.setTicketColumns(tx, ticketId, data);
}

/** Moves a ticket's callback promise (e.g. when a sales representative authorizes it). */
export async function setCallbackDue(on: SqlExecutor, id: string, dueAt: Date): Promise<void> {
  return onSql(on, (tx) => sql.setCallbackDue(tx, id, dueAt));
}

/** Links a chat's intake messages (not yet on a ticket) to the ticket just opened from them. */
export async function linkIntakeMessages(
  on: SqlExecutor,
  channel: string,
  chatId: string,
  ticketId: string,
): Promise<void> {
  return onSql(on, (tx) => sql.linkIntakeMessages(tx, channel, chatId, ticketId));
}

/**
 * Stores what one desk keeps for a ticket, next to (never over) other desks' references. Throws
 * for an unknown ticket number.
 */
export async function setTicketDeskRef(
  on: SqlExecutor,
  number: string,
  desk: string,
  ref: Record<string, unknown>,
): Promise<void> {
  return onSql(on, async (tx) => {
    const ticket = await tx.row(`SELECT "id" FROM "Ticket" WHERE "number" = ?`, number);
    if (!ticket) throw new Error(`setTicketDeskRef: no ticket ${number}`);
    await tx.write(
      `INSERT INTO "TicketDeskRef" ("ticketId", "desk", "ref", "updatedAt") VALUES (?, ?, ?, ?)
       ON CONFLICT ("ticketId", "desk") DO UPDATE SET "ref" = excluded."ref", "updatedAt" = excluded."updatedAt"`,
      str(ticket.id),
      desk,
      toJson(ref),
      iso(new Date()),
    );
  });
}

/** Every desk's reference for a ticket, by desk name. */
export async function ticketDeskRefs(
  on: SqlExecutor,
  ticketId: string,
): Promise<Record<string, Record<string, unknown>>> {
  const rows = await onSql(on, (tx) => sql.ticketDeskRefRows(tx, ticketId));
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

export async function openTicketsForCustomer(on: SqlExecutor, customerId: string): Promise<TicketRow[]> {
  return onSql(on, (tx) => sql.openTicketsForCustomer(tx, customerId));
}

// Hot path only: the SQL function itself.
export { openTicketsOfSender } from "./sqlTickets.js";

/** Tickets matching every given filter, newest first (at most `take`, 100 by default). */
export async function listTicketRows(
  on: SqlExecutor,
  filter: { statusNot?: string; status?: string; assigneeId?: string | null; since?: Date; take?: number },
): Promise<TicketRow[]> {
  const where: string[] = [];
  const args: SqlArg[] = [];
  if (filter.statusNot) {
    where.push(`"status" <> ?`);
    args.push(filter.statusNot);
  }
  if (filter.status) {
    where.push(`"status" = ?`);
    args.push(filter.status);
  }
  if (filter.assigneeId === null) where.push(`"assigneeId" IS NULL`);
  else if (filter.assigneeId !== undefined) {
    where.push(`"assigneeId" = ?`);
    args.push(filter.assigneeId);
  }
  if (filter.since) {
    where.push(`"createdAt" >= ?`);
    args.push(iso(filter.since));
  }
  const sqlText = `${sql.TICKET}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY "createdAt" DESC LIMIT ?`;
  return onSql(on, async (tx) => (await tx.rows(sqlText, ...args, filter.take ?? 100)).map(sql.toTicket));
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

/** Events (of one ticket, since an instant), oldest first. */
export async function listEvents(
  on: SqlExecutor,
  filter: { ticketId?: string; since?: Date } = {},
): Promise<EventRow[]> {
  const where: string[] = [];
  const args: SqlArg[] = [];
  if (filter.ticketId) {
    where.push(`"ticketId" = ?`);
    args.push(filter.ticketId);
  }
  if (filter.since) {
    where.push(`"at" >= ?`);
    args.push(iso(filter.since));
  }
  const rows = await onSql(on, (tx) =>
    tx.rows(
      `SELECT "type", "ticketId", "actor", "payload", "at" FROM "TicketEvent"${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY "at" ASC, "id" ASC`,
      ...args,
    ),
  );
  return rows.map((r) => ({
    type: str(r.type),
    ticketId: maybeStr(r.ticketId),
    actor: maybeStr(r.actor),
    payload: parseJson(z.record(z.string(), z.unknown()), str(r.payload), {}),
    at: date(r.at),
  }));
}

/** The customer's latest feedback on a ticket, or null. */
export async function latestFeedback(
  on: SqlExecutor,
  ticketId: string,
): Promise<{ rating: number; comment: string | null; at: Date } | null> {
  const r = await onSql(on, (tx) =>
    tx.row(
      `SELECT "rating", "comment", "at" FROM "Feedback" WHERE "ticketId" = ? ORDER BY "at" DESC LIMIT 1`,
      ticketId,
    ),
  );
  return r ? { rating: num(r.rating), comment: maybeStr(r.comment), at: date(r.at) } : null;
}

export async function recordFeedback(
  tx: SqlTx,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): Promise<void> {
  return sql.recordFeedback(tx, f);
}

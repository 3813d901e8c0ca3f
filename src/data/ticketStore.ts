/**
 * Conversations (each chat's machine snapshot), tickets, their events and feedback, in SQL over
 * {@link SqlTx} (the hot path's statements are in `sqlConversations.ts` and `sqlTickets.ts`).
 * Given the database instead of a transaction, a function runs on a session connection.
 */

import { sql as raw } from "kysely";
import { z } from "zod";
import type { DomainEventName, DomainEvents } from "../../flows/domainEvents.js";
import { onSql, type SqlExecutor } from "./database.js";
import { parseJson, toJson } from "./json.js";
import { qb, type Statement, statement } from "./schema/queryBuilder.js";
import type { Row } from "./schema/rows.js";
import * as conversations from "./sqlConversations.js";
import type { OpenTicket } from "./sqlTickets.js";
import * as sql from "./sqlTickets.js";
import { date, iso, maybeStr, num, type SqlTx, str } from "./sqlTx.js";

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

const ticketById = statement<{ id: string }>((p) => sql.selectTicket().where("id", "=", p.id));

/** A ticket by its id, or null. */
export async function findTicketById(on: SqlExecutor, id: string): Promise<TicketRow | null> {
  return onSql(on, async (tx) => {
    const r = await tx.row(ticketById.sql, ...ticketById.args({ id }));
    return r ? sql.toTicket(r) : null;
  });
}

const latestOfChatOn = statement<{ chatId: string; channel: string }>((p) =>
  sql
    .selectTicket()
    .where("chatId", "=", p.chatId)
    .where("channel", "=", p.channel)
    .orderBy("createdAt", "desc")
    .limit(raw.lit(1)),
);
const latestOfChat = statement<{ chatId: string }>((p) =>
  sql.selectTicket().where("chatId", "=", p.chatId).orderBy("createdAt", "desc").limit(raw.lit(1)),
);

/** The newest ticket opened from a chat (on `channel`, or any), or null. */
export async function latestTicketOfChat(
  on: SqlExecutor,
  chatId: string,
  channel?: string,
): Promise<TicketRow | null> {
  return onSql(on, async (tx) => {
    const r = channel
      ? await tx.row(latestOfChatOn.sql, ...latestOfChatOn.args({ chatId, channel }))
      : await tx.row(latestOfChat.sql, ...latestOfChat.args({ chatId }));
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

const ticketIdByNumber = statement<{ number: string }>((p) =>
  qb.selectFrom("Ticket").select("id").where("number", "=", p.number),
);
const upsertDeskRef = statement<{ ticketId: string; desk: string; ref: string; updatedAt: string }>((p) =>
  qb
    .insertInto("TicketDeskRef")
    .values({ ticketId: p.ticketId, desk: p.desk, ref: p.ref, updatedAt: p.updatedAt })
    .onConflict((oc) =>
      oc.columns(["ticketId", "desk"]).doUpdateSet((eb) => ({
        ref: eb.ref("excluded.ref"),
        updatedAt: eb.ref("excluded.updatedAt"),
      })),
    ),
);

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
    const ticket = await tx.row(ticketIdByNumber.sql, ...ticketIdByNumber.args({ number }));
    if (!ticket) throw new Error(`setTicketDeskRef: no ticket ${number}`);
    await tx.write(
      upsertDeskRef.sql,
      ...upsertDeskRef.args({ ticketId: str(ticket.id), desk, ref: toJson(ref), updatedAt: iso(new Date()) }),
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

export async function openTicketsForCustomer(on: SqlExecutor, customerId: string): Promise<OpenTicket[]> {
  return onSql(on, (tx) => sql.openTicketsForCustomer(tx, customerId));
}

// Hot path only: the SQL function itself.
export { type KnownSender, knownSender } from "./sqlSender.js";
export type { OpenTicket } from "./sqlTickets.js";

/** What {@link listTicketRows} filters on. */
interface TicketFilter {
  statusNot?: string;
  status?: string;
  assigneeId?: string | null;
  since?: Date;
  take?: number;
}

type TicketListParams = {
  statusNot: string;
  status: string;
  assigneeId: string;
  since: string;
  take: number;
};

// The filters a list uses, as bits: each combination is compiled once, on first use.
const STATUS_NOT = 1;
const STATUS = 2;
const UNASSIGNED = 4;
const ASSIGNEE = 8;
const SINCE = 16;
const ticketLists = new Map<number, Statement<TicketListParams>>();

function compileTicketList(filters: number): Statement<TicketListParams> {
  return statement<TicketListParams>((p) =>
    sql
      .selectTicket()
      .$if((filters & STATUS_NOT) !== 0, (q) => q.where("status", "<>", p.statusNot))
      .$if((filters & STATUS) !== 0, (q) => q.where("status", "=", p.status))
      .$if((filters & UNASSIGNED) !== 0, (q) => q.where("assigneeId", "is", null))
      .$if((filters & ASSIGNEE) !== 0, (q) => q.where("assigneeId", "=", p.assigneeId))
      .$if((filters & SINCE) !== 0, (q) => q.where("createdAt", ">=", p.since))
      .orderBy("createdAt", "desc")
      .limit(p.take),
  );
}

/** Tickets matching every given filter, newest first (at most `take`, 100 by default). */
export async function listTicketRows(on: SqlExecutor, filter: TicketFilter): Promise<TicketRow[]> {
  const filters =
    (filter.statusNot ? STATUS_NOT : 0) |
    (filter.status ? STATUS : 0) |
    (filter.assigneeId === null ? UNASSIGNED : filter.assigneeId !== undefined ? ASSIGNEE : 0) |
    (filter.since ? SINCE : 0);
  let list = ticketLists.get(filters);
  if (!list) {
    list = compileTicketList(filters);
    ticketLists.set(filters, list);
  }
  const args = list.args({
    statusNot: filter.statusNot ?? "",
    status: filter.status ?? "",
    assigneeId: filter.assigneeId ?? "",
    since: filter.since ? iso(filter.since) : "",
    take: filter.take ?? 100,
  });
  return onSql(on, async (tx) => (await tx.rows(list.sql, ...args)).map(sql.toTicket));
}

/**
 * A domain event to store: its name with the payload recorded under that name, so a misspelt
 * name or a payload of another event fails the compiler. `ticket` (the ticket's number, or null)
 * is added to the stored payload when given, as the runtime stores every event.
 */
export type EventToRecord = {
  [N in DomainEventName]: {
    ticketId: string | null;
    ticket?: string | null;
    type: N;
    actor: string | null;
    payload: DomainEvents[N];
    at: Date;
  };
}[DomainEventName];

/** Stores a domain event (its payload as JSON). */
export async function recordEvent(tx: SqlTx, e: EventToRecord): Promise<void> {
  const payload = e.ticket === undefined ? e.payload : { ...e.payload, ticket: e.ticket };
  return sql.recordEvent(tx, {
    ticketId: e.ticketId,
    type: e.type,
    actor: e.actor,
    payload: toJson(payload),
    at: e.at,
  });
}

export interface EventRow {
  type: string;
  ticketId: string | null;
  actor: string | null;
  payload: Record<string, unknown>;
  at: Date;
}

type EventListParams = { ticketId: string; since: string };

// As for ticket lists: each combination of filters is compiled once, on first use.
const OF_TICKET = 1;
const EVENTS_SINCE = 2;
const eventLists = new Map<number, Statement<EventListParams>>();

function compileEventList(filters: number): Statement<EventListParams> {
  return statement<EventListParams>((p) =>
    qb
      .selectFrom("TicketEvent")
      .select(["type", "ticketId", "actor", "payload", "at"])
      .$if((filters & OF_TICKET) !== 0, (q) => q.where("ticketId", "=", p.ticketId))
      .$if((filters & EVENTS_SINCE) !== 0, (q) => q.where("at", ">=", p.since))
      .orderBy("at", "asc")
      .orderBy("id", "asc"),
  );
}

/** Events (of one ticket, since an instant), oldest first. */
export async function listEvents(
  on: SqlExecutor,
  filter: { ticketId?: string; since?: Date } = {},
): Promise<EventRow[]> {
  const filters = (filter.ticketId ? OF_TICKET : 0) | (filter.since ? EVENTS_SINCE : 0);
  let list = eventLists.get(filters);
  if (!list) {
    list = compileEventList(filters);
    eventLists.set(filters, list);
  }
  const args = list.args({
    ticketId: filter.ticketId ?? "",
    since: filter.since ? iso(filter.since) : "",
  });
  const rows = await onSql(on, (tx) => tx.rows(list.sql, ...args));
  return rows.map((r) => ({
    type: str(r.type),
    ticketId: maybeStr(r.ticketId),
    actor: maybeStr(r.actor),
    payload: parseJson(z.record(z.string(), z.unknown()), str(r.payload), {}),
    at: date(r.at),
  }));
}

const latestFeedbackOf = statement<{ ticketId: string }>((p) =>
  qb
    .selectFrom("Feedback")
    .select(["rating", "comment", "at"])
    .where("ticketId", "=", p.ticketId)
    .orderBy("at", "desc")
    .limit(raw.lit(1)),
);

/** The customer's latest feedback on a ticket, or null. */
export async function latestFeedback(
  on: SqlExecutor,
  ticketId: string,
): Promise<{ rating: number; comment: string | null; at: Date } | null> {
  const r = await onSql(on, (tx) => tx.row(latestFeedbackOf.sql, ...latestFeedbackOf.args({ ticketId })));
  return r ? { rating: num(r.rating), comment: maybeStr(r.comment), at: date(r.at) } : null;
}

export async function recordFeedback(
  tx: SqlTx,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): Promise<void> {
  return sql.recordFeedback(tx, f);
}

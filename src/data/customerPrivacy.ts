/**
 * Personal data of a customer in the database: everything held about them (for an export), its
 * erasure (anonymised tickets and charges stay for invoicing, with an audit event), and the
 * retention purge of old transcripts. Files are referenced, not touched: the caller deletes the
 * references these functions return, after the transaction commits.
 */
import { z } from "zod";
import { type FileRef, KEPT_EVENT_KEYS, PrivacyError, pick, refsOf, uniqueRefs } from "./customerErasure.js";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { parseJson, toJson } from "./json.js";
import { rowReader } from "./schema/rows.js";
import { containing } from "./sqlLike.js";
import { date, iso, maybeStr, num, type SqlTx, str } from "./sqlTx.js";

/** Rows deleted, and file refs looked up, per statement. */
const BATCH = 500;

/** `?, ?, …` for `n` values. */
const placeholders = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

export {
  type ErasedTicket,
  type ErasureSummary,
  eraseCustomerData,
  type FileRef,
  PrivacyError,
} from "./customerErasure.js";

const anyRecord = z.record(z.string(), z.unknown());

/** What an export holds, as JSON (instants as ISO strings). */
export interface CustomerExport {
  customer: Record<string, unknown>;
  identities: Record<string, unknown>[];
  conversations: Record<string, unknown>[];
  tickets: Record<string, unknown>[];
  messages: Record<string, unknown>[];
  feedback: Record<string, unknown>[];
  events: Record<string, unknown>[];
  files: FileRef[];
}

/** Whole rows of the tables a customer's export holds (every column of the schema, see rows.ts). */
const customerRow = rowReader("Customer");
const purchaseRow = rowReader("HardwarePurchase");
const ticketRecord = rowReader("Ticket");

/** The customer's tickets' ids (a subquery, so no list of ids is bound). */
const THEIR_TICKETS = `SELECT "id" FROM "Ticket" WHERE "customerId" = ?`;

/** The rows that belong to a customer: their record, tickets, chats, messages and events. */
async function scope(tx: SqlTx, code: string) {
  const c = await tx.row(`SELECT * FROM "Customer" WHERE "code" = ?`, code.trim().toUpperCase());
  if (!c) throw new PrivacyError("unknown-customer", `no customer with code "${code}"`);
  const customer = customerRow(c);
  const id = customer.id;
  const purchases = (
    await tx.rows(`SELECT * FROM "HardwarePurchase" WHERE "customerId" = ? ORDER BY "id"`, id)
  ).map(purchaseRow);
  const identities = (
    await tx.rows(
      `SELECT "channel", "externalId", "createdAt" FROM "ChannelIdentity" WHERE "customerId" = ? ORDER BY "id"`,
      id,
    )
  ).map((i) => ({ channel: str(i.channel), externalId: str(i.externalId), createdAt: date(i.createdAt) }));
  const tickets = (
    await tx.rows(`SELECT * FROM "Ticket" WHERE "customerId" = ? ORDER BY "createdAt" ASC`, id)
  ).map(ticketRecord);
  const conversations = (
    await tx.rows(
      `SELECT "channel", "chatId", "updatedAt", "snapshot" FROM "Conversation" WHERE "customerId" = ? ORDER BY "id"`,
      id,
    )
  ).map((v) => ({
    channel: str(v.channel),
    chatId: str(v.chatId),
    updatedAt: date(v.updatedAt),
    snapshot: str(v.snapshot),
  }));
  // Their chats: where their tickets were opened, their conversations, and their identities.
  const chats = new Map<string, { channel: string; chatId: string }>();
  const addChat = (channel: string, chatId: string) => {
    if (chatId) chats.set(`${channel}:${chatId}`, { channel, chatId });
  };
  for (const t of tickets) addChat(t.channel, t.chatId);
  for (const v of conversations) addChat(v.channel, v.chatId);
  for (const i of identities) addChat(i.channel, i.externalId);
  const inChats = [...chats.values()];
  const messages = (
    await tx.rows(
      `SELECT "channel", "chatId", "direction", "ticketId", "text", "body", "status", "at" FROM "Message"
       WHERE "ticketId" IN (${THEIR_TICKETS})${inChats.map(() => ` OR ("channel" = ? AND "chatId" = ?)`).join("")}
       ORDER BY "at" ASC, "id" ASC`,
      id,
      ...inChats.flatMap((chat) => [chat.channel, chat.chatId]),
    )
  ).map((m) => ({
    channel: str(m.channel),
    chatId: str(m.chatId),
    direction: str(m.direction),
    ticketId: maybeStr(m.ticketId),
    text: str(m.text),
    body: str(m.body),
    status: str(m.status),
    at: date(m.at),
  }));
  const events = (
    await tx.rows(
      `SELECT "ticketId", "type", "actor", "payload", "at" FROM "TicketEvent"
       WHERE "ticketId" IN (${THEIR_TICKETS}) OR "ticketId" IS NULL ORDER BY "at" ASC, "id" ASC`,
      id,
    )
  ).map((e) => ({
    ticketId: maybeStr(e.ticketId),
    type: str(e.type),
    actor: maybeStr(e.actor),
    payload: str(e.payload),
    at: date(e.at),
  }));
  const chatKeys = new Set(chats.keys());
  // Events without a ticket that name this customer (registration) or one of their chats (consent).
  const ownEvents = events.filter((e) => {
    if (e.ticketId) return true;
    const payload = parseJson(anyRecord, e.payload, {});
    return payload.customerId === id || (typeof payload.chat === "string" && chatKeys.has(payload.chat));
  });
  const feedback = (
    await tx.rows(
      `SELECT "ticketId", "rating", "comment", "at" FROM "Feedback" WHERE "ticketId" IN (${THEIR_TICKETS}) ORDER BY "at" ASC`,
      id,
    )
  ).map((f) => ({
    ticketId: str(f.ticketId),
    rating: num(f.rating),
    comment: maybeStr(f.comment),
    at: date(f.at),
  }));
  return {
    customer: { ...customer, purchases, identities },
    tickets,
    conversations,
    chats,
    messages,
    events: ownEvents,
    feedback,
  };
}

/** Everything held about the customer with `code`. @throws PrivacyError unknown-customer */
export async function collectCustomerData(on: SqlExecutor, code: string): Promise<CustomerExport> {
  const s = await onSql(on, (tx) => scope(tx, code));
  const { identities, purchases, ...record } = s.customer;
  const files = uniqueRefs([
    ...s.messages.flatMap((m) => refsOf(parseJson(anyRecord, m.body, {}))),
    ...s.tickets.flatMap((t) => refsOf(parseJson(anyRecord, t.coverage, {}))),
  ]);
  const numberOf = new Map(s.tickets.map((t) => [t.id, t.number]));
  return {
    customer: { ...record, plans: parseJson(z.array(z.string()), record.plans, []), purchases },
    identities: identities.map((i) => ({
      channel: i.channel,
      externalId: i.externalId,
      createdAt: i.createdAt,
    })),
    conversations: s.conversations.map((c) => ({
      channel: c.channel,
      chatId: c.chatId,
      updatedAt: c.updatedAt,
      state: parseJson(anyRecord, c.snapshot, {}),
    })),
    tickets: s.tickets.map((t) => ({
      ...t,
      coverage: parseJson(anyRecord, t.coverage, {}),
    })),
    messages: s.messages.map((m) => ({
      channel: m.channel,
      chatId: m.chatId,
      direction: m.direction,
      ticket: m.ticketId ? (numberOf.get(m.ticketId) ?? null) : null,
      text: m.text,
      body: parseJson(anyRecord, m.body, {}),
      status: m.status,
      at: m.at,
    })),
    feedback: s.feedback.map((f) => ({
      ticket: numberOf.get(f.ticketId) ?? null,
      rating: f.rating,
      comment: f.comment,
      at: f.at,
    })),
    events: s.events.map((e) => ({
      ticket: e.ticketId ? (numberOf.get(e.ticketId) ?? null) : null,
      type: e.type,
      actor: e.actor,
      payload: parseJson(anyRecord, e.payload, {}),
      at: e.at,
    })),
    files,
  };
}

export interface PurgeSummary {
  before: string;
  messages: number;
  events: number;
  files: FileRef[];
}

/**
 * Retention: deletes transcript lines older than `before` (undelivered outbound ones stay),
 * clears the free text of older customer/staff message events, and returns the files those
 * lines referenced (delete them after this returns; a file still referenced by a newer line is
 * not returned).
 */
export async function purgeTranscriptsBefore(db: Database, before: Date): Promise<PurgeSummary> {
  return db.transaction(async (tx) => {
    const old = await tx.rows(
      `SELECT "id", "body" FROM "Message" WHERE "at" < ? AND "status" <> 'pending'`,
      iso(before),
    );
    const refs = uniqueRefs(old.flatMap((m) => refsOf(parseJson(anyRecord, str(m.body), {}))));
    for (let i = 0; i < old.length; i += BATCH) {
      const ids = old.slice(i, i + BATCH).map((m) => str(m.id));
      await tx.write(`DELETE FROM "Message" WHERE "id" IN (${placeholders(ids.length)})`, ...ids);
    }
    const stillUsed = new Set<string>();
    for (let i = 0; i < refs.length; i += BATCH) {
      const some = refs.slice(i, i + BATCH);
      const newer = await tx.rows(
        `SELECT "body" FROM "Message" WHERE ${some.map(() => `"body" LIKE ? ESCAPE '\\'`).join(" OR ")}`,
        ...some.map((r) => containing(r.ref)),
      );
      for (const m of newer)
        for (const r of refsOf(parseJson(anyRecord, str(m.body), {}))) stillUsed.add(r.ref);
    }
    const textEvents = await tx.rows(
      `SELECT "id", "payload" FROM "TicketEvent"
       WHERE "at" < ? AND "type" IN ('customer.message', 'ticket.reply', 'ticket.asked', 'ticket.note') AND "payload" <> '{}'`,
      iso(before),
    );
    for (const e of textEvents) {
      await tx.write(
        `UPDATE "TicketEvent" SET "payload" = ? WHERE "id" = ?`,
        toJson(pick(parseJson(anyRecord, str(e.payload), {}), KEPT_EVENT_KEYS)),
        str(e.id),
      );
    }
    return {
      before: before.toISOString(),
      messages: old.length,
      events: textEvents.length,
      files: refs.filter((r) => !stillUsed.has(r.ref)),
    };
  });
}

/** Refuses a retention that would purge everything or nothing sensible. */
export function retentionCutoff(now: Date, months: number): Date {
  if (!Number.isInteger(months) || months < 1 || months > 1200) {
    throw new PrivacyError(
      "invalid-input",
      `retention must be whole months between 1 and 1200, got ${months}`,
    );
  }
  const cutoff = new Date(now);
  cutoff.setUTCMonth(cutoff.getUTCMonth() - months);
  return cutoff;
}

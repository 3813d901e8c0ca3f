/**
 * Personal data of a customer in the database: everything held about them (for an export), its
 * erasure (anonymised tickets and charges stay for invoicing, with an audit event), and the
 * retention purge of old transcripts. Files are referenced, not touched: the caller deletes the
 * references these functions return, after the transaction commits.
 */
import { z } from "zod";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { parseJson, toJson } from "./json.js";
import {
  anyRecord,
  type FileRef,
  KEPT_EVENT_KEYS,
  PrivacyError,
  pick,
  refsOf,
  setEventPayload,
  uniqueRefs,
} from "./personalData.js";
import { perShape, qb, statement } from "./schema/queryBuilder.js";
import { rowReader } from "./schema/rows.js";
import { containing, likeEscaped } from "./sqlLike.js";
import { date, iso, maybeStr, num, type SqlTx, str } from "./sqlTx.js";

/** Rows deleted, and file refs looked up, per statement. */
const BATCH = 500;

/** Named parameters `<prefix>0`, `<prefix>1`, … of a statement compiled per count. */
type Numbered<Prefix extends string> = Record<`${Prefix}${number}`, string>;
/** `{ prefix0: values[0], … }`, the arguments of a {@link Numbered} statement. */
// Object.fromEntries types its keys as any string; they are the prefix and an index here.
const numbered = <Prefix extends string>(prefix: Prefix, values: string[]): Numbered<Prefix> =>
  Object.fromEntries(values.map((v, i) => [`${prefix}${i}`, v])) as Numbered<Prefix>;

export { type ErasedTicket, type ErasureSummary, eraseCustomerData } from "./customerErasure.js";
export { type FileRef, PrivacyError } from "./personalData.js";

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
const theirTickets = (customerId: string) =>
  qb.selectFrom("Ticket").select("id").where("customerId", "=", customerId);

const customerByCode = statement<{ code: string }>((p) =>
  qb.selectFrom("Customer").selectAll().where("code", "=", p.code),
);
const wholePurchases = statement<{ customerId: string }>((p) =>
  qb.selectFrom("HardwarePurchase").selectAll().where("customerId", "=", p.customerId).orderBy("id"),
);
const identitiesOf = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("ChannelIdentity")
    .select(["channel", "externalId", "createdAt"])
    .where("customerId", "=", p.customerId)
    .orderBy("id"),
);
const ticketsOf = statement<{ customerId: string }>((p) =>
  qb.selectFrom("Ticket").selectAll().where("customerId", "=", p.customerId).orderBy("createdAt", "asc"),
);
const conversationsOf = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("Conversation")
    .select(["channel", "chatId", "updatedAt", "snapshot"])
    .where("customerId", "=", p.customerId)
    .orderBy("id"),
);
/** Transcript lines of the customer's tickets or of any of `n` chats (`channel<i>`, `chatId<i>`). */
const messagesOf = perShape((n: number) =>
  statement<{ customerId: string } & Numbered<"channel" | "chatId">>((p) =>
    qb
      .selectFrom("Message")
      .select(["channel", "chatId", "direction", "ticketId", "text", "body", "status", "at"])
      .where((eb) =>
        eb.or([
          eb("ticketId", "in", theirTickets(p.customerId)),
          ...Array.from({ length: n }, (_, i) =>
            eb.and([eb("channel", "=", p[`channel${i}`]!), eb("chatId", "=", p[`chatId${i}`]!)]),
          ),
        ]),
      )
      .orderBy("at", "asc")
      .orderBy("id", "asc"),
  ),
);
/** Events of the customer's tickets, and every event without a ticket (filtered by their payload). */
const eventsOf = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("TicketEvent")
    .select(["ticketId", "type", "actor", "payload", "at"])
    .where((eb) => eb.or([eb("ticketId", "in", theirTickets(p.customerId)), eb("ticketId", "is", null)]))
    .orderBy("at", "asc")
    .orderBy("id", "asc"),
);
const feedbackOf = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("Feedback")
    .select(["ticketId", "rating", "comment", "at"])
    .where("ticketId", "in", theirTickets(p.customerId))
    .orderBy("at", "asc"),
);

/** The rows that belong to a customer: their record, tickets, chats, messages and events. */
async function scope(tx: SqlTx, code: string) {
  const c = await tx.row(customerByCode.sql, ...customerByCode.args({ code: code.trim().toUpperCase() }));
  if (!c) throw new PrivacyError("unknown-customer", `no customer with code "${code}"`);
  const customer = customerRow(c);
  const id = customer.id;
  const byCustomer = { customerId: id };
  const purchases = (await tx.rows(wholePurchases.sql, ...wholePurchases.args(byCustomer))).map(purchaseRow);
  const identities = (await tx.rows(identitiesOf.sql, ...identitiesOf.args(byCustomer))).map((i) => ({
    channel: str(i.channel),
    externalId: str(i.externalId),
    createdAt: date(i.createdAt),
  }));
  const tickets = (await tx.rows(ticketsOf.sql, ...ticketsOf.args(byCustomer))).map(ticketRecord);
  const conversations = (await tx.rows(conversationsOf.sql, ...conversationsOf.args(byCustomer))).map(
    (v) => ({
      channel: str(v.channel),
      chatId: str(v.chatId),
      updatedAt: date(v.updatedAt),
      snapshot: str(v.snapshot),
    }),
  );
  // Their chats: where their tickets were opened, their conversations, and their identities.
  const chats = new Map<string, { channel: string; chatId: string }>();
  const addChat = (channel: string, chatId: string) => {
    if (chatId) chats.set(`${channel}:${chatId}`, { channel, chatId });
  };
  for (const t of tickets) addChat(t.channel, t.chatId);
  for (const v of conversations) addChat(v.channel, v.chatId);
  for (const i of identities) addChat(i.channel, i.externalId);
  const inChats = [...chats.values()];
  const messagesIn = messagesOf(inChats.length);
  const messages = (
    await tx.rows(
      messagesIn.sql,
      ...messagesIn.args({
        ...byCustomer,
        ...numbered(
          "channel",
          inChats.map((chat) => chat.channel),
        ),
        ...numbered(
          "chatId",
          inChats.map((chat) => chat.chatId),
        ),
      }),
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
  const events = (await tx.rows(eventsOf.sql, ...eventsOf.args(byCustomer))).map((e) => ({
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
  const feedback = (await tx.rows(feedbackOf.sql, ...feedbackOf.args(byCustomer))).map((f) => ({
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

const oldMessages = statement<{ before: string }>((p) =>
  qb.selectFrom("Message").select(["id", "body"]).where("at", "<", p.before).where("status", "<>", "pending"),
);
/** Messages by id (`id0`, `id1`, …: `n` of them). */
const deleteMessages = perShape((n: number) =>
  statement<Numbered<"id">>((p) =>
    qb.deleteFrom("Message").where(
      "id",
      "in",
      Array.from({ length: n }, (_, i) => p[`id${i}`]!),
    ),
  ),
);
/** Bodies of messages that contain any of `n` {@link containing} patterns (`like0`, `like1`, …). */
const bodiesContaining = perShape((n: number) =>
  statement<Numbered<"like">>((p) =>
    qb
      .selectFrom("Message")
      .select("body")
      .where((eb) => eb.or(Array.from({ length: n }, (_, i) => likeEscaped("body", p[`like${i}`]!)))),
  ),
);
/** Older events of kinds that carry what customers and staff wrote, not yet scrubbed. */
const textEventsBefore = statement<{ before: string }>((p) =>
  qb
    .selectFrom("TicketEvent")
    .select(["id", "payload"])
    .where("at", "<", p.before)
    .where("type", "in", ["customer.message", "ticket.reply", "ticket.asked", "ticket.note"])
    .where("payload", "<>", "{}"),
);

/**
 * Retention: deletes transcript lines older than `before` (undelivered outbound ones stay),
 * clears the free text of older customer/staff message events, and returns the files those
 * lines referenced (delete them after this returns; a file still referenced by a newer line is
 * not returned).
 */
export async function purgeTranscriptsBefore(db: Database, before: Date): Promise<PurgeSummary> {
  return db.transaction(async (tx) => {
    const old = await tx.rows(oldMessages.sql, ...oldMessages.args({ before: iso(before) }));
    const refs = uniqueRefs(old.flatMap((m) => refsOf(parseJson(anyRecord, str(m.body), {}))));
    for (let i = 0; i < old.length; i += BATCH) {
      const ids = old.slice(i, i + BATCH).map((m) => str(m.id));
      const deletion = deleteMessages(ids.length);
      await tx.write(deletion.sql, ...deletion.args(numbered("id", ids)));
    }
    const stillUsed = new Set<string>();
    for (let i = 0; i < refs.length; i += BATCH) {
      const some = refs.slice(i, i + BATCH);
      const lookup = bodiesContaining(some.length);
      const newer = await tx.rows(
        lookup.sql,
        ...lookup.args(
          numbered(
            "like",
            some.map((r) => containing(r.ref)),
          ),
        ),
      );
      for (const m of newer)
        for (const r of refsOf(parseJson(anyRecord, str(m.body), {}))) stillUsed.add(r.ref);
    }
    const textEvents = await tx.rows(textEventsBefore.sql, ...textEventsBefore.args({ before: iso(before) }));
    for (const e of textEvents) {
      await tx.write(
        setEventPayload.sql,
        ...setEventPayload.args({
          id: str(e.id),
          payload: toJson(pick(parseJson(anyRecord, str(e.payload), {}), KEPT_EVENT_KEYS)),
        }),
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

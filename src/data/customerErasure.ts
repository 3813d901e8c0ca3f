/**
 * Erasure of a customer's personal data, on the runtime's own transaction ({@link SqlTx}) with the
 * lock of each of their chats, so no message of theirs is being handled while it runs (and none
 * handled after it finds a conversation it already deleted). Fixed-shape statements, one per id,
 * so each is prepared once; jobs are matched in SQL, never loaded whole.
 */
import type { DomainEventName } from "../../flows/domainEvents.js";
import { lockChat } from "./coordination.js";
import type { Database } from "./database.js";
import { type JobToSchedule, scheduleJob } from "./jobStore.js";
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
import { qb, statement } from "./schema/queryBuilder.js";
import { deletePurchases } from "./sqlCustomers.js";
import { containing, likeEscaped } from "./sqlLike.js";
import { recordEvent } from "./sqlTickets.js";
import { iso, maybeStr, num, type SqlTx, str } from "./sqlTx.js";

/** Coverage keys kept on an erased customer's tickets (what the statement and reports read). */
const KEPT_COVERAGE_KEYS = new Set([
  "covered",
  "basis",
  "plan",
  "capMinutes",
  "weekendEligible",
  "freeMinutes",
  "charge",
]);

export interface ErasureSummary {
  code: string;
  tickets: number;
  messages: number;
  conversations: number;
  identities: number;
  feedback: number;
  /** Files the erased rows referenced: delete them after this returns. */
  files: FileRef[];
}

/** An erased customer's ticket and the desks that stored a reference for it (e.g. a Slack card). */
export interface ErasedTicket {
  number: string;
  desks: string[];
}

interface Scope {
  customer: { id: string; code: string };
  identities: { channel: string; externalId: string }[];
  tickets: { id: string; number: string; resolution: string | null; coverage: string }[];
  conversations: string[];
  /** Their chats by key (`channel:chatId`). */
  chats: Map<string, { channel: string; chatId: string }>;
}

const customerByCode = statement<{ code: string }>((p) =>
  qb.selectFrom("Customer").select(["id", "code"]).where("code", "=", p.code),
);
const identitiesOf = statement<{ customerId: string }>((p) =>
  qb.selectFrom("ChannelIdentity").select(["channel", "externalId"]).where("customerId", "=", p.customerId),
);
const ticketsOf = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("Ticket")
    .select(["id", "number", "channel", "chatId", "resolution", "coverage"])
    .where("customerId", "=", p.customerId)
    .orderBy("createdAt"),
);
const conversationsOf = statement<{ customerId: string }>((p) =>
  qb.selectFrom("Conversation").select(["id", "channel", "chatId"]).where("customerId", "=", p.customerId),
);

/** The customer, their tickets, conversations and chats (where their tickets were opened, their conversations, their identities). */
async function scope(tx: SqlTx, code: string): Promise<Scope> {
  const c = await tx.row(customerByCode.sql, ...customerByCode.args({ code: code.trim().toUpperCase() }));
  if (!c) throw new PrivacyError("unknown-customer", `no customer with code "${code}"`);
  const customer = { id: str(c.id), code: str(c.code) };
  const byCustomer = { customerId: customer.id };
  const identities = (await tx.rows(identitiesOf.sql, ...identitiesOf.args(byCustomer))).map((r) => ({
    channel: str(r.channel),
    externalId: str(r.externalId),
  }));
  const tickets = await tx.rows(ticketsOf.sql, ...ticketsOf.args(byCustomer));
  const conversations = await tx.rows(conversationsOf.sql, ...conversationsOf.args(byCustomer));
  const chats = new Map<string, { channel: string; chatId: string }>();
  const addChat = (channel: unknown, chatId: unknown) => {
    if (chatId) chats.set(`${str(channel)}:${str(chatId)}`, { channel: str(channel), chatId: str(chatId) });
  };
  for (const t of tickets) addChat(t.channel, t.chatId);
  for (const r of conversations) addChat(r.channel, r.chatId);
  for (const i of identities) addChat(i.channel, i.externalId);
  return {
    customer,
    identities,
    tickets: tickets.map((t) => ({
      id: str(t.id),
      number: str(t.number),
      resolution: maybeStr(t.resolution),
      coverage: str(t.coverage),
    })),
    conversations: conversations.map((r) => str(r.id)),
    chats,
  };
}

const messagesOfTicket = statement<{ ticketId: string }>((p) =>
  qb.selectFrom("Message").select(["id", "body"]).where("ticketId", "=", p.ticketId),
);
const messagesOfChat = statement<{ channel: string; chatId: string }>((p) =>
  qb
    .selectFrom("Message")
    .select(["id", "body"])
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId),
);
const deleteMessage = statement<{ id: string }>((p) => qb.deleteFrom("Message").where("id", "=", p.id));
const deleteConversation = statement<{ id: string }>((p) =>
  qb.deleteFrom("Conversation").where("id", "=", p.id),
);
const deleteChatConversation = statement<{ channel: string; chatId: string }>((p) =>
  qb.deleteFrom("Conversation").where("channel", "=", p.channel).where("chatId", "=", p.chatId),
);
const deleteIdentities = statement<{ customerId: string }>((p) =>
  qb.deleteFrom("ChannelIdentity").where("customerId", "=", p.customerId),
);
/** A ticket's free text cleared: no description, an empty resolution if it had one. */
const eraseTicket = statement<{
  id: string;
  resolution: string | null;
  chatId: string;
  coverage: string;
  updatedAt: string;
}>((p) =>
  qb
    .updateTable("Ticket")
    .set({
      description: "",
      resolution: p.resolution,
      chatId: p.chatId,
      coverage: p.coverage,
      updatedAt: p.updatedAt,
    })
    .where("id", "=", p.id),
);
const eventsOfTicket = statement<{ ticketId: string }>((p) =>
  qb.selectFrom("TicketEvent").select(["id", "payload"]).where("ticketId", "=", p.ticketId),
);
const commentedFeedback = statement<{ ticketId: string }>((p) =>
  qb
    .selectFrom("Feedback")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("ticketId", "=", p.ticketId)
    .where("comment", "is not", null)
    .where("comment", "<>", ""),
);
const clearFeedbackComments = statement<{ ticketId: string }>((p) =>
  qb.updateTable("Feedback").set({ comment: null }).where("ticketId", "=", p.ticketId),
);
/** Events without a ticket whose payload contains a {@link containing} pattern. */
const ticketlessEventsContaining = statement<{ like: string }>((p) =>
  qb
    .selectFrom("TicketEvent")
    .select(["id", "payload"])
    .where("ticketId", "is", null)
    .where(likeEscaped("payload", p.like)),
);
/** Jobs whose key or payload contains a {@link containing} pattern. */
const deleteJobsContaining = statement<{ like: string }>((p) =>
  qb.deleteFrom("Job").where((eb) => eb.or([likeEscaped("key", p.like), likeEscaped("payload", p.like)])),
);
const desksOfTicket = statement<{ ticketId: string }>((p) =>
  qb.selectFrom("TicketDeskRef").select("desk").where("ticketId", "=", p.ticketId).orderBy("desk"),
);
/** The customer's record anonymised (verified bound as 0, as booleans are stored). */
const eraseCustomer = statement<{ id: string; company: string; updatedAt: string }>((p) =>
  qb
    .updateTable("Customer")
    .set({
      company: p.company,
      contactName: null,
      phone: null,
      email: null,
      verified: 0,
      updatedAt: p.updatedAt,
    })
    .where("id", "=", p.id),
);

/**
 * Erases the personal data of the customer with `code` in one transaction: contact details,
 * identities, conversations, transcripts, free text on tickets, events and feedback. Tickets
 * keep number, dates, category, minutes, coverage and charges (invoicing); an audit event
 * `customer.erased` records who did it. `jobsFor` gives the jobs to schedule in the same
 * transaction for the erased tickets (telling desks to remove what they posted).
 * @throws PrivacyError unknown-customer
 */
export async function eraseCustomerData(
  db: Database,
  code: string,
  audit: { actor: string; at: Date },
  jobsFor: (tickets: ErasedTicket[]) => JobToSchedule[] = () => [],
): Promise<ErasureSummary> {
  return db.transaction((tx) => eraseIn(tx, code, audit, jobsFor));
}

async function eraseIn(
  tx: SqlTx,
  code: string,
  audit: { actor: string; at: Date },
  jobsFor: (tickets: ErasedTicket[]) => JobToSchedule[],
): Promise<ErasureSummary> {
  // Their chats' locks first (in one order), then the scope again: a chat found meanwhile is
  // locked too, until none is new.
  const locked = new Set<string>();
  let s = await scope(tx, code);
  for (;;) {
    const fresh = [...s.chats.keys()].filter((k) => !locked.has(k)).sort();
    if (fresh.length === 0) break;
    for (const key of fresh) {
      await lockChat(tx, key);
      locked.add(key);
    }
    s = await scope(tx, code);
  }
  const at = iso(audit.at);
  const id = s.customer.id;
  const files: FileRef[] = s.tickets.flatMap((t) => refsOf(parseJson(anyRecord, t.coverage, {})));

  // Transcripts: of their tickets and of their chats.
  const messageIds = new Set<string>();
  const takeMessages = (rows: Record<string, unknown>[]) => {
    for (const m of rows) {
      if (messageIds.has(str(m.id))) continue;
      messageIds.add(str(m.id));
      files.push(...refsOf(parseJson(anyRecord, str(m.body), {})));
    }
  };
  for (const t of s.tickets)
    takeMessages(await tx.rows(messagesOfTicket.sql, ...messagesOfTicket.args({ ticketId: t.id })));
  for (const chat of s.chats.values())
    takeMessages(await tx.rows(messagesOfChat.sql, ...messagesOfChat.args(chat)));
  for (const messageId of messageIds)
    await tx.write(deleteMessage.sql, ...deleteMessage.args({ id: messageId }));
  for (const conversationId of s.conversations)
    await tx.write(deleteConversation.sql, ...deleteConversation.args({ id: conversationId }));
  for (const chat of s.chats.values())
    await tx.write(deleteChatConversation.sql, ...deleteChatConversation.args(chat));
  await tx.write(deleteIdentities.sql, ...deleteIdentities.args({ customerId: id }));
  await tx.write(deletePurchases.sql, ...deletePurchases.args({ customerId: id }));

  // Tickets keep what invoicing reads; their events keep facts only, their feedback no comment.
  let feedback = 0;
  const eventIds = new Set<string>();
  const scrubEvent = async (e: Record<string, unknown>) => {
    if (eventIds.has(str(e.id))) return;
    eventIds.add(str(e.id));
    await tx.write(
      setEventPayload.sql,
      ...setEventPayload.args({
        id: str(e.id),
        payload: toJson(pick(parseJson(anyRecord, str(e.payload), {}), KEPT_EVENT_KEYS)),
      }),
    );
  };
  for (const t of s.tickets) {
    await tx.write(
      eraseTicket.sql,
      ...eraseTicket.args({
        id: t.id,
        resolution: t.resolution === null ? null : "",
        chatId: `erased-${t.number}`,
        coverage: toJson(pick(parseJson(anyRecord, t.coverage, {}), KEPT_COVERAGE_KEYS)),
        updatedAt: at,
      }),
    );
    const ofTicket = { ticketId: t.id };
    for (const e of await tx.rows(eventsOfTicket.sql, ...eventsOfTicket.args(ofTicket))) await scrubEvent(e);
    const commented = await tx.row(commentedFeedback.sql, ...commentedFeedback.args(ofTicket));
    feedback += num(commented?.n ?? 0);
    await tx.write(clearFeedbackComments.sql, ...clearFeedbackComments.args(ofTicket));
  }
  // Events without a ticket that name this customer (registration) or one of their chats (consent).
  const candidates = [
    ...(await tx.rows(
      ticketlessEventsContaining.sql,
      ...ticketlessEventsContaining.args({ like: containing(id) }),
    )),
  ];
  for (const key of s.chats.keys()) {
    candidates.push(
      ...(await tx.rows(
        ticketlessEventsContaining.sql,
        ...ticketlessEventsContaining.args({ like: containing(key) }),
      )),
    );
  }
  for (const e of candidates) {
    const payload = parseJson(anyRecord, str(e.payload), {});
    if (payload.customerId === id || (typeof payload.chat === "string" && s.chats.has(payload.chat)))
      await scrubEvent(e);
  }

  // Work still queued for their chats or tickets (AI jobs carry the text) goes too.
  for (const key of [...s.chats.keys(), ...s.tickets.map((t) => t.number)]) {
    await tx.write(deleteJobsContaining.sql, ...deleteJobsContaining.args({ like: containing(key) }));
  }
  // Desks that posted about a ticket (their reference kept, as the ticket is) are told to clean up.
  const posted: ErasedTicket[] = [];
  for (const t of s.tickets) {
    const desks = (await tx.rows(desksOfTicket.sql, ...desksOfTicket.args({ ticketId: t.id }))).map((r) =>
      str(r.desk),
    );
    if (desks.length > 0) posted.push({ number: t.number, desks });
  }
  for (const job of jobsFor(posted)) await scheduleJob(tx, job);
  await tx.write(
    eraseCustomer.sql,
    ...eraseCustomer.args({ id, company: `[erased ${s.customer.code}]`, updatedAt: at }),
  );
  const unique = uniqueRefs(files);
  const summary = {
    code: s.customer.code,
    tickets: s.tickets.length,
    messages: messageIds.size,
    conversations: s.conversations.length,
    identities: s.identities.length,
    feedback,
  };
  await recordEvent(tx, {
    ticketId: null,
    type: "customer.erased" satisfies DomainEventName,
    actor: audit.actor,
    payload: toJson({ customerId: id, ...summary, files: unique.length }),
    at: audit.at,
  });
  return { ...summary, files: unique };
}

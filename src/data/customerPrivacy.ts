/**
 * Personal data of a customer in the database: everything held about them (for an export), its
 * erasure (anonymised tickets and charges stay for invoicing, with an audit event), and the
 * retention purge of old transcripts. Files are referenced, not touched: the caller deletes the
 * references these functions return, after the transaction commits.
 */
import { z } from "zod";
import type { DomainEventName } from "../../flows/domainEvents.js";
import { type FileRef, KEPT_EVENT_KEYS, PrivacyError, pick, refsOf, uniqueRefs } from "./customerErasure.js";
import { type Database, type Prisma, type PrismaExecutor, prismaOf, type Tx } from "./database.js";
import { parseJson, toJson } from "./json.js";

type Client = Tx | Prisma;

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

/** The rows that belong to a customer: their record, tickets, chats, messages and events. */
async function scope(tx: Client, code: string) {
  const customer = await tx.customer.findUnique({
    where: { code: code.trim().toUpperCase() },
    include: { purchases: true, identities: true },
  });
  if (!customer) throw new PrivacyError("unknown-customer", `no customer with code "${code}"`);
  const tickets = await tx.ticket.findMany({
    where: { customerId: customer.id },
    orderBy: { createdAt: "asc" },
  });
  const conversations = await tx.conversation.findMany({ where: { customerId: customer.id } });
  // Their chats: where their tickets were opened, their conversations, and their identities.
  const chats = new Map<string, { channel: string; chatId: string }>();
  const addChat = (channel: string, chatId: string) => {
    if (chatId) chats.set(`${channel}:${chatId}`, { channel, chatId });
  };
  for (const t of tickets) addChat(t.channel, t.chatId);
  for (const c of conversations) addChat(c.channel, c.chatId);
  for (const i of customer.identities) addChat(i.channel, i.externalId);
  const ticketIds = tickets.map((t) => t.id);
  const messages = await tx.message.findMany({
    where: {
      OR: [
        { ticketId: { in: ticketIds } },
        ...[...chats.values()].map((c) => ({ channel: c.channel, chatId: c.chatId })),
      ],
    },
    orderBy: [{ at: "asc" }, { id: "asc" }],
  });
  const events = await tx.ticketEvent.findMany({
    where: { OR: [{ ticketId: { in: ticketIds } }, { ticketId: null }] },
    orderBy: [{ at: "asc" }, { id: "asc" }],
  });
  const chatKeys = new Set(chats.keys());
  // Events without a ticket that name this customer (registration) or one of their chats (consent).
  const ownEvents = events.filter((e) => {
    if (e.ticketId) return true;
    const payload = parseJson(anyRecord, e.payload, {});
    return (
      payload.customerId === customer.id || (typeof payload.chat === "string" && chatKeys.has(payload.chat))
    );
  });
  const feedback = await tx.feedback.findMany({
    where: { ticketId: { in: ticketIds } },
    orderBy: { at: "asc" },
  });
  return { customer, tickets, conversations, chats, messages, events: ownEvents, feedback };
}

/** Everything held about the customer with `code`. @throws PrivacyError unknown-customer */
export async function collectCustomerData(on: PrismaExecutor, code: string): Promise<CustomerExport> {
  const tx = prismaOf(on);
  const s = await scope(tx, code);
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
  return db.prisma.$transaction(async (tx) => {
    const old = await tx.message.findMany({
      where: { at: { lt: before }, status: { not: "pending" } },
      select: { id: true, body: true },
    });
    const refs = uniqueRefs(old.flatMap((m) => refsOf(parseJson(anyRecord, m.body, {}))));
    for (let i = 0; i < old.length; i += 500) {
      await tx.message.deleteMany({ where: { id: { in: old.slice(i, i + 500).map((m) => m.id) } } });
    }
    const stillUsed = new Set<string>();
    if (refs.length > 0) {
      const newer = await tx.message.findMany({
        where: { OR: refs.map((r) => ({ body: { contains: r.ref } })) },
        select: { body: true },
      });
      for (const m of newer) for (const r of refsOf(parseJson(anyRecord, m.body, {}))) stillUsed.add(r.ref);
    }
    const textEvents = await tx.ticketEvent.findMany({
      where: {
        at: { lt: before },
        type: {
          in: ["customer.message", "ticket.reply", "ticket.asked", "ticket.note"] satisfies DomainEventName[],
        },
        NOT: { payload: "{}" },
      },
      select: { id: true, payload: true },
    });
    for (const e of textEvents) {
      await tx.ticketEvent.update({
        where: { id: e.id },
        data: { payload: toJson(pick(parseJson(anyRecord, e.payload, {}), KEPT_EVENT_KEYS)) },
      });
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

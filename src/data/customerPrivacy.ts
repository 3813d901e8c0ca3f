/**
 * Personal data of a customer in the database: everything held about them (for an export), its
 * erasure (anonymised tickets and charges stay for invoicing, with an audit event), and the
 * retention purge of old transcripts. Files are referenced, not touched: the caller deletes the
 * references these functions return, after the transaction commits.
 */
import { z } from "zod";
import { CodedError } from "../errors.js";
import type { Database, Prisma, Tx } from "./database.js";
import { type JobToSchedule, scheduleJob } from "./jobStore.js";
import { parseJson, toJson } from "./json.js";

type Client = Tx | Prisma;

const anyRecord = z.record(z.string(), z.unknown());

/** A stored file a row points to (media store ref or `web-upload:<id>`), with its shown name. */
export interface FileRef {
  ref: string;
  name: string | null;
  mime: string | null;
}

export type PrivacyErrorCode = "unknown-customer" | "invalid-input";

/** Stable error codes of the personal-data operations. */
export class PrivacyError extends CodedError<PrivacyErrorCode> {}

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

/** Attachment refs in a message body or a ticket's coverage. */
function refsOf(value: Record<string, unknown>): FileRef[] {
  const attachments = Array.isArray(value.attachments) ? value.attachments : [];
  return attachments.flatMap((a): FileRef[] => {
    if (!a || typeof a !== "object") return [];
    const r = a as Record<string, unknown>;
    return typeof r.ref === "string" && r.ref
      ? [
          {
            ref: r.ref,
            name: typeof r.name === "string" ? r.name : null,
            mime: typeof r.mime === "string" ? r.mime : null,
          },
        ]
      : [];
  });
}

function uniqueRefs(refs: FileRef[]): FileRef[] {
  const seen = new Map<string, FileRef>();
  for (const r of refs) if (!seen.has(r.ref)) seen.set(r.ref, r);
  return [...seen.values()];
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
export async function collectCustomerData(tx: Client, code: string): Promise<CustomerExport> {
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
      deskRef: undefined,
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

/** Event payload keys kept by an erasure: facts needed for invoicing and reports, no free text. */
const KEPT_EVENT_KEYS = new Set([
  "number",
  "category",
  "priority",
  "blocking",
  "status",
  "minutes",
  "plan",
  "charge",
  "rating",
  "covered",
  "basis",
]);
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

function pick(value: Record<string, unknown>, keys: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => keys.has(k)));
}

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
  return db.prisma.$transaction(async (tx) => {
    const s = await scope(tx, code);
    const files = uniqueRefs([
      ...s.messages.flatMap((m) => refsOf(parseJson(anyRecord, m.body, {}))),
      ...s.tickets.flatMap((t) => refsOf(parseJson(anyRecord, t.coverage, {}))),
    ]);
    const id = s.customer.id;
    const erasedName = `[erased ${s.customer.code}]`;
    // Empty id lists are skipped: an empty IN is not a statement to send.
    if (s.messages.length)
      await tx.message.deleteMany({ where: { id: { in: s.messages.map((m) => m.id) } } });
    if (s.conversations.length) {
      await tx.conversation.deleteMany({ where: { id: { in: s.conversations.map((c) => c.id) } } });
    }
    for (const chat of s.chats.values()) {
      await tx.conversation.deleteMany({ where: { channel: chat.channel, chatId: chat.chatId } });
    }
    await tx.channelIdentity.deleteMany({ where: { customerId: id } });
    await tx.hardwarePurchase.deleteMany({ where: { customerId: id } });
    for (const t of s.tickets) {
      await tx.ticket.update({
        where: { id: t.id },
        data: {
          description: "",
          resolution: t.resolution === null ? null : "",
          chatId: `erased-${t.number}`,
          coverage: toJson(pick(parseJson(anyRecord, t.coverage, {}), KEPT_COVERAGE_KEYS)),
        },
      });
    }
    for (const e of s.events) {
      await tx.ticketEvent.update({
        where: { id: e.id },
        data: { payload: toJson(pick(parseJson(anyRecord, e.payload, {}), KEPT_EVENT_KEYS)) },
      });
    }
    if (s.feedback.length)
      await tx.feedback.updateMany({
        where: { id: { in: s.feedback.map((f) => f.id) } },
        data: { comment: null },
      });
    // Work still queued for their chats (AI jobs carry the text) goes too.
    const keys = [...s.chats.keys(), ...s.tickets.map((t) => t.number)];
    const jobs = await tx.job.findMany({ select: { id: true, key: true, payload: true } });
    const theirs = jobs.filter((j) => keys.some((k) => j.key.includes(k) || j.payload.includes(k)));
    if (theirs.length) await tx.job.deleteMany({ where: { id: { in: theirs.map((j) => j.id) } } });
    // Desks that posted about a ticket (their reference kept, as the ticket is) are told to clean up.
    const refs = s.tickets.length
      ? await tx.ticketDeskRef.findMany({
          where: { ticketId: { in: s.tickets.map((t) => t.id) } },
          select: { ticketId: true, desk: true },
        })
      : [];
    const posted = s.tickets
      .map((t) => ({ number: t.number, desks: refs.filter((r) => r.ticketId === t.id).map((r) => r.desk) }))
      .filter((t) => t.desks.length > 0);
    for (const job of jobsFor(posted)) await scheduleJob(tx, job);
    await tx.customer.update({
      where: { id },
      data: { company: erasedName, contactName: null, phone: null, email: null, verified: false },
    });
    const summary = {
      code: s.customer.code,
      tickets: s.tickets.length,
      messages: s.messages.length,
      conversations: s.conversations.length,
      identities: s.customer.identities.length,
      feedback: s.feedback.filter((f) => f.comment).length,
    };
    await tx.ticketEvent.create({
      data: {
        ticketId: null,
        type: "customer.erased",
        actor: audit.actor,
        payload: toJson({ customerId: id, ...summary, files: files.length }),
        at: audit.at,
      },
    });
    return { ...summary, files };
  });
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
        type: { in: ["customer.message", "ticket.reply", "ticket.asked", "ticket.note"] },
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

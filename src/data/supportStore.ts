/**
 * Everything the runtime reads and writes, as small functions over a transaction client. The
 * runtime decides *what* to store; this file only knows *how*.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Prisma, Tx } from "./database.js";
import { parseJson, toJson } from "./json.js";
import * as sql from "./sqlStore.js";
import { SqlTx } from "./sqlTx.js";

/** Prisma (outside or inside a `$transaction`). */
type PrismaClient = Tx | Prisma;
/** Where a transactional read or write runs: Prisma, or the SQLite hot path's own transaction. */
type Client = PrismaClient | SqlTx;

const stringArray = z.array(z.string());

// ---------------------------------------------------------------------------------------------
// Customers

export interface CustomerRecord {
  id: string;
  code: string;
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
  language: string;
  plans: string[];
  verified: boolean;
  salesRep: string | null;
  purchases: { item: string; purchasedOn: string; warrantyMonths: number }[];
}

const customerInclude = { purchases: true } as const;

function toCustomerRecord(row: {
  id: string;
  code: string;
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
  language: string;
  plans: string;
  verified: boolean;
  salesRep: string | null;
  purchases: { item: string; purchasedOn: string; warrantyMonths: number }[];
}): CustomerRecord {
  return {
    id: row.id,
    code: row.code,
    company: row.company,
    contactName: row.contactName,
    phone: row.phone,
    email: row.email,
    language: row.language,
    plans: parseJson(stringArray, row.plans, []),
    verified: row.verified,
    salesRep: row.salesRep,
    purchases: row.purchases.map((p) => ({
      item: p.item,
      purchasedOn: p.purchasedOn,
      warrantyMonths: p.warrantyMonths,
    })),
  };
}

/** The customer behind a channel identity, else (WhatsApp) the one with that phone number. */
export async function findCustomerForSender(
  tx: Client,
  channel: string,
  senderId: string,
  phone: string | null,
): Promise<CustomerRecord | null> {
  if (tx instanceof SqlTx) {
    const found = await sql.findCustomerForSender(tx, channel, senderId, phone);
    if (found || channel !== "email") return found;
    // An e-mail sender is the customer with that address, whatever its case.
    const byEmail = await findCustomerByEmail(tx, senderId);
    if (byEmail) await sql.linkIdentity(tx, byEmail.id, channel, senderId);
    return byEmail;
  }
  const identity = await tx.channelIdentity.findUnique({
    where: { channel_externalId: { channel, externalId: senderId } },
    include: { customer: { include: customerInclude } },
  });
  if (identity) return toCustomerRecord(identity.customer);
  if (phone) {
    const byPhone = await tx.customer.findUnique({ where: { phone }, include: customerInclude });
    if (byPhone) {
      await tx.channelIdentity.create({ data: { channel, externalId: senderId, customerId: byPhone.id } });
      return toCustomerRecord(byPhone);
    }
  }
  if (channel === "email") {
    // An e-mail sender is the customer with that address, whatever its case.
    const byEmail = await findCustomerByEmail(tx, senderId);
    if (byEmail) {
      await tx.channelIdentity.create({ data: { channel, externalId: senderId, customerId: byEmail.id } });
      return byEmail;
    }
  }
  return null;
}

/** The customer with this e-mail address (case-insensitive), the oldest when several share it. */
export async function findCustomerByEmail(tx: Client, email: string): Promise<CustomerRecord | null> {
  const address = email.trim().toLowerCase();
  if (!address) return null;
  const id =
    tx instanceof SqlTx
      ? await sql.customerIdByEmail(tx, address)
      : (await tx.$queryRawUnsafe<{ id: string }[]>(sql.CUSTOMER_ID_BY_EMAIL.replace("?", "$1"), address))[0]
          ?.id;
  return id ? getCustomer(tx, id) : null;
}

export async function findCustomerByCode(tx: Client, code: string): Promise<CustomerRecord | null> {
  if (tx instanceof SqlTx) return sql.findCustomerByCode(tx, code);
  const row = await tx.customer.findUnique({ where: { code: code.toUpperCase() }, include: customerInclude });
  return row ? toCustomerRecord(row) : null;
}

export async function linkIdentity(
  tx: Client,
  customerId: string,
  channel: string,
  externalId: string,
): Promise<void> {
  if (tx instanceof SqlTx) return sql.linkIdentity(tx, customerId, channel, externalId);
  await tx.channelIdentity.upsert({
    where: { channel_externalId: { channel, externalId } },
    create: { channel, externalId, customerId },
    update: { customerId },
  });
}

export function newCustomerCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join("");
}

export interface NewCustomer {
  company: string;
  contactName?: string | null;
  phone?: string | null;
  email?: string | null;
  language: string;
  plans?: string[];
  verified: boolean;
  salesRep?: string | null;
  purchases?: { item: string; purchasedOn: string; warrantyMonths: number }[];
}

export async function createCustomer(tx: Client, data: NewCustomer): Promise<CustomerRecord> {
  if (tx instanceof SqlTx) return sql.createCustomer(tx, newCustomerCode(), data);
  const row = await tx.customer.create({
    data: {
      code: newCustomerCode(),
      company: data.company,
      contactName: data.contactName ?? null,
      phone: data.phone ?? null,
      email: data.email ?? null,
      language: data.language,
      plans: toJson(data.plans ?? []),
      verified: data.verified,
      salesRep: data.salesRep ?? null,
      purchases: { create: data.purchases ?? [] },
    },
    include: customerInclude,
  });
  return toCustomerRecord(row);
}

export async function setCustomerLanguage(tx: Client, customerId: string, language: string): Promise<void> {
  if (tx instanceof SqlTx) return sql.setCustomerLanguage(tx, customerId, language);
  await tx.customer.update({ where: { id: customerId }, data: { language } });
}

export async function getCustomer(tx: Client, id: string): Promise<CustomerRecord | null> {
  if (tx instanceof SqlTx) return sql.getCustomer(tx, id);
  const row = await tx.customer.findUnique({ where: { id }, include: customerInclude });
  return row ? toCustomerRecord(row) : null;
}

// ---------------------------------------------------------------------------------------------
// Messages: transcript and outbound queue

export const attachmentMetaSchema = z.object({
  kind: z.string(),
  mime: z.string().optional(),
  name: z.string().optional(),
  size: z.number().optional(),
  ref: z.string().optional(),
});
export const messageBodySchema = z.object({
  choices: z.array(z.object({ id: z.string(), label: z.string() })).optional(),
  attachments: z.array(attachmentMetaSchema).optional(),
  author: z.string().optional(),
  kind: z.string().optional(),
  /** E-mail subject for messages that start their own thread (close summary, sales rep). */
  subject: z.string().optional(),
});
export type MessageBody = z.infer<typeof messageBodySchema>;

/** True when this platform message was already stored (a redelivery). */
export async function inboundSeen(tx: Client, channel: string, platformMessageId: string): Promise<boolean> {
  if (tx instanceof SqlTx) return sql.inboundSeen(tx, channel, platformMessageId);
  const row = await tx.message.findUnique({
    where: { channel_platformMessageId: { channel, platformMessageId } },
    select: { id: true },
  });
  return row !== null;
}

export async function storeInbound(
  tx: Client,
  m: {
    channel: string;
    chatId: string;
    platformMessageId: string;
    text: string;
    body: MessageBody;
    at: Date;
    ticketId?: string | null;
  },
): Promise<string> {
  if (tx instanceof SqlTx)
    return sql.insertMessage(tx, {
      ...m,
      direction: "in",
      body: toJson(m.body),
      status: "stored",
      nextAttemptAt: null,
      ticketId: m.ticketId ?? null,
    });
  const row = await tx.message.create({
    data: {
      channel: m.channel,
      chatId: m.chatId,
      direction: "in",
      platformMessageId: m.platformMessageId,
      text: m.text,
      body: toJson(m.body),
      at: m.at,
      status: "stored",
      ticketId: m.ticketId ?? null,
    },
    select: { id: true },
  });
  return row.id;
}

export async function queueOutbound(
  tx: Client,
  m: { channel: string; chatId: string; text: string; body: MessageBody; at: Date; ticketId?: string | null },
): Promise<string> {
  if (tx instanceof SqlTx)
    return sql.insertMessage(tx, {
      ...m,
      direction: "out",
      platformMessageId: null,
      body: toJson(m.body),
      status: "pending",
      nextAttemptAt: m.at,
      ticketId: m.ticketId ?? null,
    });
  const row = await tx.message.create({
    data: {
      channel: m.channel,
      chatId: m.chatId,
      direction: "out",
      text: m.text,
      body: toJson(m.body),
      at: m.at,
      status: "pending",
      nextAttemptAt: m.at,
      ticketId: m.ticketId ?? null,
    },
    select: { id: true },
  });
  return row.id;
}

/** Replaces the text of a queued outbound message (an e-mail gathering one turn's replies). */
export async function setOutboundText(tx: Client, id: string, text: string): Promise<void> {
  if (tx instanceof SqlTx) return sql.setOutboundText(tx, id, text);
  await tx.message.update({ where: { id }, data: { text } });
}

export interface OutboundRow {
  id: string;
  channel: string;
  chatId: string;
  text: string;
  body: MessageBody;
  attempts: number;
}

/** Pending outbound messages due for a (re)try, oldest first. */
export async function pendingOutbound(
  tx: PrismaClient,
  now: Date,
  limit = 200,
  ids?: string[],
): Promise<OutboundRow[]> {
  const rows = await tx.message.findMany({
    where: {
      direction: "out",
      status: "pending",
      ...(ids ? { id: { in: ids } } : { nextAttemptAt: { lte: now } }),
    },
    orderBy: [{ at: "asc" }, { id: "asc" }],
    take: limit,
  });
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    chatId: r.chatId,
    text: r.text,
    body: parseJson(messageBodySchema, r.body, {}),
    attempts: r.attempts,
  }));
}

/** A chat's undelivered messages, oldest first, with their next attempt time. */
export async function pendingForChat(
  tx: Client,
  channel: string,
  chatId: string,
): Promise<(OutboundRow & { nextAttemptAt: Date | null })[]> {
  if (tx instanceof SqlTx)
    return (await sql.pendingForChat(tx, channel, chatId)).map((r) => ({
      ...r,
      body: parseJson(messageBodySchema, r.body, {}),
    }));
  const rows = await tx.message.findMany({
    where: { channel, chatId, direction: "out", status: "pending" },
    orderBy: [{ at: "asc" }, { id: "asc" }],
    take: 100,
  });
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    chatId: r.chatId,
    text: r.text,
    body: parseJson(messageBodySchema, r.body, {}),
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
  }));
}

export async function markDelivered(tx: Client, ids: string[], at: Date): Promise<void> {
  if (tx instanceof SqlTx) return sql.markDelivered(tx, ids, at);
  if (ids.length === 0) return;
  await tx.message.updateMany({
    where: { id: { in: ids } },
    data: { status: "sent", deliveredAt: at, attempts: { increment: 1 }, claimedBy: null, leaseUntil: null },
  });
}

export async function markDeliveryFailed(
  tx: Client,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  if (tx instanceof SqlTx) return sql.markDeliveryFailed(tx, id, error, retryAt);
  await tx.message.update({
    where: { id },
    data: {
      status: retryAt ? "pending" : "failed",
      attempts: { increment: 1 },
      lastError: error.slice(0, 1000),
      nextAttemptAt: retryAt,
      claimedBy: null,
      leaseUntil: null,
    },
  });
}

export async function countPendingOutbound(tx: Client): Promise<number> {
  if (tx instanceof SqlTx) return sql.countPendingOutbound(tx);
  return tx.message.count({ where: { direction: "out", status: "pending" } });
}

export interface TranscriptLine {
  /** The message row (an outbound line's outbox id). */
  id: string;
  /** Inbound: the platform's message id. */
  platformMessageId: string | null;
  direction: string;
  text: string;
  at: Date;
  body: MessageBody;
  /** Outbound only: the message reached the platform. */
  delivered: boolean;
}

/**
 * A ticket's transcript: the messages linked to it, plus everything in its chat between its
 * opening and its closing (the bot's confirmations, claim and closing lines).
 */
export async function transcript(
  tx: PrismaClient,
  ticket: { id: string; channel: string; chatId: string; createdAt: Date; closedAt: Date | null },
): Promise<TranscriptLine[]> {
  const next = ticket.closedAt
    ? await tx.ticket.findFirst({
        where: { channel: ticket.channel, chatId: ticket.chatId, createdAt: { gt: ticket.createdAt } },
        orderBy: { createdAt: "asc" },
        select: { createdAt: true },
      })
    : null;
  const rows = await tx.message.findMany({
    where: {
      OR: [
        { ticketId: ticket.id },
        {
          channel: ticket.channel,
          chatId: ticket.chatId,
          // After the close the chat goes on (outcome, rating, comment) until its next ticket opens.
          at: { gte: ticket.createdAt, ...(next ? { lt: next.createdAt } : {}) },
        },
      ],
    },
    orderBy: [{ at: "asc" }, { id: "asc" }],
  });
  return rows.map(toTranscriptLine);
}

/** The last `limit` messages of a chat, oldest first. */
export async function chatTranscript(
  tx: PrismaClient,
  channel: string,
  chatId: string,
  limit = 500,
): Promise<TranscriptLine[]> {
  const rows = await tx.message.findMany({
    where: { channel, chatId },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: limit,
  });
  return rows.reverse().map(toTranscriptLine);
}

function toTranscriptLine(r: {
  id: string;
  platformMessageId: string | null;
  direction: string;
  text: string;
  at: Date;
  body: string;
  status: string;
}): TranscriptLine {
  return {
    id: r.id,
    platformMessageId: r.platformMessageId,
    direction: r.direction,
    text: r.text,
    at: r.at,
    body: parseJson(messageBodySchema, r.body, {}),
    delivered: r.status === "sent",
  };
}

// ---------------------------------------------------------------------------------------------
// Conversations

export async function loadConversation(
  tx: Client,
  channel: string,
  chatId: string,
): Promise<sql.ConversationRecord | null> {
  if (tx instanceof SqlTx) return sql.loadConversation(tx, channel, chatId);
  return tx.conversation.findUnique({ where: { channel_chatId: { channel, chatId } } });
}

/**
 * Saves a snapshot; with `expectedVersion` it refuses (returns false) if somebody else saved in
 * between, so two processes can never interleave one conversation.
 */
export async function saveConversation(
  tx: Client,
  c: { channel: string; chatId: string; customerId: string | null; snapshot: string },
  expectedVersion: number | null,
): Promise<boolean> {
  if (tx instanceof SqlTx) return sql.saveConversation(tx, c, expectedVersion);
  if (expectedVersion === null) {
    await tx.conversation.create({ data: { ...c, version: 1 } });
    return true;
  }
  const result = await tx.conversation.updateMany({
    where: { channel: c.channel, chatId: c.chatId, version: expectedVersion },
    data: { snapshot: c.snapshot, customerId: c.customerId, version: { increment: 1 } },
  });
  return result.count === 1;
}

export async function countConversations(tx: PrismaClient): Promise<number> {
  return tx.conversation.count();
}

// ---------------------------------------------------------------------------------------------
// Tickets

export interface TicketRow {
  id: string;
  number: string;
  policy: string;
  status: string;
  category: string | null;
  priority: string;
  blocking: boolean;
  description: string;
  coverage: string;
  customerId: string;
  channel: string;
  chatId: string;
  salesRep: string | null;
  assigneeId: string | null;
  callbackDueAt: Date | null;
  minutes: number | null;
  resolution: string | null;
  chargeNetCents: number | null;
  chargeVatCents: number | null;
  chargeGrossCents: number | null;
  deskRef: string | null;
  createdAt: Date;
  updatedAt: Date;
  claimedAt: Date | null;
  closedAt: Date | null;
  version: number;
}

/** Next readable number for a prefix and year, e.g. LT-2026-00042 (counter row in the same transaction). */
export async function nextTicketNumber(tx: Client, prefix: string, year: number): Promise<string> {
  if (tx instanceof SqlTx) return sql.nextTicketNumber(tx, prefix, year);
  const counter = await tx.ticketCounter.upsert({
    where: { prefix_year: { prefix, year } },
    create: { prefix, year, last: 1 },
    update: { last: { increment: 1 } },
  });
  return `${prefix}-${year}-${String(counter.last).padStart(5, "0")}`;
}

export async function createTicket(
  tx: Client,
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
  if (tx instanceof SqlTx) return sql.createTicket(tx, { ...t, coverage: toJson(t.coverage) });
  return tx.ticket.create({
    data: {
      number: t.number,
      policy: t.policy,
      status: t.status,
      category: t.category,
      priority: t.priority,
      blocking: t.blocking,
      description: t.description,
      coverage: toJson(t.coverage),
      customerId: t.customerId,
      channel: t.channel,
      chatId: t.chatId,
      salesRep: t.salesRep,
      callbackDueAt: t.callbackDueAt,
      createdAt: t.at,
    },
  });
}

export async function findTicket(tx: Client, number: string): Promise<TicketRow | null> {
  if (tx instanceof SqlTx) return sql.findTicket(tx, number);
  return tx.ticket.findUnique({ where: { number: number.trim().toUpperCase() } });
}

/** Changes to a ticket (coverage and desk reference as objects, stored as JSON). */
export type TicketUpdate = Partial<Omit<TicketRow, "id" | "version" | "coverage" | "deskRef">> & {
  coverage?: unknown;
  deskRef?: unknown;
};

/** Optimistic update: false when the ticket changed since `version` was read. */
export async function updateTicket(
  tx: Client,
  id: string,
  version: number,
  data: TicketUpdate,
): Promise<boolean> {
  if (tx instanceof SqlTx) return sql.updateTicket(tx, id, version, data);
  const { coverage, deskRef, ...rest } = data;
  const result = await tx.ticket.updateMany({
    where: { id, version },
    data: {
      ...rest,
      ...(coverage !== undefined ? { coverage: toJson(coverage) } : {}),
      ...(deskRef !== undefined ? { deskRef: toJson(deskRef) } : {}),
      version: { increment: 1 },
    },
  });
  return result.count === 1;
}

/** Facts a customer gave after the ticket opened; the consent is kept with the coverage. */
export async function completeTicketFacts(
  tx: Client,
  ticketId: string,
  facts: { category?: string; blocking?: boolean; consent?: boolean; salesRep?: string },
): Promise<void> {
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
export async function setCallbackDue(tx: Client, id: string, dueAt: Date): Promise<void> {
  if (tx instanceof SqlTx) return sql.setCallbackDue(tx, id, dueAt);
  await tx.ticket.update({ where: { id }, data: { callbackDueAt: dueAt } });
}

/** Links a chat's intake messages (not yet on a ticket) to the ticket just opened from them. */
export async function linkIntakeMessages(
  tx: Client,
  channel: string,
  chatId: string,
  ticketId: string,
): Promise<void> {
  if (tx instanceof SqlTx) return sql.linkIntakeMessages(tx, channel, chatId, ticketId);
  await tx.message.updateMany({ where: { channel, chatId, ticketId: null }, data: { ticketId } });
}

/** Stores what one desk keeps for a ticket, next to (never over) other desks' references. */
export async function setTicketDeskRef(
  tx: PrismaClient,
  number: string,
  desk: string,
  ref: Record<string, unknown>,
): Promise<void> {
  const ticket = await tx.ticket.findUniqueOrThrow({ where: { number }, select: { id: true } });
  await tx.ticketDeskRef.upsert({
    where: { ticketId_desk: { ticketId: ticket.id, desk } },
    create: { ticketId: ticket.id, desk, ref: toJson(ref) },
    update: { ref: toJson(ref) },
  });
}

/** Every desk's reference for a ticket, by desk name. */
export async function ticketDeskRefs(
  tx: Client,
  ticketId: string,
): Promise<Record<string, Record<string, unknown>>> {
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

export async function openTicketsForCustomer(tx: Client, customerId: string): Promise<TicketRow[]> {
  if (tx instanceof SqlTx) return sql.openTicketsForCustomer(tx, customerId);
  return tx.ticket.findMany({
    where: { customerId, status: { not: "closed" } },
    orderBy: { createdAt: "asc" },
  });
}

export async function listTicketRows(
  tx: PrismaClient,
  filter: { statusNot?: string; status?: string; assigneeId?: string | null; since?: Date; take?: number },
): Promise<TicketRow[]> {
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
  tx: Client,
  e: { ticketId: string | null; type: string; actor: string | null; payload: unknown; at: Date },
): Promise<void> {
  if (tx instanceof SqlTx) return sql.recordEvent(tx, { ...e, payload: toJson(e.payload) });
  await tx.ticketEvent.create({
    data: { ticketId: e.ticketId, type: e.type, actor: e.actor, payload: toJson(e.payload), at: e.at },
  });
}

export interface EventRow {
  type: string;
  ticketId: string | null;
  actor: string | null;
  payload: Record<string, unknown>;
  at: Date;
}

export async function listEvents(
  tx: PrismaClient,
  filter: { ticketId?: string; since?: Date } = {},
): Promise<EventRow[]> {
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
  tx: Client,
  customerId: string,
  monthStart: Date,
  plan: string,
): Promise<number> {
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
  tx: PrismaClient,
  ticketId: string,
): Promise<{ rating: number; comment: string | null; at: Date } | null> {
  return tx.feedback.findFirst({
    where: { ticketId },
    orderBy: { at: "desc" },
    select: { rating: true, comment: true, at: true },
  });
}

export async function recordFeedback(
  tx: Client,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): Promise<void> {
  if (tx instanceof SqlTx) return sql.recordFeedback(tx, f);
  await tx.feedback.create({ data: f });
}

// ---------------------------------------------------------------------------------------------
// Technicians and on-call

export interface TechnicianRecord {
  id: string;
  name: string;
  phone: string | null;
  /** How the technician is known on each messaging desk (slack, email…); the board login is not one. */
  identities: Partial<Record<string, string>>;
}

/** Technician rows with their desk identities. */
const withIdentities = {
  identities: { where: { desk: { not: "board" } }, select: { desk: true, externalId: true } },
} as const;

type TechnicianRow = {
  id: string;
  name: string;
  phone: string | null;
  identities: { desk: string; externalId: string }[];
};

function toTechnician(row: TechnicianRow): TechnicianRecord {
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    identities: Object.fromEntries(row.identities.map((i) => [i.desk, i.externalId])),
  };
}

/** An active technician by id, name, or identity on a desk. */
export async function findTechnician(
  tx: Client,
  by: { id: string } | { name: string } | { desk: string; externalId: string },
): Promise<TechnicianRecord | null> {
  if (tx instanceof SqlTx) return sql.findTechnician(tx, by);
  const where =
    "id" in by
      ? { id: by.id }
      : "name" in by
        ? { name: by.name }
        : { identities: { some: { desk: by.desk, externalId: by.externalId } } };
  const row = await tx.technician.findFirst({ where: { ...where, active: true }, include: withIdentities });
  return row ? toTechnician(row) : null;
}

/** Adds (or updates) a technician, with their identities on desks (e.g. `{ slack: "U012AB3CD" }`). */
export async function upsertTechnician(
  tx: PrismaClient,
  t: { name: string; phone?: string | null; identities?: Partial<Record<"slack" | "email", string>> },
): Promise<TechnicianRecord> {
  const row = await tx.technician.upsert({
    where: { name: t.name },
    create: { name: t.name, phone: t.phone ?? null },
    update: { ...(t.phone !== undefined ? { phone: t.phone } : {}) },
  });
  for (const [desk, externalId] of Object.entries(t.identities ?? {})) {
    if (!externalId) continue;
    await tx.technicianIdentity.upsert({
      where: { technicianId_desk: { technicianId: row.id, desk } },
      create: { technicianId: row.id, desk, externalId },
      update: { externalId },
    });
  }
  return toTechnician(
    await tx.technician.findUniqueOrThrow({ where: { id: row.id }, include: withIdentities }),
  );
}

export async function onCallAt(tx: Client, at: Date): Promise<TechnicianRecord | null> {
  if (tx instanceof SqlTx) return sql.onCallAt(tx, at);
  const shift = await tx.onCallShift.findFirst({
    where: { startsAt: { lte: at }, endsAt: { gt: at }, technician: { active: true } },
    include: { technician: { include: withIdentities } },
    orderBy: { startsAt: "desc" },
  });
  return shift ? toTechnician(shift.technician) : null;
}

/** A shift with its technician (and their desk identities). */
export interface ShiftRecord {
  id: string;
  startsAt: Date;
  endsAt: Date;
  technician: TechnicianRecord;
}

export async function listShifts(tx: PrismaClient, from: Date, to: Date): Promise<ShiftRecord[]> {
  const rows = await tx.onCallShift.findMany({
    where: { endsAt: { gt: from }, startsAt: { lt: to } },
    include: { technician: { include: withIdentities } },
    orderBy: { startsAt: "asc" },
  });
  return rows.map((r) => ({
    id: r.id,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    technician: toTechnician(r.technician),
  }));
}

export async function addShift(
  tx: PrismaClient,
  s: { technicianId: string; startsAt: Date; endsAt: Date },
): Promise<ShiftRecord> {
  const r = await tx.onCallShift.create({ data: s, include: { technician: { include: withIdentities } } });
  return { id: r.id, startsAt: r.startsAt, endsAt: r.endsAt, technician: toTechnician(r.technician) };
}

// ---------------------------------------------------------------------------------------------
// Jobs (durable timers) and idempotency keys

export interface JobRow {
  id: string;
  kind: string;
  key: string;
  dueAt: Date;
  payload: Record<string, unknown>;
  attempts: number;
}

/** Schedules (or moves) the pending job with this key. */
export async function scheduleJob(
  tx: Client,
  j: { kind: string; key: string; dueAt: Date; payload: unknown },
): Promise<void> {
  if (tx instanceof SqlTx) return sql.scheduleJob(tx, { ...j, payload: toJson(j.payload) });
  await tx.job.upsert({
    where: { key: j.key },
    create: { kind: j.kind, key: j.key, dueAt: j.dueAt, payload: toJson(j.payload) },
    update: {
      kind: j.kind,
      dueAt: j.dueAt,
      payload: toJson(j.payload),
      status: "pending",
      attempts: 0,
      lastError: null,
      // Rescheduled while it runs (a repeated page): the running pass must not mark it done.
      claimedBy: null,
      leaseUntil: null,
    },
  });
}

export async function cancelJobs(tx: Client, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  if (tx instanceof SqlTx) return sql.cancelJobs(tx, keys);
  await tx.job.updateMany({ where: { key: { in: keys }, status: "pending" }, data: { status: "cancelled" } });
}

export async function dueJobs(tx: PrismaClient, now: Date, limit = 100): Promise<JobRow[]> {
  const rows = await tx.job.findMany({
    where: { status: "pending", dueAt: { lte: now } },
    orderBy: [{ dueAt: "asc" }, { id: "asc" }],
    take: limit,
  });
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    key: r.key,
    dueAt: r.dueAt,
    payload: parseJson(z.record(z.string(), z.unknown()), r.payload, {}),
    attempts: r.attempts,
  }));
}

export async function nextJobDue(tx: PrismaClient): Promise<Date | null> {
  const row = await tx.job.findFirst({
    where: { status: "pending" },
    orderBy: { dueAt: "asc" },
    select: { dueAt: true },
  });
  return row?.dueAt ?? null;
}

export async function completeJob(tx: PrismaClient, id: string, at: Date): Promise<void> {
  await tx.job.update({ where: { id }, data: { status: "done", doneAt: at, attempts: { increment: 1 } } });
}

export async function failJob(
  tx: PrismaClient,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await tx.job.update({
    where: { id },
    data: {
      status: retryAt ? "pending" : "failed",
      attempts: { increment: 1 },
      lastError: error.slice(0, 1000),
      ...(retryAt ? { dueAt: retryAt } : {}),
    },
  });
}

/**
 * Records an idempotency key (Slack event_id, …); returns true if it had been seen before.
 * Check-then-insert is safe because callers serialise per source in one process; a concurrent
 * insert from another process fails on the primary key and is reported as seen.
 */
export async function markDeliverySeen(tx: PrismaClient, source: string, key: string): Promise<boolean> {
  const existing = await tx.processedDelivery.findUnique({ where: { source_key: { source, key } } });
  if (existing) return true;
  try {
    await tx.processedDelivery.create({ data: { source, key } });
    return false;
  } catch {
    return true;
  }
}

/**
 * The ticket an outbound message was about: the one it was queued for, else the chat's latest
 * ticket, else (an e-mail thread about a ticket, e.g. the close summary) the ticket its thread
 * key names. Null when the message was about no ticket.
 */
export async function ticketOfOutbound(
  prisma: PrismaClient,
  outbound: { id: string; channel: string; chatId: string; threadTicket?: string | null },
): Promise<{ id: string; number: string } | null> {
  const select = { id: true, number: true } as const;
  const row = await prisma.message.findUnique({ where: { id: outbound.id }, select: { ticketId: true } });
  if (row?.ticketId) {
    const ticket = await prisma.ticket.findUnique({ where: { id: row.ticketId }, select });
    if (ticket) return ticket;
  }
  const latest = await prisma.ticket.findFirst({
    where: { channel: outbound.channel, chatId: outbound.chatId },
    orderBy: { createdAt: "desc" },
    select,
  });
  if (latest) return latest;
  if (!outbound.threadTicket) return null;
  return prisma.ticket.findUnique({ where: { number: outbound.threadTicket }, select });
}

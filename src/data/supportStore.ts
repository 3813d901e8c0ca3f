/**
 * Everything the runtime reads and writes, as small functions over a transaction client. The
 * runtime decides *what* to store; this file only knows *how*.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Prisma, Tx } from "./database.js";
import { parseJson, toJson } from "./json.js";
import * as sql from "./sqliteStore.js";
import { SqliteTx } from "./sqliteStore.js";

/** Prisma (outside or inside a `$transaction`). */
type PrismaClient = Tx | Prisma;
/** Where a transactional read or write runs: Prisma, or the SQLite hot path's own transaction. */
type Client = PrismaClient | SqliteTx;

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
  if (tx instanceof SqliteTx) return sql.findCustomerForSender(tx, channel, senderId, phone);
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
  return null;
}

export async function findCustomerByCode(tx: Client, code: string): Promise<CustomerRecord | null> {
  if (tx instanceof SqliteTx) return sql.findCustomerByCode(tx, code);
  const row = await tx.customer.findUnique({ where: { code: code.toUpperCase() }, include: customerInclude });
  return row ? toCustomerRecord(row) : null;
}

export async function linkIdentity(
  tx: Client,
  customerId: string,
  channel: string,
  externalId: string,
): Promise<void> {
  if (tx instanceof SqliteTx) return sql.linkIdentity(tx, customerId, channel, externalId);
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
  if (tx instanceof SqliteTx) return sql.createCustomer(tx, newCustomerCode(), data);
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
  if (tx instanceof SqliteTx) return sql.setCustomerLanguage(tx, customerId, language);
  await tx.customer.update({ where: { id: customerId }, data: { language } });
}

export async function getCustomer(tx: Client, id: string): Promise<CustomerRecord | null> {
  if (tx instanceof SqliteTx) return sql.getCustomer(tx, id);
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
});
export type MessageBody = z.infer<typeof messageBodySchema>;

/** True when this platform message was already stored (a redelivery). */
export async function inboundSeen(tx: Client, channel: string, platformMessageId: string): Promise<boolean> {
  if (tx instanceof SqliteTx) return sql.inboundSeen(tx, channel, platformMessageId);
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
  if (tx instanceof SqliteTx)
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
  if (tx instanceof SqliteTx)
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
  if (tx instanceof SqliteTx)
    return sql.pendingForChat(tx, channel, chatId).map((r) => ({
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
  if (tx instanceof SqliteTx) return sql.markDelivered(tx, ids, at);
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
  if (tx instanceof SqliteTx) return sql.markDeliveryFailed(tx, id, error, retryAt);
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
  if (tx instanceof SqliteTx) return sql.countPendingOutbound(tx);
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
  const rows = await tx.message.findMany({
    where: {
      OR: [
        { ticketId: ticket.id },
        {
          channel: ticket.channel,
          chatId: ticket.chatId,
          at: { gte: ticket.createdAt, ...(ticket.closedAt ? { lte: ticket.closedAt } : {}) },
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
  if (tx instanceof SqliteTx) return sql.loadConversation(tx, channel, chatId);
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
  if (tx instanceof SqliteTx) return sql.saveConversation(tx, c, expectedVersion);
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
  if (tx instanceof SqliteTx) return sql.nextTicketNumber(tx, prefix, year);
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
  if (tx instanceof SqliteTx) return sql.createTicket(tx, { ...t, coverage: toJson(t.coverage) });
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
  if (tx instanceof SqliteTx) return sql.findTicket(tx, number);
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
  if (tx instanceof SqliteTx) return sql.updateTicket(tx, id, version, data);
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

/** Moves a ticket's callback promise (e.g. when a sales representative authorizes it). */
export async function setCallbackDue(tx: Client, id: string, dueAt: Date): Promise<void> {
  if (tx instanceof SqliteTx) return sql.setCallbackDue(tx, id, dueAt);
  await tx.ticket.update({ where: { id }, data: { callbackDueAt: dueAt } });
}

/** Links a chat's intake messages (not yet on a ticket) to the ticket just opened from them. */
export async function linkIntakeMessages(
  tx: Client,
  channel: string,
  chatId: string,
  ticketId: string,
): Promise<void> {
  if (tx instanceof SqliteTx) return sql.linkIntakeMessages(tx, channel, chatId, ticketId);
  await tx.message.updateMany({ where: { channel, chatId, ticketId: null }, data: { ticketId } });
}

export async function setTicketDeskRef(
  tx: PrismaClient,
  number: string,
  deskRef: Record<string, unknown>,
): Promise<void> {
  await tx.ticket.update({ where: { number }, data: { deskRef: toJson(deskRef) } });
}

export async function openTicketsForCustomer(tx: Client, customerId: string): Promise<TicketRow[]> {
  if (tx instanceof SqliteTx) return sql.openTicketsForCustomer(tx, customerId);
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
  if (tx instanceof SqliteTx) return sql.recordEvent(tx, { ...e, payload: toJson(e.payload) });
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
    tx instanceof SqliteTx
      ? sql.closedSince(tx, customerId, monthStart)
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

export async function recordFeedback(
  tx: Client,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): Promise<void> {
  if (tx instanceof SqliteTx) return sql.recordFeedback(tx, f);
  await tx.feedback.create({ data: f });
}

// ---------------------------------------------------------------------------------------------
// Technicians and on-call

export interface TechnicianRecord {
  id: string;
  name: string;
  slackUserId: string | null;
  phone: string | null;
}

export async function findTechnician(
  tx: Client,
  by: { id: string } | { slackUserId: string } | { name: string },
): Promise<TechnicianRecord | null> {
  if (tx instanceof SqliteTx) return sql.findTechnician(tx, by);
  const where =
    "id" in by ? { id: by.id } : "slackUserId" in by ? { slackUserId: by.slackUserId } : { name: by.name };
  const row = await tx.technician.findFirst({ where: { ...where, active: true } });
  return row ? { id: row.id, name: row.name, slackUserId: row.slackUserId, phone: row.phone } : null;
}

export async function upsertTechnician(
  tx: PrismaClient,
  t: { name: string; slackUserId?: string | null; phone?: string | null },
): Promise<TechnicianRecord> {
  const row = await tx.technician.upsert({
    where: { name: t.name },
    create: { name: t.name, slackUserId: t.slackUserId ?? null, phone: t.phone ?? null },
    update: {
      ...(t.slackUserId !== undefined ? { slackUserId: t.slackUserId } : {}),
      ...(t.phone !== undefined ? { phone: t.phone } : {}),
    },
  });
  return { id: row.id, name: row.name, slackUserId: row.slackUserId, phone: row.phone };
}

export async function technicianCredentials(tx: PrismaClient) {
  return tx.technician.findMany({
    select: { id: true, name: true, passwordHash: true, tokenHash: true, active: true },
  });
}

export async function setTechnicianSecrets(
  tx: PrismaClient,
  id: string,
  data: { passwordHash?: string | null; tokenHash?: string | null },
) {
  await tx.technician.update({ where: { id }, data });
}

export async function onCallAt(tx: Client, at: Date): Promise<TechnicianRecord | null> {
  if (tx instanceof SqliteTx) return sql.onCallAt(tx, at);
  const shift = await tx.onCallShift.findFirst({
    where: { startsAt: { lte: at }, endsAt: { gt: at }, technician: { active: true } },
    include: { technician: true },
    orderBy: { startsAt: "desc" },
  });
  return shift
    ? {
        id: shift.technician.id,
        name: shift.technician.name,
        slackUserId: shift.technician.slackUserId,
        phone: shift.technician.phone,
      }
    : null;
}

export async function listShifts(tx: PrismaClient, from: Date, to: Date) {
  return tx.onCallShift.findMany({
    where: { endsAt: { gt: from }, startsAt: { lt: to } },
    include: { technician: true },
    orderBy: { startsAt: "asc" },
  });
}

export async function addShift(tx: PrismaClient, s: { technicianId: string; startsAt: Date; endsAt: Date }) {
  return tx.onCallShift.create({ data: s, include: { technician: true } });
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
  if (tx instanceof SqliteTx) return sql.scheduleJob(tx, { ...j, payload: toJson(j.payload) });
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
  if (tx instanceof SqliteTx) return sql.cancelJobs(tx, keys);
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

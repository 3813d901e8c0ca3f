/**
 * Messages: the transcript both ways and the outbound queue, over Prisma or the hot path's
 * {@link SqlTx} (whose SQL is in `sqlMessages.ts`).
 */

import { z } from "zod";
import { clientOf, type Executor, type PrismaExecutor, prismaOf } from "./database.js";
import { parseJson, toJson } from "./json.js";
import * as sql from "./sqlMessages.js";
import { SqlTx } from "./sqlTx.js";

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
export async function inboundSeen(
  on: PrismaExecutor,
  channel: string,
  platformMessageId: string,
): Promise<boolean> {
  const tx = prismaOf(on);
  const row = await tx.message.findUnique({
    where: { channel_platformMessageId: { channel, platformMessageId } },
    select: { id: true },
  });
  return row !== null;
}

export async function storeInbound(
  tx: SqlTx,
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
  return sql.insertMessage(tx, {
    ...m,
    direction: "in",
    body: toJson(m.body),
    status: "stored",
    nextAttemptAt: null,
    ticketId: m.ticketId ?? null,
  });
}

export async function queueOutbound(
  tx: SqlTx,
  m: {
    channel: string;
    chatId: string;
    text: string;
    body: MessageBody;
    at: Date;
    ticketId?: string | null;
    /** Inserted already claimed for delivery (hot path only). */
    claim?: sql.OutboxClaim | null;
  },
): Promise<string> {
  return sql.insertMessage(tx, {
    ...m,
    direction: "out",
    platformMessageId: null,
    body: toJson(m.body),
    status: "pending",
    nextAttemptAt: m.at,
    ticketId: m.ticketId ?? null,
  });
}

/**
 * How many automatic messages (the bot's, not a technician's) went out since `since` on the chats
 * of `channel` whose id starts with `prefix` (an e-mail address's threads: `address#`), counting
 * up to `limit`.
 */
export async function countAutomaticOutbound(
  on: Executor,
  channel: string,
  prefix: string,
  since: Date,
  limit: number,
): Promise<number> {
  const tx = clientOf(on);
  const bodies =
    tx instanceof SqlTx
      ? await sql.outboundBodiesSince(tx, channel, prefix, since, limit * 4)
      : (
          await tx.message.findMany({
            where: { channel, chatId: { startsWith: prefix }, direction: "out", at: { gte: since } },
            select: { body: true },
            take: limit * 4,
          })
        ).map((r: { body: string }) => r.body);
  let count = 0;
  for (const body of bodies) {
    if (parseJson(messageBodySchema, body, {}).kind !== "relay.fromTechnician") count++;
    if (count >= limit) break;
  }
  return count;
}

/** Replaces the text of a queued outbound message (an e-mail gathering one turn's replies). */
export async function setOutboundText(on: Executor, id: string, text: string): Promise<void> {
  const tx = clientOf(on);
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
  on: PrismaExecutor,
  now: Date,
  limit = 200,
  ids?: string[],
): Promise<OutboundRow[]> {
  const tx = prismaOf(on);
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
  on: Executor,
  channel: string,
  chatId: string,
): Promise<(OutboundRow & { nextAttemptAt: Date | null })[]> {
  const tx = clientOf(on);
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

export async function markDelivered(tx: SqlTx, ids: string[], at: Date): Promise<void> {
  return sql.markDelivered(tx, ids, at);
}

export async function markDeliveryFailed(
  on: Executor,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  const tx = clientOf(on);
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

export async function countPendingOutbound(on: Executor): Promise<number> {
  const tx = clientOf(on);
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
  on: PrismaExecutor,
  ticket: { id: string; channel: string; chatId: string; createdAt: Date; closedAt: Date | null },
): Promise<TranscriptLine[]> {
  const tx = prismaOf(on);
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
  on: PrismaExecutor,
  channel: string,
  chatId: string,
  limit = 500,
): Promise<TranscriptLine[]> {
  const tx = prismaOf(on);
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

/**
 * The ticket an outbound message was about: the one it was queued for, else the chat's latest
 * ticket, else (an e-mail thread about a ticket, e.g. the close summary) the ticket its thread
 * key names. Null when the message was about no ticket.
 */
export async function ticketOfOutbound(
  on: PrismaExecutor,
  outbound: { id: string; channel: string; chatId: string; threadTicket?: string | null },
): Promise<{ id: string; number: string } | null> {
  const prisma = prismaOf(on);
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

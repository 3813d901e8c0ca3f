/**
 * Messages: the transcript both ways and the outbound queue, in SQL over {@link SqlTx} (the hot
 * path's statements are in `sqlMessages.ts`). Given the database instead of a transaction, a
 * function runs on a session connection.
 */

import { sql as raw } from "kysely";
import { z } from "zod";
import { onSql, type SqlExecutor } from "./database.js";
import { parseJson, toJson } from "./json.js";
import { qb, statement } from "./schema/queryBuilder.js";
import * as sql from "./sqlMessages.js";
import { date, iso, maybeStr, type SqlRow, type SqlTx, str } from "./sqlTx.js";

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

const messageByPlatformId = statement<{ channel: string; platformMessageId: string }>((p) =>
  qb
    .selectFrom("Message")
    .select("id")
    .where("channel", "=", p.channel)
    .where("platformMessageId", "=", p.platformMessageId),
);

/** True when this platform message was already stored (a redelivery). */
export async function inboundSeen(
  on: SqlExecutor,
  channel: string,
  platformMessageId: string,
): Promise<boolean> {
  const row = await onSql(on, (tx) =>
    tx.row(messageByPlatformId.sql, ...messageByPlatformId.args({ channel, platformMessageId })),
  );
  return row !== undefined;
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
  on: SqlExecutor,
  channel: string,
  prefix: string,
  since: Date,
  limit: number,
): Promise<number> {
  const bodies = await onSql(on, (tx) => sql.outboundBodiesSince(tx, channel, prefix, since, limit * 4));
  let count = 0;
  for (const body of bodies) {
    if (parseJson(messageBodySchema, body, {}).kind !== "relay.fromTechnician") count++;
    if (count >= limit) break;
  }
  return count;
}

/** Replaces the text of a queued outbound message (an e-mail gathering one turn's replies). */
export async function setOutboundText(on: SqlExecutor, id: string, text: string): Promise<void> {
  return onSql(on, (tx) => sql.setOutboundText(tx, id, text));
}

export interface OutboundRow {
  id: string;
  channel: string;
  chatId: string;
  text: string;
  body: MessageBody;
  attempts: number;
}

/** A chat's undelivered messages, oldest first, with their next attempt time. */
export async function pendingForChat(
  on: SqlExecutor,
  channel: string,
  chatId: string,
): Promise<(OutboundRow & { nextAttemptAt: Date | null })[]> {
  return (await onSql(on, (tx) => sql.pendingForChat(tx, channel, chatId))).map((r) => ({
    ...r,
    body: parseJson(messageBodySchema, r.body, {}),
  }));
}

export async function markDelivered(tx: SqlTx, ids: string[], at: Date): Promise<void> {
  return sql.markDelivered(tx, ids, at);
}

export async function markDeliveryFailed(
  on: SqlExecutor,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  return onSql(on, (tx) => sql.markDeliveryFailed(tx, id, error, retryAt));
}

export async function countPendingOutbound(on: SqlExecutor): Promise<number> {
  return onSql(on, (tx) => sql.countPendingOutbound(tx));
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

/** Every column of a transcript line (the start of a query reading them). */
const selectLines = () =>
  qb.selectFrom("Message").select(["id", "platformMessageId", "direction", "text", "at", "body", "status"]);

const nextTicketOfChat = statement<{ channel: string; chatId: string; after: string }>((p) =>
  qb
    .selectFrom("Ticket")
    .select("createdAt")
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId)
    .where("createdAt", ">", p.after)
    .orderBy("createdAt", "asc")
    .limit(raw.lit(1)),
);

type TranscriptParams = { ticketId: string; channel: string; chatId: string; from: string; until: string };

/** A ticket's lines: linked to it, or in its chat from `from` (and, `bounded`, before `until`). */
const transcriptQuery = (p: TranscriptParams, bounded: boolean) =>
  selectLines()
    .where((eb) =>
      eb.or([
        eb("ticketId", "=", p.ticketId),
        eb.and([
          eb("channel", "=", p.channel),
          eb("chatId", "=", p.chatId),
          eb("at", ">=", p.from),
          ...(bounded ? [eb("at", "<", p.until)] : []),
        ]),
      ]),
    )
    .orderBy("at", "asc")
    .orderBy("id", "asc");
const transcriptUntilNext = statement<TranscriptParams>((p) => transcriptQuery(p, true));
const transcriptOpenEnded = statement<TranscriptParams>((p) => transcriptQuery(p, false));

/**
 * A ticket's transcript: the messages linked to it, plus everything in its chat between its
 * opening and its closing (the bot's confirmations, claim and closing lines).
 */
export async function transcript(
  on: SqlExecutor,
  ticket: { id: string; channel: string; chatId: string; createdAt: Date; closedAt: Date | null },
): Promise<TranscriptLine[]> {
  return onSql(on, async (tx) => {
    const from = iso(ticket.createdAt);
    const next = ticket.closedAt
      ? await tx.row(
          nextTicketOfChat.sql,
          ...nextTicketOfChat.args({ channel: ticket.channel, chatId: ticket.chatId, after: from }),
        )
      : undefined;
    // After the close the chat goes on (outcome, rating, comment) until its next ticket opens.
    const lines = next ? transcriptUntilNext : transcriptOpenEnded;
    const rows = await tx.rows(
      lines.sql,
      ...lines.args({
        ticketId: ticket.id,
        channel: ticket.channel,
        chatId: ticket.chatId,
        from,
        until: next ? iso(date(next.createdAt)) : "",
      }),
    );
    return rows.map(toTranscriptLine);
  });
}

const lastLinesOfChat = statement<{ channel: string; chatId: string; limit: number }>((p) =>
  selectLines()
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId)
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .limit(p.limit),
);

/** The last `limit` messages of a chat, oldest first. */
export async function chatTranscript(
  on: SqlExecutor,
  channel: string,
  chatId: string,
  limit = 500,
): Promise<TranscriptLine[]> {
  const rows = await onSql(on, (tx: SqlTx) =>
    tx.rows(lastLinesOfChat.sql, ...lastLinesOfChat.args({ channel, chatId, limit })),
  );
  return rows.reverse().map(toTranscriptLine);
}

function toTranscriptLine(r: SqlRow): TranscriptLine {
  return {
    id: str(r.id),
    platformMessageId: maybeStr(r.platformMessageId),
    direction: str(r.direction),
    text: str(r.text),
    at: date(r.at),
    body: parseJson(messageBodySchema, str(r.body), {}),
    delivered: r.status === "sent",
  };
}

const ticketOfMessage = statement<{ id: string }>((p) =>
  qb
    .selectFrom("Message as m")
    .innerJoin("Ticket as t", "t.id", "m.ticketId")
    .select(["t.id", "t.number"])
    .where("m.id", "=", p.id),
);
const latestTicketOfChat = statement<{ channel: string; chatId: string }>((p) =>
  qb
    .selectFrom("Ticket")
    .select(["id", "number"])
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId)
    .orderBy("createdAt", "desc")
    .limit(raw.lit(1)),
);
const ticketNamed = statement<{ number: string }>((p) =>
  qb.selectFrom("Ticket").select(["id", "number"]).where("number", "=", p.number),
);

/**
 * The ticket an outbound message was about: the one it was queued for, else the chat's latest
 * ticket, else (an e-mail thread about a ticket, e.g. the close summary) the ticket its thread
 * key names. Null when the message was about no ticket.
 */
export async function ticketOfOutbound(
  on: SqlExecutor,
  outbound: { id: string; channel: string; chatId: string; threadTicket?: string | null },
): Promise<{ id: string; number: string } | null> {
  const r = await onSql(on, async (tx) => {
    const queued = await tx.row(ticketOfMessage.sql, ...ticketOfMessage.args(outbound));
    if (queued) return queued;
    const latest = await tx.row(latestTicketOfChat.sql, ...latestTicketOfChat.args(outbound));
    if (latest || !outbound.threadTicket) return latest;
    return tx.row(ticketNamed.sql, ...ticketNamed.args({ number: outbound.threadTicket }));
  });
  return r ? { id: str(r.id), number: str(r.number) } : null;
}

/**
 * The hot path's SQL for messages and the outbox, written once for SQLite and PostgreSQL (see
 * {@link SqlTx}); values stored exactly as Prisma stores them.
 */
import { newId } from "./ids.js";
import { iso, maybeDate, num, type SqlTx, str } from "./sqlTx.js";

// ---------------------------------------------------------------------------------------------
// Messages

/** Inserts a transcript or outbox row; returns its id. */
export async function insertMessage(
  tx: SqlTx,
  m: {
    channel: string;
    chatId: string;
    direction: "in" | "out";
    platformMessageId: string | null;
    text: string;
    body: string;
    at: Date;
    status: string;
    nextAttemptAt: Date | null;
    ticketId: string | null;
    /** An outbound row inserted already claimed for delivery (see `Coordination.claimAsQueued`). */
    claim?: OutboxClaim | null;
  },
): Promise<string> {
  const id = newId();
  await tx.write(
    `INSERT INTO "Message" ("id", "channel", "chatId", "direction", "platformMessageId", "ticketId", "text", "body", "status", "attempts", "at", "nextAttemptAt", "claimedBy", "leaseUntil")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
    id,
    m.channel,
    m.chatId,
    m.direction,
    m.platformMessageId,
    m.ticketId,
    m.text,
    m.body,
    m.status,
    iso(m.at),
    m.nextAttemptAt ? iso(m.nextAttemptAt) : null,
    m.claim?.by ?? null,
    m.claim ? iso(m.claim.until) : null,
  );
  return id;
}

/** Who an outbound row is claimed by, and until when (a lease). */
export interface OutboxClaim {
  by: string;
  until: Date;
}

/** Bodies of the outbound messages of chats whose id starts with `prefix` since `since`. */
export async function outboundBodiesSince(
  tx: SqlTx,
  channel: string,
  prefix: string,
  since: Date,
  limit: number,
): Promise<string[]> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await tx.rows(
    `SELECT "body" FROM "Message" WHERE "channel" = ? AND "chatId" LIKE ? ESCAPE '\\' AND "direction" = 'out' AND "at" >= ? LIMIT ${Math.trunc(limit)}`,
    channel,
    pattern,
    iso(since),
  );
  return rows.map((r) => str(r.body));
}

/** Replaces the text of a queued outbound message. */
export async function setOutboundText(tx: SqlTx, id: string, text: string): Promise<void> {
  await tx.write(`UPDATE "Message" SET "text" = ? WHERE "id" = ?`, text, id);
}

// ---------------------------------------------------------------------------------------------
// Outbox

/** A chat's undelivered messages, oldest first (at most 100). */
export async function pendingForChat(tx: SqlTx, channel: string, chatId: string) {
  const rows = await tx.rows(
    `SELECT "id", "channel", "chatId", "text", "body", "attempts", "nextAttemptAt" FROM "Message"
     WHERE "channel" = ? AND "chatId" = ? AND "direction" = 'out' AND "status" = 'pending'
     ORDER BY "at" ASC, "id" ASC LIMIT 100`,
    channel,
    chatId,
  );
  return rows.map((r) => ({
    id: str(r.id),
    channel: str(r.channel),
    chatId: str(r.chatId),
    text: str(r.text),
    body: str(r.body),
    attempts: num(r.attempts),
    nextAttemptAt: maybeDate(r.nextAttemptAt),
  }));
}

/** Marks messages sent in one statement (one commit), by the ids the sender already has. */
export async function markDelivered(tx: SqlTx, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx.write(
    `UPDATE "Message" SET "status" = 'sent', "deliveredAt" = ?, "attempts" = "attempts" + 1, "claimedBy" = NULL, "leaseUntil" = NULL WHERE "id" IN (${ids.map(() => "?").join(", ")})`,
    iso(at),
    ...ids,
  );
}

export async function markDeliveryFailed(
  tx: SqlTx,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await tx.write(
    `UPDATE "Message" SET "status" = ?, "attempts" = "attempts" + 1, "lastError" = ?, "nextAttemptAt" = ?, "claimedBy" = NULL, "leaseUntil" = NULL WHERE "id" = ?`,
    retryAt ? "pending" : "failed",
    error.slice(0, 1000),
    retryAt ? iso(retryAt) : null,
    id,
  );
}

export async function countPendingOutbound(tx: SqlTx): Promise<number> {
  const r = await tx.row(
    `SELECT COUNT(*) AS "n" FROM "Message" WHERE "direction" = 'out' AND "status" = 'pending'`,
  );
  return num(r!.n);
}

/** Claims a chat's pending outbound messages (oldest first, at most 100) for this instance. */
export async function claimChatOutbox(
  tx: SqlTx,
  channel: string,
  chatId: string,
  instanceId: string,
  leaseUntil: Date,
) {
  const rows = await pendingForChat(tx, channel, chatId);
  if (rows.length === 0) return rows;
  await tx.write(
    `UPDATE "Message" SET "claimedBy" = ?, "leaseUntil" = ? WHERE "id" IN (${rows.map(() => "?").join(", ")})`,
    instanceId,
    iso(leaseUntil),
    ...rows.map((r) => r.id),
  );
  return rows;
}

/** Gives back claimed, unsent messages. */
export async function releaseOutbox(tx: SqlTx, ids: string[], instanceId: string): Promise<void> {
  if (ids.length === 0) return;
  await tx.write(
    `UPDATE "Message" SET "claimedBy" = NULL, "leaseUntil" = NULL WHERE "claimedBy" = ? AND "id" IN (${ids.map(() => "?").join(", ")})`,
    instanceId,
    ...ids,
  );
}

/**
 * The hot path's SQL for conversations (the chat's machine snapshot) and the first read of an
 * inbound message, written once for SQLite and PostgreSQL (see {@link SqlTx}); values stored
 * exactly as Prisma stores them.
 */
import { newId } from "./ids.js";
import { bool, date, iso, maybeStr, num, type SqlRow, type SqlTx, str } from "./sqlTx.js";

export interface ConversationRecord {
  id: string;
  channel: string;
  chatId: string;
  customerId: string | null;
  snapshot: string;
  version: number;
  updatedAt: Date;
}

export async function loadConversation(
  tx: SqlTx,
  channel: string,
  chatId: string,
): Promise<ConversationRecord | null> {
  const r = await tx.row(
    `SELECT "id", "channel", "chatId", "customerId", "snapshot", "version", "updatedAt" FROM "Conversation" WHERE "channel" = ? AND "chatId" = ?`,
    channel,
    chatId,
  );
  return toConversation(r);
}

/** What an inbound message's transaction reads first (see {@link inboundState}). */
export interface InboundState {
  /** The platform already delivered this message (it is in the transcript). */
  seen: boolean;
  conversation: ConversationRecord | null;
  /** The chat has an outbound message not yet sent. */
  outboxPending: boolean;
}

const INBOUND_STATE = (outbox: string) =>
  `SELECT EXISTS (SELECT 1 FROM "Message" WHERE "channel" = ? AND "platformMessageId" = ?) AS "seen",
          ${outbox} AS "outboxPending",
          c."id", c."channel", c."chatId", c."customerId", c."snapshot", c."version", c."updatedAt"
   FROM (SELECT 1 AS "one") AS "x" LEFT JOIN "Conversation" c ON c."channel" = ? AND c."chatId" = ?`;
const WITH_OUTBOX = INBOUND_STATE(
  `EXISTS (SELECT 1 FROM "Message" WHERE "channel" = ? AND "chatId" = ? AND "direction" = 'out' AND "status" = 'pending')`,
);
const WITHOUT_OUTBOX = INBOUND_STATE("FALSE");

/**
 * What an inbound message's transaction reads first, in one statement; `outbox`: also whether the
 * chat has a pending outbound message (else `outboxPending` is false).
 */
export async function inboundState(
  tx: SqlTx,
  m: { channel: string; platformMessageId: string; chatId: string },
  outbox: boolean,
): Promise<InboundState> {
  const r = (
    outbox
      ? await tx.row(WITH_OUTBOX, m.channel, m.platformMessageId, m.channel, m.chatId, m.channel, m.chatId)
      : await tx.row(WITHOUT_OUTBOX, m.channel, m.platformMessageId, m.channel, m.chatId)
  )!;
  return {
    seen: bool(r.seen),
    conversation: r.id === null || r.id === undefined ? null : toConversation(r),
    outboxPending: bool(r.outboxPending),
  };
}

function toConversation(r: SqlRow | undefined): ConversationRecord | null {
  return r
    ? {
        id: str(r.id),
        channel: str(r.channel),
        chatId: str(r.chatId),
        customerId: maybeStr(r.customerId),
        snapshot: str(r.snapshot),
        version: num(r.version),
        updatedAt: date(r.updatedAt),
      }
    : null;
}

/**
 * Saves a snapshot; with `expectedVersion` it refuses if somebody else saved in between (the
 * transaction fails with `conflict()`, on PostgreSQL possibly only at its commit), so two
 * processes can never interleave one conversation.
 */
export async function saveConversation(
  tx: SqlTx,
  c: { channel: string; chatId: string; customerId: string | null; snapshot: string },
  expectedVersion: number | null,
  conflict: () => Error,
): Promise<void> {
  const now = iso(new Date());
  if (expectedVersion === null) {
    await tx.write(
      `INSERT INTO "Conversation" ("id", "channel", "chatId", "customerId", "snapshot", "version", "updatedAt") VALUES (?, ?, ?, ?, ?, 1, ?)`,
      newId(),
      c.channel,
      c.chatId,
      c.customerId,
      c.snapshot,
      now,
    );
    return;
  }
  // Not waited for on PostgreSQL: the check fails the transaction there if the version moved.
  await tx.writeExpecting(
    `UPDATE "Conversation" SET "snapshot" = ?, "customerId" = ?, "version" = "version" + 1, "updatedAt" = ? WHERE "channel" = ? AND "chatId" = ? AND "version" = ?`,
    [c.snapshot, c.customerId, now, c.channel, c.chatId, expectedVersion],
    1,
    conflict,
  );
}

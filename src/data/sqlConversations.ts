/**
 * The hot path's SQL for conversations (the chat's machine snapshot) and the first read of an
 * inbound message, written once for SQLite and PostgreSQL (see {@link SqlTx}); values stored
 * exactly as Prisma stores them.
 */
import { type SqlBool, sql } from "kysely";
import { newId } from "./ids.js";
import { qb, statement } from "./schema/queryBuilder.js";
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

const CONVERSATION = ["id", "channel", "chatId", "customerId", "snapshot", "version", "updatedAt"] as const;

const conversationOfChat = statement<{ channel: string; chatId: string }>((p) =>
  qb
    .selectFrom("Conversation")
    .select(CONVERSATION)
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId),
);

export async function loadConversation(
  tx: SqlTx,
  channel: string,
  chatId: string,
): Promise<ConversationRecord | null> {
  const r = await tx.row(conversationOfChat.sql, ...conversationOfChat.args({ channel, chatId }));
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

type InboundParams = { channel: string; platformMessageId: string; chatId: string };

/**
 * One row whatever the chat has: whether the message was seen, whether the chat has a pending
 * outbound message (`outbox`; else false), and the conversation's columns (NULL without one).
 */
const inboundStateQuery = (p: InboundParams, outbox: boolean) =>
  qb
    .selectFrom(qb.selectNoFrom(sql.lit(1).as("one")).as("x"))
    .leftJoin("Conversation as c", (j) => j.on("c.channel", "=", p.channel).on("c.chatId", "=", p.chatId))
    .select((eb) => [
      eb
        .exists(
          eb
            .selectFrom("Message")
            .select(sql.lit(1).as("one"))
            .where("channel", "=", p.channel)
            .where("platformMessageId", "=", p.platformMessageId),
        )
        .as("seen"),
      outbox
        ? eb
            .exists(
              eb
                .selectFrom("Message")
                .select(sql.lit(1).as("one"))
                .where("channel", "=", p.channel)
                .where("chatId", "=", p.chatId)
                // The predicate of PostgreSQL's partial index on the outbox: literals, not parameters.
                .where("direction", "=", sql.lit("out"))
                .where("status", "=", sql.lit("pending")),
            )
            .as("outboxPending")
        : sql<SqlBool>`FALSE`.as("outboxPending"),
    ])
    .select(["c.id", "c.channel", "c.chatId", "c.customerId", "c.snapshot", "c.version", "c.updatedAt"]);
const WITH_OUTBOX = statement<InboundParams>((p) => inboundStateQuery(p, true));
const WITHOUT_OUTBOX = statement<InboundParams>((p) => inboundStateQuery(p, false));

/**
 * What an inbound message's transaction reads first, in one statement; `outbox`: also whether the
 * chat has a pending outbound message (else `outboxPending` is false).
 */
export async function inboundState(
  tx: SqlTx,
  m: { channel: string; platformMessageId: string; chatId: string },
  outbox: boolean,
): Promise<InboundState> {
  const state = outbox ? WITH_OUTBOX : WITHOUT_OUTBOX;
  const r = (await tx.row(state.sql, ...state.args(m)))!;
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

type SavedConversation = {
  channel: string;
  chatId: string;
  customerId: string | null;
  snapshot: string;
  updatedAt: string;
};

const insertConversation = statement<SavedConversation & { id: string }>((p) =>
  qb.insertInto("Conversation").values({
    id: p.id,
    channel: p.channel,
    chatId: p.chatId,
    customerId: p.customerId,
    snapshot: p.snapshot,
    version: sql.lit(1),
    updatedAt: p.updatedAt,
  }),
);
const updateConversation = statement<SavedConversation & { version: number }>((p) =>
  qb
    .updateTable("Conversation")
    .set({
      snapshot: p.snapshot,
      customerId: p.customerId,
      version: (eb) => eb("version", "+", sql.lit(1)),
      updatedAt: p.updatedAt,
    })
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId)
    .where("version", "=", p.version),
);

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
  const updatedAt = iso(new Date());
  if (expectedVersion === null) {
    await tx.write(
      insertConversation.sql,
      ...insertConversation.args({
        id: newId(),
        channel: c.channel,
        chatId: c.chatId,
        customerId: c.customerId,
        snapshot: c.snapshot,
        updatedAt,
      }),
    );
    return;
  }
  // Not waited for on PostgreSQL: the check fails the transaction there if the version moved.
  await tx.writeExpecting(
    updateConversation.sql,
    updateConversation.args({
      snapshot: c.snapshot,
      customerId: c.customerId,
      updatedAt,
      channel: c.channel,
      chatId: c.chatId,
      version: expectedVersion,
    }),
    1,
    conflict,
  );
}

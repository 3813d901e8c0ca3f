/**
 * The hot path's SQL for messages and the outbox, written once for SQLite and PostgreSQL (see
 * {@link SqlTx}); values stored exactly as Prisma stores them. Every statement is built with the
 * query builder and compiled once (see queryBuilder.ts). Values the SQL always had as literals
 * stay literals: `"direction" = 'out' AND "status" = 'pending'` is the predicate of PostgreSQL's
 * partial index on the outbox, which a bound parameter would keep the planner from using.
 */
import { type Compilable, sql } from "kysely";
import { newId } from "./ids.js";
import { qb, type Statement, statement } from "./schema/queryBuilder.js";
import { iso, type MaybePromise, maybeDate, num, type SqlTx, str } from "./sqlTx.js";

// ---------------------------------------------------------------------------------------------
// Messages

const insertMessageRow = statement<{
  id: string;
  channel: string;
  chatId: string;
  direction: "in" | "out";
  platformMessageId: string | null;
  ticketId: string | null;
  text: string;
  body: string;
  status: string;
  at: string;
  nextAttemptAt: string | null;
  claimedBy: string | null;
  leaseUntil: string | null;
}>((p) =>
  qb.insertInto("Message").values({
    id: p.id,
    channel: p.channel,
    chatId: p.chatId,
    direction: p.direction,
    platformMessageId: p.platformMessageId,
    ticketId: p.ticketId,
    text: p.text,
    body: p.body,
    status: p.status,
    attempts: sql.lit(0),
    at: p.at,
    nextAttemptAt: p.nextAttemptAt,
    claimedBy: p.claimedBy,
    leaseUntil: p.leaseUntil,
  }),
);

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
    insertMessageRow.sql,
    ...insertMessageRow.args({
      id,
      channel: m.channel,
      chatId: m.chatId,
      direction: m.direction,
      platformMessageId: m.platformMessageId,
      ticketId: m.ticketId,
      text: m.text,
      body: m.body,
      status: m.status,
      at: iso(m.at),
      nextAttemptAt: m.nextAttemptAt ? iso(m.nextAttemptAt) : null,
      claimedBy: m.claim?.by ?? null,
      leaseUntil: m.claim ? iso(m.claim.until) : null,
    }),
  );
  return id;
}

/** Who an outbound row is claimed by, and until when (a lease). */
export interface OutboxClaim {
  by: string;
  until: Date;
}

const outboundBodies = statement<{ channel: string; pattern: string; since: string; limit: number }>((p) =>
  qb
    .selectFrom("Message")
    .select("body")
    .where("channel", "=", p.channel)
    .where((eb) => sql<boolean>`${eb.ref("chatId")} like ${p.pattern} escape '\\'`)
    .where("direction", "=", sql.lit("out"))
    .where("at", ">=", p.since)
    .limit(p.limit),
);

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
    outboundBodies.sql,
    ...outboundBodies.args({ channel, pattern, since: iso(since), limit: Math.trunc(limit) }),
  );
  return rows.map((r) => str(r.body));
}

const replaceText = statement<{ id: string; text: string }>((p) =>
  qb.updateTable("Message").set({ text: p.text }).where("id", "=", p.id),
);

/** Replaces the text of a queued outbound message. */
export async function setOutboundText(tx: SqlTx, id: string, text: string): Promise<void> {
  await tx.write(replaceText.sql, ...replaceText.args({ id, text }));
}

// ---------------------------------------------------------------------------------------------
// Outbox

const pendingOfChat = statement<{ channel: string; chatId: string }>((p) =>
  qb
    .selectFrom("Message")
    .select(["id", "channel", "chatId", "text", "body", "attempts", "nextAttemptAt"])
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId)
    .where("direction", "=", sql.lit("out"))
    .where("status", "=", sql.lit("pending"))
    .orderBy("at", "asc")
    .orderBy("id", "asc")
    .limit(sql.lit(100)),
);

/** A chat's undelivered messages, oldest first (at most 100). */
export async function pendingForChat(tx: SqlTx, channel: string, chatId: string) {
  const rows = await tx.rows(pendingOfChat.sql, ...pendingOfChat.args({ channel, chatId }));
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

/**
 * A statement ending in `"id" IN (…)` of as many ids as given, compiled once per length on first
 * use. Its other parameters come first, so a call binds them and then puts the ids in place
 * (no allocation but the argument list).
 */
function withIds<P extends object>(build: (p: P, ids: string[]) => Compilable) {
  const byLength = new Map<number, { statement: Statement<P>; first: number }>();
  const compile = (n: number) => {
    const ids: string[] = [];
    const s = statement<P>((p) => {
      const list = p as Record<string, string>;
      for (let i = 0; i < n; i++) ids.push(list[`id${i}`]!);
      return build(p, ids);
    });
    // Where the ids are bound: each parameter shown by its name, checked to be the last `n`.
    const names = s.args(new Proxy({} as P, { get: (_, name) => String(name) }));
    const first = names.length - n;
    names.forEach((name, i) => {
      if (i >= first !== (name === `id${i - first}`))
        throw new Error(`withIds: the ids must be the statement's last parameters (${s.sql})`);
    });
    return { statement: s, first };
  };
  /** Runs the statement for `ids` (at least one) as a {@link SqlTx.write}. */
  return (tx: SqlTx, params: P, ids: readonly string[]): MaybePromise<void> => {
    let compiled = byLength.get(ids.length);
    if (!compiled) {
      compiled = compile(ids.length);
      byLength.set(ids.length, compiled);
    }
    const args = compiled.statement.args(params);
    for (let i = 0; i < ids.length; i++) args[compiled.first + i] = ids[i]!;
    return tx.write(compiled.statement.sql, ...args);
  };
}

const markSent = withIds<{ deliveredAt: string }>((p, ids) =>
  qb
    .updateTable("Message")
    .set({
      status: sql.lit("sent"),
      deliveredAt: p.deliveredAt,
      attempts: (eb) => eb("attempts", "+", sql.lit(1)),
      claimedBy: sql.lit(null),
      leaseUntil: sql.lit(null),
    })
    .where("id", "in", ids),
);

/** Marks messages sent in one statement (one commit), by the ids the sender already has. */
export async function markDelivered(tx: SqlTx, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await markSent(tx, { deliveredAt: iso(at) }, ids);
}

const markFailed = statement<{
  id: string;
  status: "pending" | "failed";
  lastError: string;
  nextAttemptAt: string | null;
}>((p) =>
  qb
    .updateTable("Message")
    .set({
      status: p.status,
      attempts: (eb) => eb("attempts", "+", sql.lit(1)),
      lastError: p.lastError,
      nextAttemptAt: p.nextAttemptAt,
      claimedBy: sql.lit(null),
      leaseUntil: sql.lit(null),
    })
    .where("id", "=", p.id),
);

export async function markDeliveryFailed(
  tx: SqlTx,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await tx.write(
    markFailed.sql,
    ...markFailed.args({
      id,
      status: retryAt ? "pending" : "failed",
      lastError: error.slice(0, 1000),
      nextAttemptAt: retryAt ? iso(retryAt) : null,
    }),
  );
}

const pendingOutboundCount = statement((_p) =>
  qb
    .selectFrom("Message")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("direction", "=", sql.lit("out"))
    .where("status", "=", sql.lit("pending")),
);

export async function countPendingOutbound(tx: SqlTx): Promise<number> {
  const r = await tx.row(pendingOutboundCount.sql, ...pendingOutboundCount.args({}));
  return num(r!.n);
}

const claimIds = withIds<{ claimedBy: string; leaseUntil: string }>((p, ids) =>
  qb.updateTable("Message").set({ claimedBy: p.claimedBy, leaseUntil: p.leaseUntil }).where("id", "in", ids),
);

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
  await claimIds(
    tx,
    { claimedBy: instanceId, leaseUntil: iso(leaseUntil) },
    rows.map((r) => r.id),
  );
  return rows;
}

const releaseIds = withIds<{ claimedBy: string }>((p, ids) =>
  qb
    .updateTable("Message")
    .set({ claimedBy: sql.lit(null), leaseUntil: sql.lit(null) })
    .where("claimedBy", "=", p.claimedBy)
    .where("id", "in", ids),
);

/** Gives back claimed, unsent messages. */
export async function releaseOutbox(tx: SqlTx, ids: string[], instanceId: string): Promise<void> {
  if (ids.length === 0) return;
  await releaseIds(tx, { claimedBy: instanceId }, ids);
}

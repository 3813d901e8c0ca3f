/**
 * Coordination of several sportello instances on one database, on PostgreSQL's own mechanisms:
 *
 * - a chat is processed by one instance at a time: {@link Coordination.lockChat} takes a
 *   transaction-level advisory lock on the chat key inside the message's transaction;
 * - jobs and outbound messages are claimed with a lease (`claimedBy`, `leaseUntil`): jobs with
 *   `FOR UPDATE SKIP LOCKED`, a chat's outbox under a short advisory lock so its messages stay
 *   in order; a claim of an instance that is gone (its presence connection closed) or whose
 *   lease ran out is taken over;
 * - {@link Coordination.publish}/{@link Coordination.subscribe} fan events out to every instance
 *   (`LISTEN/NOTIFY`), e.g. a web chat reply sent by one instance to a customer streaming from
 *   another.
 *
 * SQLite is one instance: the same calls run the same code, the chat lock is the caller's
 * in-process queue, claims of an earlier process are taken over at once, and events stay in the
 * process. Leases are wall-clock time (an operational matter), never the business clock, which
 * tests and stories simulate.
 */
import { EventEmitter } from "node:events";
import { z } from "zod";
import {
  ADVISORY_XACT_LOCK,
  CHATS_WITH_DUE_OUTBOX,
  CLAIM_JOBS,
  CLAIM_JOBS_SQLITE,
  CLAIM_OUTBOX,
  COMPLETE_JOB,
  FAIL_JOB,
  NEXT_OUTBOX_ATTEMPT,
} from "./coordinationStatements.js";
import type { ClaimedOutbound, Coordination, CoordinationOptions, OutboxChat } from "./coordinationTypes.js";
import type { Database, StoreTx } from "./database.js";
import { parseJson } from "./json.js";
import { openBus, TOPIC_RE } from "./notifyBus.js";
import { pgOneTrip } from "./pgTransaction.js";
import { PgTx } from "./pgTx.js";
import { LIVE_INSTANCES, newInstanceId, presenceName } from "./presence.js";
import * as sql from "./sqlMessages.js";
import { iso, maybeDate, type SqlRow } from "./sqlTx.js";
import { type JobRow, messageBodySchema } from "./supportStore.js";

export type {
  BusState,
  ClaimedOutbound,
  Coordination,
  CoordinationOptions,
  OutboxChat,
} from "./coordinationTypes.js";
export { MAX_NOTIFY_BYTES } from "./notifyBus.js";

const jobPayload = z.record(z.string(), z.unknown());

/**
 * Takes a chat's lock in the transaction `tx` (held until it ends), as the runtime does before
 * it handles the chat: PostgreSQL, an advisory lock by chat key; SQLite, nothing (its one
 * writer runs one transaction at a time).
 */
export async function lockChat(tx: StoreTx, chatKey: string): Promise<void> {
  if (tx instanceof PgTx)
    await tx.write(ADVISORY_XACT_LOCK.sql, ...ADVISORY_XACT_LOCK.args({ key: `chat:${chatKey}` }));
}

/** A date from a raw row (drivers give Date, or text without a zone for `timestamp(3)`). */
function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const s = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(" ", "T")}Z`);
}

/** Jobs, oldest due first. */
function toJobRows(rows: SqlRow[]): JobRow[] {
  return rows.map(toJobRow).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : 1));
}

/** The chat's outbox lock key (one sender per chat's outbox at a time). */
const outboxLockKey = (chat: OutboxChat) => `outbox:${chat.channel}:${chat.chatId}`;

/** Claimed rows, oldest first. */
function toClaimedRows(rows: Record<string, unknown>[]): ClaimedOutbound[] {
  return rows
    .map((r) => ({ row: toClaimed(r as Parameters<typeof toClaimed>[0]), at: toDate(r.at).getTime() }))
    .sort((a, b) => a.at - b.at || (a.row.id < b.row.id ? -1 : 1))
    .map((r) => r.row);
}

function toJobRow(r: Record<string, unknown>): JobRow {
  return {
    id: String(r.id),
    kind: String(r.kind),
    key: String(r.key),
    dueAt: toDate(r.dueAt),
    payload: parseJson(jobPayload, String(r.payload), {}),
    attempts: Number(r.attempts),
  };
}

function toClaimed(r: {
  id: string;
  channel: string;
  chatId: string;
  text: string;
  body: string;
  attempts: number | bigint;
  nextAttemptAt: unknown;
}): ClaimedOutbound {
  return {
    id: r.id,
    channel: r.channel,
    chatId: r.chatId,
    text: r.text,
    body: parseJson(messageBodySchema, r.body, {}),
    attempts: Number(r.attempts),
    nextAttemptAt: r.nextAttemptAt === null || r.nextAttemptAt === undefined ? null : toDate(r.nextAttemptAt),
  };
}

/**
 * Creates the coordination of this instance; on PostgreSQL it resolves once the presence
 * connection is open (so this instance's claims are respected from its first one).
 */
export async function createCoordination(
  db: Database,
  options: CoordinationOptions = {},
): Promise<Coordination> {
  const coordination = startCoordination(db, options);
  await coordination.ready;
  return coordination;
}

/**
 * Like {@link createCoordination}, without waiting: the presence connection opens in the
 * background (a runtime built without one, e.g. in tests, gets this).
 */
export function startCoordination(
  db: Database,
  options: CoordinationOptions = {},
): Coordination & { readonly ready: Promise<void> } {
  const instanceId = options.instanceId ?? newInstanceId(options.tool ?? false);
  const jobLeaseMs = options.jobLeaseMs ?? 5 * 60_000;
  const outboxLeaseMs = options.outboxLeaseMs ?? 2 * 60_000;
  const wall = options.wallClock ?? Date.now;
  const local = new EventEmitter();
  local.setMaxListeners(0);

  const common = {
    instanceId,
    async completeJob(id: string, at: Date): Promise<boolean> {
      const changed = await db.session(async (tx) =>
        tx.run(COMPLETE_JOB.sql, ...COMPLETE_JOB.args({ doneAt: iso(at), id, instanceId })),
      );
      return changed === 1;
    },
    async failJob(id: string, error: string, retryAt: Date | null): Promise<void> {
      await db.session(async (tx) =>
        tx.run(
          FAIL_JOB.sql,
          ...FAIL_JOB.args({
            status: retryAt ? "pending" : "failed",
            error: error.slice(0, 1000),
            retryAt: retryAt ? iso(retryAt) : null,
            id,
            instanceId,
          }),
        ),
      );
    },
    async releaseOutbox(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await db.session((client) => sql.releaseOutbox(client, ids, instanceId));
    },
    async chatsWithDueOutbox(now: Date, limit = 500): Promise<OutboxChat[]> {
      const rows = await db.session(async (tx) =>
        tx.rows(CHATS_WITH_DUE_OUTBOX.sql, ...CHATS_WITH_DUE_OUTBOX.args({ now: iso(now), limit })),
      );
      return rows.map((r) => ({ channel: String(r.channel), chatId: String(r.chatId) }));
    },
    async nextOutboxAttempt(): Promise<Date | null> {
      const row = await db.session(async (tx) =>
        tx.row(NEXT_OUTBOX_ATTEMPT.sql, ...NEXT_OUTBOX_ATTEMPT.args({})),
      );
      return maybeDate(row?.nextAttemptAt);
    },
    subscribe(topic: string, handler: (payload: string) => void): () => void {
      local.on(topic, handler);
      return () => {
        local.off(topic, handler);
      };
    },
  };

  if (db.provider === "sqlite") {
    return {
      ...common,
      ready: Promise.resolve(),
      async lockChat() {
        // One instance: the caller's in-process queue already runs a chat's messages one by one.
      },
      async claimJobs(now, limit = 100) {
        // One statement: the select and the claim are one step.
        const rows = await db.session(async (tx) =>
          tx.rows(
            CLAIM_JOBS_SQLITE.sql,
            ...CLAIM_JOBS_SQLITE.args({
              instanceId,
              leaseUntil: iso(new Date(wall() + jobLeaseMs)),
              now: iso(now),
              wallNow: iso(new Date(wall())),
              limit,
            }),
          ),
        );
        return toJobRows(rows);
      },
      async claimChatOutbox(chat) {
        const leaseUntil = new Date(wall() + outboxLeaseMs);
        // The hot path's shared connection: cached statements.
        return db.session(async (client) =>
          (await sql.claimChatOutbox(client, chat.channel, chat.chatId, instanceId, leaseUntil)).map(
            toClaimed,
          ),
        );
      },
      async publish(topic, payload) {
        if (!TOPIC_RE.test(topic)) throw new Error(`bad topic ${topic}`);
        local.emit(topic, payload);
      },
      async liveInstances() {
        return [instanceId];
      },
      async close() {
        local.removeAllListeners();
      },
    };
  }

  // PostgreSQL: one dedicated connection LISTENs and announces this instance (application_name):
  // while it is open, the instance's claims are respected until their lease ends; once it is
  // closed (process gone), they are taken over at once.
  const bus = openBus(db.url, presenceName(instanceId), local, options.onBusState);
  const claimArgs = (chat: OutboxChat) =>
    CLAIM_OUTBOX.args({
      instanceId,
      leaseUntil: new Date(wall() + outboxLeaseMs).toISOString(),
      channel: chat.channel,
      chatId: chat.chatId,
      now: new Date(wall()).toISOString(),
    });
  const lockArgs = (key: string) => ADVISORY_XACT_LOCK.args({ key });
  return {
    ...common,
    ready: bus.ready,
    async lockChat(tx, chatKey) {
      // Not awaited: the pipelined statements sent after it run once the lock is held, and its
      // round trip is shared with the transaction's first reads.
      await tx.write(ADVISORY_XACT_LOCK.sql, ...lockArgs(`chat:${chatKey}`));
    },
    async claimJobs(now, limit = 100) {
      const rows = await db.session(async (tx) =>
        tx.rows(
          CLAIM_JOBS.sql,
          ...CLAIM_JOBS.args({
            instanceId,
            leaseUntil: new Date(wall() + jobLeaseMs).toISOString(),
            now: now.toISOString(),
            wallNow: new Date(wall()).toISOString(),
            limit,
          }),
        ),
      );
      return toJobRows(rows);
    },
    async claimChatOutbox(chat) {
      // Two instances claiming the same chat would each see the other's claim only after it
      // commits: a short lock per chat makes the check and the claim one step. Both statements go
      // in one round trip, as one transaction; the claim reads with a snapshot taken after the lock.
      const rows = await pgOneTrip(db.pool!, [
        [ADVISORY_XACT_LOCK.sql, lockArgs(outboxLockKey(chat))],
        [CLAIM_OUTBOX.sql, claimArgs(chat)],
      ]);
      return toClaimedRows(rows);
    },
    insertClaim: () => ({ by: instanceId, until: new Date(wall() + outboxLeaseMs) }),
    async claimChatOutboxIn(tx, chat) {
      // Pipelined: the lock, then the claim with a snapshot taken once the lock is held.
      await tx.write(ADVISORY_XACT_LOCK.sql, ...lockArgs(outboxLockKey(chat)));
      return toClaimedRows(await tx.rows(CLAIM_OUTBOX.sql, ...claimArgs(chat)));
    },
    publish: (topic, payload) => bus.publish(topic, payload),
    subscribe(topic, handler) {
      bus.listen(topic);
      return common.subscribe(topic, handler);
    },
    async liveInstances() {
      const rows = await db.session(async (tx) => tx.rows(LIVE_INSTANCES));
      return rows.map((r) => String(r.id));
    },
    async close() {
      local.removeAllListeners();
      await bus.close();
    },
  };
}

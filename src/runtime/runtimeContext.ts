/**
 * What every runtime module shares: the dependencies ({@link RuntimeContext}), the work one
 * transaction collects for after its commit ({@link Effects}) and hands on within it
 * ({@link HandOff}), the audit-trail writer and the per-chat transaction helper.
 */
import type { ConversationEvent } from "../../flows/conversationMachine.js";
import type { DomainEventName, DomainEvents } from "../../flows/domainEvents.js";
import type { ChannelAdapter } from "../channels/port.js";
import type { ClaimedOutbound, Coordination } from "../data/coordination.js";
import type { Database, StoreTx, TransactionOptions } from "../data/database.js";
import type { OutboxClaim } from "../data/sqlMessages.js";
import * as store from "../data/supportStore.js";
import type { StaffDesk } from "../desk/port.js";
import type { Renderer } from "../i18n/renderer.js";
import type { Logger } from "../observability/logger.js";
import type { Policy } from "../policy/schema.js";
import type { Clock } from "./clock.js";
import type { KeyedQueue } from "./keyedQueue.js";
import type { OutboxMemory, QueuedOutbound } from "./outboxMemory.js";
import {
  type ChatRef,
  chatKey,
  type DomainEvent,
  RuntimeError,
  type RuntimeOptions,
} from "./runtimeTypes.js";

/** The dependencies of the runtime's modules, built once by {@link SupportRuntime}. */
export interface RuntimeContext {
  readonly db: Database;
  readonly policy: Policy;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly renderer: Renderer;
  readonly options: RuntimeOptions;
  /** Channels by name (the web channel is added after construction). */
  readonly channels: Map<string, ChannelAdapter>;
  /** Desks notified of ticket changes (may grow after construction). */
  readonly desks: StaffDesk[];
  /** Runs the work that changes a chat one task at a time, in arrival order. */
  readonly chatQueue: KeyedQueue;
  /** Chat locks and claims shared with the other instances on the database. */
  readonly coordination: Coordination;
  /** SQLite (one instance) only: the outbox rows this process committed, delivered from memory. */
  readonly outboxMemory: OutboxMemory | null;
}

/**
 * Work one executor hands another within the transaction, queued rather than called back (see
 * `handOffs.ts`): the events the ticket machine passes on to a chat's conversation, and the mail
 * that follows a close.
 */
export type HandOff =
  | { kind: "conversation"; chat: ChatRef; events: ConversationEvent[]; customerId: string | null }
  | { kind: "afterClose"; number: string };

/** Work collected during one transaction and acted on after it commits. */
export interface Effects {
  /**
   * Work handed on in this transaction, in order, run by the transaction's owner before it ends
   * (null until something is handed on).
   */
  handOffs: HandOff[] | null;
  /** Chats with new outbound messages, delivered after commit. */
  outbound: Map<string, ChatRef>;
  /** The outbound rows queued, per chat key, oldest first (see {@link queueOutbound}). */
  queued: Map<string, QueuedOutbound[]>;
  /** A job due now was scheduled: the scheduler should run soon. */
  jobsDue: boolean;
  /** Domain events recorded, for {@link RuntimeOptions.onEvents}. */
  events: DomainEvent[];
  ticketsOpened: number;
  ticketsClosed: number;
  /** E-mail chats: the outbound row this turn's replies are gathered into (one e-mail per turn). */
  mailTurn: Map<string, QueuedOutbound>;
  /**
   * PostgreSQL: the chats' outbox rows claimed in the transaction just before its COMMIT (see
   * {@link Coordination.claimChatOutboxIn}), per chat key; delivered after the commit without a
   * claim of their own.
   */
  claims: Map<string, Promise<ClaimedOutbound[]>>;
  /**
   * PostgreSQL: per chat key, the claim this transaction's outbound rows for the chat are
   * inserted with (see {@link Coordination.insertClaim}); chats not here are claimed before COMMIT.
   */
  insertClaims: Map<string, OutboxClaim>;
  /** Chats whose rows were inserted already claimed (delivered after commit as they are). */
  claimedAsQueued: Set<string>;
}

/** Acts on what a committed transaction collected (delivery, events, scheduler). */
export type AfterCommit = (fx: Effects) => Promise<void>;

/** An empty {@link Effects} for a new transaction. */
export function newEffects(): Effects {
  return {
    handOffs: null,
    outbound: new Map(),
    queued: new Map(),
    jobsDue: false,
    events: [],
    ticketsOpened: 0,
    ticketsClosed: 0,
    mailTurn: new Map(),
    claims: new Map(),
    insertClaims: new Map(),
    claimedAsQueued: new Set(),
  };
}

/** Hands work on to the transaction's owner (see {@link HandOff}). */
export function handOff(fx: Effects, work: HandOff): void {
  if (fx.handOffs) fx.handOffs.push(work);
  else fx.handOffs = [work];
}

/** Notes that a chat has new outbound messages to deliver after commit. */
export function markOutbound(fx: Effects, chat: ChatRef): void {
  fx.outbound.set(chatKey(chat), chat);
}

/**
 * Queues an outbound message in the transaction and notes it for delivery after the commit;
 * returns the row as queued (an e-mail turn changes its text with {@link setQueuedText}).
 */
export async function queueOutbound(
  tx: StoreTx,
  fx: Effects,
  m: Parameters<typeof store.queueOutbound>[1] & { channel: ChatRef["channel"] },
): Promise<QueuedOutbound> {
  const chat: ChatRef = { channel: m.channel, chatId: m.chatId };
  const key = chatKey(chat);
  const claim = fx.insertClaims.get(key) ?? null;
  if (claim) fx.claimedAsQueued.add(key);
  const row: QueuedOutbound = {
    id: await store.queueOutbound(tx, { ...m, claim }),
    text: m.text,
    body: m.body,
  };
  const rows = fx.queued.get(key);
  if (rows) rows.push(row);
  else fx.queued.set(key, [row]);
  markOutbound(fx, chat);
  return row;
}

/** Replaces the text of an outbound message queued in this transaction. */
export async function setQueuedText(tx: StoreTx, row: QueuedOutbound, text: string): Promise<void> {
  row.text = text;
  await store.setOutboundText(tx, row.id, text);
}

/** An audit-trail entry about a ticket (or about no ticket, e.g. a customer registering). */
export type AuditEntry = {
  [N in DomainEventName]: {
    ticketId: string | null;
    ticket: string | null;
    type: N;
    actor: string | null;
    payload: DomainEvents[N];
  };
}[DomainEventName];

/** Stores an audit-trail entry in the transaction and collects it for {@link RuntimeOptions.onEvents}. */
export async function recordEvent(
  ctx: RuntimeContext,
  tx: StoreTx,
  fx: Effects,
  e: AuditEntry,
): Promise<void> {
  const at = ctx.clock.now();
  // Each name with its own payload (the spread keeps the union); the store adds the ticket number.
  await store.recordEvent(tx, { ...e, at });
  // The rest of the entry keeps each name with its own payload (no cast: the union distributes).
  const { ticketId: _ticketId, actor: _actor, ...event } = e;
  fx.events.push({ ...event, at });
}

/**
 * Runs `work` in one database transaction, serialised with everything else that changes this
 * chat — in this process by the chat queue, across instances by the chat lock taken first in the
 * transaction — and returns its result and the effects to act on after the commit.
 *
 * With `shared`, the transaction may be shared with other chats' (PostgreSQL group commit) and
 * `work` may then run twice: it must keep its effects in the transaction and in `fx`.
 *
 * A transaction that fails for the database's sake (disk full, connection lost) rejects this
 * one call only: nothing was committed, nothing is sent, the next task of the chat runs as usual,
 * and `/health` shows the failure until a transaction commits again.
 */
export async function inChatTransaction<T>(
  ctx: RuntimeContext,
  chat: ChatRef,
  work: (tx: StoreTx, fx: Effects) => Promise<T>,
  options?: TransactionOptions,
): Promise<{ value: T; fx: Effects }> {
  const key = chatKey(chat);
  return ctx.chatQueue.run(key, async () => {
    let fx!: Effects;
    let value: T;
    try {
      value = await ctx.db.transaction(
        async (tx) => {
          // A shared transaction that failed runs its members again: each run starts afresh.
          fx = newEffects();
          await ctx.coordination.lockChat(tx, key);
          const result = await work(tx, fx);
          // Handed-on work is the owner's to run before the transaction ends (a defect if not).
          if (fx.handOffs?.length) throw new Error(`work handed on but never run: ${fx.handOffs[0]!.kind}`);
          claimOutboxBeforeCommit(ctx, tx, fx);
          return result;
        },
        options?.shared ? { ...options, key } : options,
      );
    } catch (error) {
      if (!(error instanceof RuntimeError)) {
        ctx.options.health?.error("database.commit", `a transaction failed: ${errorLine(error)}`);
      }
      throw error;
    }
    ctx.outboxMemory?.committed(fx, fx.queued);
    ctx.options.health?.ok("database.commit");
    return { value, fx };
  });
}

/**
 * PostgreSQL: claims the outbox of every chat the transaction queued messages for, last in the
 * transaction (not awaited: the claims go out with COMMIT and are answered before it). A failed
 * claim aborts the transaction, so its commit fails and the claim is never read. Rows inserted
 * already claimed need no claim.
 */
function claimOutboxBeforeCommit(ctx: RuntimeContext, tx: StoreTx, fx: Effects): void {
  const claim = ctx.coordination.claimChatOutboxIn;
  if (!claim) return;
  // One order for every transaction: two claiming the same chats never wait on each other.
  for (const key of [...fx.outbound.keys()].sort()) {
    const chat = fx.outbound.get(key)!;
    if (fx.claimedAsQueued.has(key)) {
      // Inserted claimed; read the rows at delivery (an e-mail turn may still change a text).
      fx.claims.set(
        key,
        Promise.resolve().then(() =>
          (fx.queued.get(key) ?? []).map((r) => ({ ...r, ...chat, attempts: 0, nextAttemptAt: null })),
        ),
      );
      continue;
    }
    const claimed = claim(tx, chat);
    claimed.catch(() => undefined);
    fx.claims.set(key, claimed);
  }
}

/** The last meaningful line of an error message (Prisma's are long). */
function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? "unknown error"
  ).slice(0, 300);
}

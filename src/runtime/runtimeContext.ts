/**
 * What every runtime module shares: the dependencies ({@link RuntimeContext}), the work one
 * transaction collects for after its commit ({@link Effects}), the audit-trail writer and the
 * per-chat transaction helper.
 */
import type { ChannelAdapter } from "../channels/port.js";
import type { Coordination } from "../data/coordination.js";
import type { Database, StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { StaffDesk } from "../desk/port.js";
import type { Renderer } from "../i18n/renderer.js";
import type { Logger } from "../observability/logger.js";
import type { Policy } from "../policy/schema.js";
import type { Clock } from "./clock.js";
import type { KeyedQueue } from "./keyedQueue.js";
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
}

/** Work collected during one transaction and acted on after it commits. */
export interface Effects {
  /** Chats with new outbound messages, delivered after commit. */
  outbound: Map<string, ChatRef>;
  /** A job due now was scheduled: the scheduler should run soon. */
  jobsDue: boolean;
  /** Domain events recorded, for {@link RuntimeOptions.onEvents}. */
  events: DomainEvent[];
  ticketsOpened: number;
  ticketsClosed: number;
}

/** Acts on what a committed transaction collected (delivery, events, scheduler). */
export type AfterCommit = (fx: Effects) => Promise<void>;

/** An empty {@link Effects} for a new transaction. */
export function newEffects(): Effects {
  return { outbound: new Map(), jobsDue: false, events: [], ticketsOpened: 0, ticketsClosed: 0 };
}

/** Notes that a chat has new outbound messages to deliver after commit. */
export function markOutbound(fx: Effects, chat: ChatRef): void {
  fx.outbound.set(chatKey(chat), chat);
}

/** An audit-trail entry about a ticket (or about no ticket, e.g. a customer registering). */
export interface AuditEntry {
  ticketId: string | null;
  ticket: string | null;
  type: string;
  actor: string | null;
  payload: Record<string, unknown>;
}

/** Stores an audit-trail entry in the transaction and collects it for {@link RuntimeOptions.onEvents}. */
export async function recordEvent(
  ctx: RuntimeContext,
  tx: StoreTx,
  fx: Effects,
  e: AuditEntry,
): Promise<void> {
  const at = ctx.clock.now();
  await store.recordEvent(tx, {
    ticketId: e.ticketId,
    type: e.type,
    actor: e.actor,
    payload: { ...e.payload, ticket: e.ticket },
    at,
  });
  fx.events.push({ type: e.type, ticket: e.ticket, payload: e.payload, at });
}

/**
 * Runs `work` in one database transaction, serialised with everything else that changes this
 * chat — in this process by the chat queue, across instances by the chat lock taken first in the
 * transaction — and returns its result and the effects to act on after the commit.
 *
 * A transaction that fails for the database's sake (disk full, connection lost) rejects this
 * one call only: nothing was committed, nothing is sent, the next task of the chat runs as usual,
 * and `/health` shows the failure until a transaction commits again.
 */
export async function inChatTransaction<T>(
  ctx: RuntimeContext,
  chat: ChatRef,
  work: (tx: StoreTx, fx: Effects) => Promise<T>,
): Promise<{ value: T; fx: Effects }> {
  const key = chatKey(chat);
  return ctx.chatQueue.run(key, async () => {
    const fx = newEffects();
    let value: T;
    try {
      value = await ctx.db.transaction(async (tx) => {
        await ctx.coordination.lockChat(tx, key);
        return work(tx, fx);
      });
    } catch (error) {
      if (!(error instanceof RuntimeError)) {
        ctx.options.health?.error("database.commit", `a transaction failed: ${errorLine(error)}`);
      }
      throw error;
    }
    ctx.options.health?.ok("database.commit");
    return { value, fx };
  });
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

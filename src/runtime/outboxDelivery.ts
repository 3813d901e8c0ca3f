/**
 * Outbox delivery: sends a chat's pending outbound messages oldest first, marks them sent, and on
 * failure retries that chat alone within seconds (or gives up on a permanent error). A chat whose
 * message fails keeps its later messages queued, so order is never broken. Among instances on one
 * database a chat's messages are claimed as a block with a lease, so only one instance sends them
 * and none twice; in this process one pass at a time runs per chat.
 *
 * On SQLite (one instance) the rows a transaction just queued are sent from memory after its
 * commit when nothing older is pending for the chat ({@link OutboxMemory}), and their "sent"
 * marks of one turn are written together in the next group commit. A crash between a send and
 * its mark re-sends the message at restart (at-least-once), as on the database path.
 */
import type { ChannelAdapter, ChannelName, OutboundAttachment, OutboundMessage } from "../channels/port.js";
import type { ClaimedOutbound } from "../data/coordination.js";
import * as store from "../data/supportStore.js";
import { nextDeliveryDelay, WakeUps } from "./deliveryRetry.js";
import { noteSent } from "./deliveryStatus.js";
import { KeyedQueue } from "./keyedQueue.js";
import type { QueuedOutbound } from "./outboxMemory.js";
import type { Effects, RuntimeContext } from "./runtimeContext.js";
import { type ChatRef, chatKey } from "./runtimeTypes.js";
import { applyServiceWindow } from "./serviceWindow.js";

/** Most rows {@link Coordination.claimChatOutbox} claims at once. */
const CLAIM_LIMIT = 100;

/** Most rows marked sent by one statement. */
const MARK_SLICE = 64;

/** Sent and failed counts of a delivery pass. */
export interface DeliveryTotals {
  sent: number;
  failed: number;
}

/** Delivers the outbox to the channels. */
export class OutboxDelivery {
  private readonly perChat = new KeyedQueue();
  /** A chat waiting for a retry is woken exactly when it is due, not at the next scheduler pass. */
  private readonly wakeUps = new WakeUps();
  private stopped = false;
  /** "Sent" marks waiting for the next group commit (SQLite), and the promise of that write. */
  private marks: { ids: string[]; written: Promise<void> } | null = null;

  /**
   * @param onGiveUp told about each message the outbox gives up on (permanent error or attempts
   *   used up), after it was marked failed; staff are told from there.
   */
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly onGiveUp?: (chat: ChatRef, outboxId: string, error: unknown) => Promise<void>,
  ) {}

  /** Sends every due pending message (after a restart, and on the scheduler's passes). */
  async deliverDue(): Promise<DeliveryTotals> {
    const chats = await this.ctx.coordination.chatsWithDueOutbox(this.ctx.clock.now(), 500);
    return this.deliverChats(chats.map((c) => ({ channel: c.channel as ChannelName, chatId: c.chatId })));
  }

  /** Sends the pending messages of these chats. */
  deliverChats(chats: ChatRef[]): Promise<DeliveryTotals> {
    return this.deliver(chats, null);
  }

  /**
   * After a commit: sends the messages the transaction queued (`fx.outbound`), from memory on
   * SQLite when the chat has nothing older pending, else as {@link deliverChats} does.
   */
  deliverCommitted(fx: Effects): Promise<DeliveryTotals> {
    return this.deliver([...fx.outbound.values()], fx);
  }

  private async deliver(chats: ChatRef[], fx: Effects | null): Promise<DeliveryTotals> {
    const totals = { sent: 0, failed: 0 };
    const memory = this.ctx.outboxMemory;
    await Promise.all(
      chats.map((chat) => {
        const key = chatKey(chat);
        // One pass at a time per chat here; the claim keeps other instances out meanwhile.
        return this.perChat.run(key, async () => {
          const queued = fx && memory ? memory.take(key, fx) : null;
          const result = queued
            ? await this.deliverQueued(chat, queued)
            : await this.deliverChat(chat, fx?.claims.get(key));
          totals.sent += result.sent;
          totals.failed += result.failed;
        });
      }),
    );
    const metrics = this.ctx.options.metrics;
    if (metrics) metrics.outboxDepth(await this.ctx.db.session((c) => store.countPendingOutbound(c)));
    return totals;
  }

  /** Stops the retry wake-ups (the scheduler's passes still deliver what is due). */
  stop(): void {
    this.stopped = true;
    this.wakeUps.clear();
  }

  /**
   * Sends rows just committed, in hand, oldest first (SQLite, nothing older pending): as
   * {@link deliverChat} without selecting and claiming them; marks them sent in the next group
   * commit.
   */
  private async deliverQueued(chat: ChatRef, queued: QueuedOutbound[]): Promise<DeliveryTotals> {
    const { ctx } = this;
    const memory = ctx.outboxMemory!;
    const adapter = ctx.channels.get(chat.channel);
    let clear = false;
    let sent = 0;
    let failed = 0;
    const delivered: string[] = [];
    try {
      // No adapter (channel off): messages stay pending for when the channel comes back.
      if (!adapter) return { sent, failed };
      for (const row of queued) {
        const claimed: ClaimedOutbound = { ...row, ...chat, attempts: 0, nextAttemptAt: null };
        try {
          await this.send(adapter, chat, claimed);
          delivered.push(row.id);
          ctx.options.metrics?.messageOut(chat.channel);
          sent++;
        } catch (error) {
          if (await this.recordFailure(chat, claimed, error, delivered.splice(0))) {
            failed = 1;
            break;
          }
        }
      }
      await this.markSent(delivered.splice(0));
      clear = failed === 0;
      return { sent, failed };
    } catch (error) {
      // The messages sent before the fault are still marked (else they go again at the next pass).
      await this.markSent(delivered).catch(() => undefined);
      throw error;
    } finally {
      memory.settle(chatKey(chat), [], clear);
    }
  }

  /**
   * Records a failed send (and marks the ones sent before it): a retry is scheduled and true
   * returned (the chat waits), or the message is given up and false returned (the next ones go).
   */
  private async recordFailure(
    chat: ChatRef,
    row: ClaimedOutbound,
    error: unknown,
    sentBefore: string[],
  ): Promise<boolean> {
    const { ctx } = this;
    const attempt = row.attempts + 1;
    const delay = this.retryDelay(error, attempt);
    const retryAt = delay === null ? null : new Date(ctx.clock.now().getTime() + delay);
    await ctx.db.session(async (c) => {
      await store.markDelivered(c, sentBefore, ctx.clock.now());
      await store.markDeliveryFailed(c, row.id, (error as Error).message, retryAt);
    });
    ctx.logger.warn({ err: error, channel: chat.channel, chat: chat.chatId, retryAt }, "delivery failed");
    // A permanently failed message no longer holds back the ones after it.
    if (delay === null) {
      await this.onGiveUp?.(chat, row.id, error).catch((reportError: unknown) =>
        ctx.logger.error({ err: reportError, chat: chat.chatId }, "delivery failure not reported"),
      );
      return false;
    }
    this.wakeAt(chat, delay);
    return true;
  }

  /**
   * Marks these rows sent together with every other chat's marks of this turn of the event loop,
   * in one transaction (on SQLite part of the next group commit); resolves once written.
   */
  private markSent(ids: string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    if (this.marks) {
      this.marks.ids.push(...ids);
      return this.marks.written;
    }
    const batch = { ids: [...ids], written: Promise.resolve() };
    batch.written = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.marks = null;
      const at = this.ctx.clock.now();
      return this.ctx.db.carry(async (tx) => {
        // In slices: one prepared statement per IN-list length, so a few dozen at most.
        for (let i = 0; i < batch.ids.length; i += MARK_SLICE)
          await store.markDelivered(tx, batch.ids.slice(i, i + MARK_SLICE), at);
      });
    });
    this.marks = batch;
    return batch.written;
  }

  /**
   * Sends a chat's pending messages oldest first, stopping at the first one not due or failing;
   * `claimed` are the rows the committed transaction already claimed (PostgreSQL), else they are
   * claimed now.
   */
  private async deliverChat(chat: ChatRef, claimed?: Promise<ClaimedOutbound[]>): Promise<DeliveryTotals> {
    const { ctx } = this;
    const memory = ctx.outboxMemory;
    const adapter = ctx.channels.get(chat.channel);
    // No adapter (channel off): messages stay pending for when the channel comes back.
    if (!adapter) {
      memory?.settle(chatKey(chat), [], false);
      return { sent: 0, failed: 0 };
    }
    let clear = false;
    let rows: ClaimedOutbound[] = [];
    try {
      rows = (await claimed) ?? [];
      // Claimed nothing in the transaction: an earlier delivery of this chat had rows in hand
      // then; it has finished now (one pass at a time per chat), so claim what is pending.
      if (rows.length === 0) rows = await ctx.coordination.claimChatOutbox(chat);
      const result = await this.sendClaimed(chat, rows);
      // Nothing left behind, and every pending row was in the claim: the chat is clear.
      clear = result.complete && rows.length < CLAIM_LIMIT;
      return result;
    } finally {
      memory?.settle(
        chatKey(chat),
        rows.map((r) => r.id),
        clear,
      );
    }
  }

  /** Sends claimed rows oldest first, stopping at the first one not due or failing. */
  private async sendClaimed(
    chat: ChatRef,
    rows: ClaimedOutbound[],
  ): Promise<DeliveryTotals & { complete: boolean }> {
    const { ctx } = this;
    const adapter = ctx.channels.get(chat.channel)!;
    const now = ctx.clock.now();
    let sent = 0;
    let failed = 0;
    // Marked sent in one statement per pass; a crash before it re-sends them (at-least-once).
    const delivered: string[] = [];
    let index = 0;
    try {
      for (; index < rows.length; index++) {
        const row = rows[index]!;
        if (row.nextAttemptAt && row.nextAttemptAt > now) {
          this.wakeAt(chat, row.nextAttemptAt.getTime() - now.getTime());
          break;
        }
        try {
          await this.send(adapter, chat, row);
          delivered.push(row.id);
          ctx.options.metrics?.messageOut(chat.channel);
          sent++;
        } catch (error) {
          if (!(await this.recordFailure(chat, row, error, delivered.splice(0)))) continue;
          failed = 1;
          index++;
          break;
        }
      }
    } finally {
      await this.markSent(delivered);
      // The rest (not due, or behind a failed one) is given back for the next pass.
      await ctx.coordination.releaseOutbox(rows.slice(index).map((r) => r.id));
    }
    return { sent, failed, complete: index === rows.length && failed === 0 };
  }

  /** The delay before the next attempt, or null to give up. */
  private retryDelay(error: unknown, attempt: number): number | null {
    const custom = this.ctx.options.retryDelayMs;
    const delay = nextDeliveryDelay(error, attempt);
    if (delay === null || !custom) return delay;
    // A configured schedule replaces the backoff, never a platform's own retry_after.
    const platform = (error as { retryAfterMs?: number }).retryAfterMs;
    return platform !== undefined ? delay : custom(attempt);
  }

  private wakeAt(chat: ChatRef, delayMs: number): void {
    if (this.stopped) return;
    this.wakeUps.schedule(chatKey(chat), Math.max(0, delayMs), () => {
      void this.deliverChats([chat]).catch((error) =>
        this.ctx.logger.warn({ err: error, chat: chat.chatId }, "delivery retry failed"),
      );
    });
  }

  /**
   * Hands one row to its channel: within the channel's customer-service window as it is, outside
   * it as a template (see serviceWindow.ts); notes the platform's id where statuses come back.
   */
  private async send(adapter: ChannelAdapter, chat: ChatRef, row: ClaimedOutbound): Promise<void> {
    const message = await applyServiceWindow(
      this.ctx,
      adapter,
      await this.toMessage(chat, row),
      row.body.kind,
    );
    const result = await adapter.send(message);
    if (!adapter.reportsDeliveryStatus) return;
    const ids = result.platformMessageIds ?? (result.platformMessageId ? [result.platformMessageId] : []);
    await noteSent(
      this.ctx,
      ids.map((platformMessageId) => ({ ...chat, platformMessageId, messageId: row.id })),
    );
  }

  private async toMessage(chat: ChatRef, row: ClaimedOutbound): Promise<OutboundMessage> {
    const media = this.ctx.options.mediaStore;
    const files = row.body.attachments?.filter((a) => a.ref) ?? [];
    const attachments: OutboundAttachment[] = [];
    for (const file of files) {
      if (!media) break;
      attachments.push({
        kind: file.kind as OutboundAttachment["kind"],
        name: file.name ?? "file",
        data: await media.get(file.ref!),
        ...(file.mime ? { mime: file.mime } : {}),
      });
    }
    return {
      channel: chat.channel,
      chatId: chat.chatId,
      text: row.text,
      outboxId: row.id,
      ...(row.body.choices ? { choices: row.body.choices } : {}),
      ...(attachments.length ? { attachments } : {}),
      ...(row.body.subject ? { subject: row.body.subject } : {}),
    };
  }
}

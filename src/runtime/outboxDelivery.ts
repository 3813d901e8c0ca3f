/**
 * Outbox delivery: sends a chat's pending outbound messages oldest first, one pass at a time per
 * chat, marks them sent, and on failure schedules a retry with backoff (or gives up on a permanent
 * error). A chat whose message fails keeps its later messages queued, so order is never broken.
 */
import type { ChannelName, OutboundAttachment, OutboundMessage } from "../channels/port.js";
import { ChannelSendError } from "../channels/port.js";
import * as store from "../data/supportStore.js";
import { KeyedQueue } from "./keyedQueue.js";
import type { RuntimeContext } from "./runtimeContext.js";
import { type ChatRef, chatKey } from "./runtimeTypes.js";

const MAX_DELIVERY_ATTEMPTS = 8;

/** Sent and failed counts of a delivery pass. */
export interface DeliveryTotals {
  sent: number;
  failed: number;
}

/** Delivers the outbox to the channels. */
export class OutboxDelivery {
  private readonly perChat = new KeyedQueue();

  constructor(private readonly ctx: RuntimeContext) {}

  /** Sends every due pending message (after a restart, and on the scheduler's passes). */
  async deliverDue(): Promise<DeliveryTotals> {
    const rows = await store.pendingOutbound(this.ctx.db.prisma, this.ctx.clock.now(), 500);
    const chats = new Map<string, ChatRef>();
    for (const row of rows)
      chats.set(`${row.channel}:${row.chatId}`, { channel: row.channel as ChannelName, chatId: row.chatId });
    return this.deliverChats([...chats.values()]);
  }

  /** Sends the pending messages of these chats. */
  async deliverChats(chats: ChatRef[]): Promise<DeliveryTotals> {
    const totals = { sent: 0, failed: 0 };
    await Promise.all(
      chats.map((chat) =>
        // One delivery at a time per chat, reading the queue afresh inside: two concurrent
        // passes (after a commit, the scheduler, a restart) can never send a message twice.
        this.perChat.run(chatKey(chat), async () => {
          const result = await this.deliverChat(chat);
          totals.sent += result.sent;
          totals.failed += result.failed;
        }),
      ),
    );
    const metrics = this.ctx.options.metrics;
    if (metrics) metrics.outboxDepth(await store.countPendingOutbound(this.ctx.db.prisma));
    return totals;
  }

  /** Sends a chat's pending messages oldest first, stopping at the first one not due or failing. */
  private async deliverChat(chat: ChatRef): Promise<DeliveryTotals> {
    const { ctx } = this;
    const prisma = ctx.db.prisma;
    const media = ctx.options.mediaStore;
    const adapter = ctx.channels.get(chat.channel);
    // No adapter (channel off): messages stay pending for when the channel comes back.
    if (!adapter) return { sent: 0, failed: 0 };
    const now = ctx.clock.now();
    let sent = 0;
    // Marked sent in one statement per pass; a crash before it re-sends them (at-least-once).
    const delivered: string[] = [];
    for (const row of await store.pendingForChat(prisma, chat.channel, chat.chatId)) {
      if (row.nextAttemptAt && row.nextAttemptAt > now) break;
      try {
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
        const message: OutboundMessage = {
          channel: chat.channel,
          chatId: chat.chatId,
          text: row.text,
          outboxId: row.id,
          ...(row.body.choices ? { choices: row.body.choices } : {}),
          ...(attachments.length ? { attachments } : {}),
        };
        await adapter.send(message);
        delivered.push(row.id);
        ctx.options.metrics?.messageOut(chat.channel);
        sent++;
      } catch (error) {
        const permanent = error instanceof ChannelSendError && error.permanent;
        const attempt = row.attempts + 1;
        const delay =
          error instanceof ChannelSendError && error.retryAfterMs !== undefined
            ? error.retryAfterMs
            : (ctx.options.retryDelayMs ?? ((n) => Math.min(60_000 * 2 ** (n - 1), 3_600_000)))(attempt);
        const retryAt =
          permanent || attempt >= MAX_DELIVERY_ATTEMPTS ? null : new Date(ctx.clock.now().getTime() + delay);
        await store.markDelivered(prisma, delivered.splice(0), ctx.clock.now());
        await store.markDeliveryFailed(prisma, row.id, (error as Error).message, retryAt);
        ctx.logger.warn({ err: error, channel: chat.channel, chat: chat.chatId, retryAt }, "delivery failed");
        // A permanently failed message no longer holds back the ones after it.
        if (retryAt) return { sent, failed: 1 };
      }
    }
    await store.markDelivered(prisma, delivered, ctx.clock.now());
    return { sent, failed: 0 };
  }
}

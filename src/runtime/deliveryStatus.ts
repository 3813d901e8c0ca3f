/**
 * Delivery statuses a channel reports (WhatsApp Cloud API: sent, delivered, read, failed): each
 * is recorded against the outbound row it belongs to before the channel acknowledges it. A
 * `failed` message is marked failed and staff are told on the ticket, as for any message the
 * outbox gave up on; a temporary failure (the platform's rate limit) is queued again instead.
 */
import type { DeliveryStatusUpdate } from "../channels/port.js";
import {
  markOutboundFailed,
  noteSentIds,
  outboundAttempts,
  recordReceipt,
  type SentId,
} from "../data/deliveryReceiptStore.js";
import * as store from "../data/supportStore.js";
import { reportDeliveryFailure } from "./deliveryFailures.js";
import type { AfterCommit, RuntimeContext } from "./runtimeContext.js";
import { chatKey } from "./runtimeTypes.js";

/** A failed message the platform may take later is tried again after this long. */
const REQUEUE_DELAY_MS = 60_000;
/**
 * After this many attempts (each send counts one, each failure reported later another) a message
 * the platform keeps failing reaches staff like a final failure: two more sends at most.
 */
const MAX_REQUEUES = 5;

/** Records one status (resolves once stored); a first `failed` reaches staff or is queued again. */
export async function recordDeliveryStatus(
  ctx: RuntimeContext,
  afterCommit: AfterCommit,
  update: DeliveryStatusUpdate,
): Promise<void> {
  const reason = update.error ? `${update.error.message} (code ${update.error.code})` : undefined;
  const outcome = await recordReceipt(ctx.db, {
    channel: update.channel,
    chatId: update.chatId,
    platformMessageId: update.platformMessageId,
    status: update.status,
    ...(reason ? { error: reason } : {}),
    at: update.at,
  });
  ctx.logger.debug(
    { channel: update.channel, id: update.platformMessageId, status: update.status },
    "delivery status recorded",
  );
  if (update.status !== "failed" || !outcome.newlyFailed) return;
  const chat = { channel: update.channel, chatId: update.chatId };
  const attempts = outcome.messageId ? await outboundAttempts(ctx.db, outcome.messageId) : null;
  if (update.error && !update.error.permanent && attempts !== null && attempts < MAX_REQUEUES) {
    const retryAt = new Date(ctx.clock.now().getTime() + REQUEUE_DELAY_MS);
    await ctx.db.session((c) => store.markDeliveryFailed(c, outcome.messageId!, reason ?? "failed", retryAt));
    // The chat has a pending row again: its next replies take the database path, in order, behind it.
    ctx.outboxMemory?.settle(chatKey(chat), [], false);
    ctx.logger.warn({ chat: chat.chatId, reason }, "delivery failed at the platform; queued again");
    return;
  }
  if (outcome.messageId) await markOutboundFailed(ctx.db, outcome.messageId, reason ?? "failed");
  ctx.logger.warn({ chat: chat.chatId, reason }, "delivery failed at the platform; staff told");
  await reportDeliveryFailure(ctx, afterCommit, chat, outcome.messageId ?? "", new Error(reason ?? "failed"));
}

/** Notes the platform ids of messages just sent, so their statuses find their rows. */
export async function noteSent(ctx: RuntimeContext, sent: SentId[]): Promise<void> {
  if (sent.length === 0) return;
  await noteSentIds(ctx.db, sent, ctx.clock.now()).catch((error: unknown) =>
    ctx.logger.warn({ err: error }, "could not note the platform ids of sent messages"),
  );
}

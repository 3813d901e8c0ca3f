/**
 * Telling staff when a message to a customer can never be delivered (an SMTP 5xx, a blocked bot,
 * a chat that is gone): the ticket gets a visible note on the board and every desk, in the staff's
 * language, saying to whom it failed and the server's own reply line, so a technician can call
 * or fix the address. Temporary failures are retried by the outbox and never reported here.
 */
import { parseEmailChatId, ticketOfThreadKey } from "../channels/email/threading.js";
import { capabilitiesOf } from "../channels/port.js";
import * as store from "../data/supportStore.js";
import { notifyDesks } from "./deskNotifications.js";
import { type AfterCommit, newEffects, type RuntimeContext, recordEvent } from "./runtimeContext.js";
import type { ChatRef } from "./runtimeTypes.js";

/** Reports one outbound message the outbox gave up on. */
export async function reportDeliveryFailure(
  ctx: RuntimeContext,
  afterCommit: AfterCommit,
  chat: ChatRef,
  outboxId: string,
  error: unknown,
): Promise<void> {
  const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 300);
  const email = capabilitiesOf(chat.channel).mailThreads ? parseEmailChatId(chat.chatId) : null;
  const ticket = await store.ticketOfOutbound(ctx.db, {
    id: outboxId,
    channel: chat.channel,
    chatId: chat.chatId,
    threadTicket: email ? ticketOfThreadKey(email.threadKey) : null,
  });
  const language = ctx.policy.defaultLanguage;
  const text = email
    ? ctx.renderer.render("staff.deliveryFailed.email", { address: email.address, reason }, language)
    : ctx.renderer.render("staff.deliveryFailed.chat", { channel: chat.channel, reason }, language);
  const fx = newEffects();
  await ctx.db.transaction(async (tx) => {
    await recordEvent(ctx, tx, fx, {
      ticketId: ticket?.id ?? null,
      ticket: ticket?.number ?? null,
      type: "message.delivery-failed",
      actor: null,
      payload: { channel: chat.channel, ...(email ? { address: email.address } : {}), reason },
    });
    if (!ticket) return;
    await recordEvent(ctx, tx, fx, {
      ticketId: ticket.id,
      ticket: ticket.number,
      type: "ticket.note",
      actor: "sportello",
      payload: { text },
    });
    await notifyDesks(ctx, tx, fx, { event: "ticket.updated", ticket: ticket.number, change: text });
  });
  await afterCommit(fx);
}

/**
 * E-mail in the runtime: one e-mail per conversation turn, the answers of the one-reply intake
 * landing on the ticket. (Summaries and the sales representative's mails live next door.)
 */
import type { MailAnswers } from "../../flows/mailIntake.js";
import type { StoreTx as Tx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import { notifyDesks } from "./deskNotifications.js";
import {
  type Effects,
  queueOutbound,
  type RuntimeContext,
  recordEvent,
  setQueuedText,
} from "./runtimeContext.js";
import { type ChatRef, chatKey } from "./runtimeTypes.js";

/**
 * Adds a paragraph to this transaction's e-mail for the chat (created on the first one), so a
 * turn's replies reach the customer as one e-mail.
 */
export async function appendToMailTurn(
  tx: Tx,
  fx: Effects,
  chat: ChatRef,
  text: string,
  body: store.MessageBody,
  at: Date,
  ticketId: string | null = null,
): Promise<void> {
  const key = chatKey(chat);
  const turn = fx.mailTurn.get(key);
  if (turn) {
    await setQueuedText(tx, turn, `${turn.text}\n\n${text}`);
  } else {
    const row = await queueOutbound(tx, fx, {
      channel: chat.channel,
      chatId: chat.chatId,
      text,
      body,
      at,
      ticketId,
    });
    fx.mailTurn.set(key, row);
  }
}

/** One-reply intake: the customer's answers (category, blocking, consent, sales rep) land on the ticket. */
export async function completeTicket(
  ctx: RuntimeContext,
  tx: Tx,
  fx: Effects,
  number: string,
  answers: MailAnswers,
): Promise<void> {
  const ticket = await store.findTicket(tx, number);
  if (!ticket) return;
  await store.completeTicketFacts(tx, ticket.id, answers);
  await recordEvent(ctx, tx, fx, {
    ticketId: ticket.id,
    ticket: number,
    type: "ticket.completed",
    actor: "customer",
    payload: { ...answers },
  });
  const parts = [
    answers.category ? `category ${answers.category}` : null,
    answers.blocking === undefined ? null : answers.blocking ? "blocked" : "can work",
    answers.consent === undefined ? null : answers.consent ? "charge accepted" : "charge declined",
    answers.salesRep ? `sales rep ${answers.salesRep}` : null,
  ].filter(Boolean);
  if (parts.length > 0)
    await notifyDesks(ctx, tx, fx, {
      event: "ticket.updated",
      ticket: number,
      change: `customer answered: ${parts.join(", ")}`,
    });
}

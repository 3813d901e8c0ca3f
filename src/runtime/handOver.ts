/**
 * The conversation machine's `handOver` intent: the chat goes to a person. The customer is
 * registered first when still unknown (unverified, under the company they gave, else their
 * channel address, so staff can tell who it is), a ticket "to classify" (no category) is opened
 * when the chat follows none, and staff are told: a `ticket.handover` entry on the ticket (the
 * staff board shows it in the transcript) and a line on the desks (Slack's card thread).
 */
import type { ConversationEvent } from "../../flows/conversationMachine.js";
import type { HandOverParams } from "../../flows/intents.js";
import { capabilitiesOf } from "../channels/port.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { IntentScope } from "./conversationIntents.js";
import { registerUnverifiedCustomer } from "./customerRegistration.js";
import { notifyDesks } from "./deskNotifications.js";
import { type Effects, type RuntimeContext, recordEvent } from "./runtimeContext.js";
import type { ChatRef } from "./runtimeTypes.js";
import type { TicketOpening } from "./ticketOpening.js";

/** The line staff read about a hand-over (`caller`: the phone line caller's number, if any). */
export function handoverNote(
  params: HandOverParams,
  botMessages: number,
  caller: string | null = null,
): string {
  const last = params.text ? `; last message: “${params.text.slice(0, 150)}”` : "";
  switch (params.reason) {
    case "asked":
      return `handed to a person: the customer asked to talk to someone${last}`;
    case "loop":
      return `handed to a person: the customer's answers did not move the conversation on after ${botMessages} bot messages${
        params.prompt ? ` (question ${params.prompt})` : ""
      }${last}. Please answer the customer`;
    case "mail-limit":
      return `handed to a person: automatic e-mail limit reached on this thread (an auto-responder?); no more automatic replies${last}`;
    case "unverified-sender":
      return `handed to a person: the e-mail failed its sender domain's DMARC check, so its From may be forged; it was not attached to any customer. Check with the customer before acting${last}`;
    case "unknown-caller":
      return `handed to a person: a voicemail from ${caller ?? "a hidden number"}, on no customer record (registered unverified). Listen to the recording, identify the customer and complete their record${last}`;
  }
}

/** Executes `handOver` in the caller's transaction; answers `ticket.opened` when it opened one. */
export async function handOver(
  ctx: RuntimeContext,
  opening: TicketOpening,
  tx: StoreTx,
  chat: ChatRef,
  params: HandOverParams,
  fx: Effects,
  who: IntentScope,
): Promise<ConversationEvent[]> {
  let events: ConversationEvent[] = [];
  let number = params.number;
  if (!number) {
    if (!params.draft) return [];
    if (!who.customerId) {
      const can = capabilitiesOf(chat.channel);
      // A phone line's chat is its caller (also when a job's answer, without a sender, hands it over).
      const senderId = who.senderId ?? (can.voicemail ? chat.chatId : null);
      const writer: IntentScope = {
        senderId,
        get customerId() {
          return who.customerId;
        },
        setCustomerId: (id) => who.setCustomerId(id),
        setLabels: (labels) => who.setLabels(labels),
      };
      // A WhatsApp sender's or a phone line caller's number (E.164) is how they are recognised.
      const phone = can.senderIsPhone && senderId?.startsWith("+") ? senderId : null;
      await registerUnverifiedCustomer(
        ctx,
        tx,
        fx,
        chat,
        writer,
        {
          company: params.company?.trim() || `${chat.channel} ${who.senderId ?? chat.chatId}`,
          contactName: null,
          phone,
          email: can.senderIsEmail && senderId?.includes("@") ? senderId : null,
          language: params.draft.language,
        },
        { handover: true },
      );
    }
    events = await opening.open(tx, chat, params.draft, fx, who.customerId);
    const opened = events.find((e) => e.type === "ticket.opened");
    if (!opened) return events;
    number = opened.number;
  }
  const ticket = await store.findTicket(tx, number);
  if (!ticket) return events;
  const caller = capabilitiesOf(chat.channel).voicemail && chat.chatId.startsWith("+") ? chat.chatId : null;
  const note = handoverNote(params, ctx.policy.conversation.loopGuard.botMessagesWithoutProgress, caller);
  await recordEvent(ctx, tx, fx, {
    ticketId: ticket.id,
    ticket: ticket.number,
    type: "ticket.handover",
    actor: null,
    payload: { reason: params.reason, prompt: params.prompt, text: params.text, note },
  });
  await notifyDesks(ctx, tx, fx, { event: "ticket.updated", ticket: ticket.number, change: note });
  return events;
}

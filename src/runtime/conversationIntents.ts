/**
 * Executes the intents of the conversation machine inside the chat's transaction: replies to the
 * customer, registering customers, AI or offline triage and transcription, opening tickets,
 * appending to them, consent and feedback. Each returns the events to feed back to the machine.
 */
import type { ConversationEvent } from "../../flows/conversationMachine.js";
import type { Intent, Language } from "../../flows/intents.js";
import { capabilitiesOf } from "../channels/port.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import { registerUnverifiedCustomer } from "./customerRegistration.js";
import { notifyDesks } from "./deskNotifications.js";
import { handOver } from "./handOver.js";
import { scheduleJob } from "./jobs.js";
import { requestAuthorization } from "./mailLinks.js";
import { appendToMailTurn, completeTicket } from "./mailNotices.js";
import { type Effects, queueOutbound, type RuntimeContext, recordEvent } from "./runtimeContext.js";
import { type ChatRef, chatKey, type TriageSuggestion } from "./runtimeTypes.js";
import type { TicketExecutor } from "./ticketExecutor.js";
import type { TicketOpening } from "./ticketOpening.js";

/** The writer of the message being handled, and what intents may change about them. */
export interface IntentScope {
  readonly senderId: string | null;
  readonly customerId: string | null;
  setCustomerId(id: string): void;
  /** Keeps the labels of the choices just shown, to match typed answers later. */
  setLabels(labels: Record<string, string>): void;
}

/** The named triage actor's answer, as the event XState expects. */
export function triageDone(s: TriageSuggestion): ConversationEvent {
  return {
    type: "xstate.done.actor.triage",
    output: {
      category: s.category,
      ...(s.blocking !== undefined ? { blocking: s.blocking } : {}),
      summary: s.summary ?? null,
    },
  };
}

/** Executes conversation intents. */
export class ConversationIntents {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly tickets: TicketExecutor,
    private readonly opening: TicketOpening,
  ) {}

  /** Executes one intent in the caller's transaction; returns the events it answers with. */
  async execute(
    tx: StoreTx,
    chat: ChatRef,
    intent: Intent,
    language: Language,
    fx: Effects,
    who: IntentScope,
  ): Promise<ConversationEvent[]> {
    const { ctx } = this;
    const now = ctx.clock.now();
    switch (intent.type) {
      case "reply": {
        const { key, params, choices } = intent.params;
        const text = ctx.renderer.render(key, params, language);
        const rendered = choices?.map((c) => ({ id: c.id, label: ctx.renderer.choiceLabel(c, language) }));
        if (capabilitiesOf(chat.channel).mailThreads) {
          // One mail per turn: this turn's replies are paragraphs of one message, the choices a
          // numbered list answered with a number or words.
          const block = rendered?.length
            ? `${text}\n${rendered.map((c, i) => `   ${i + 1}. ${c.label}`).join("\n")}`
            : text;
          await appendToMailTurn(tx, fx, chat, block, { kind: key }, now);
          if (rendered && rendered.length > 0)
            who.setLabels(Object.fromEntries(rendered.map((c) => [c.id, c.label])));
          return [];
        }
        await queueOutbound(tx, fx, {
          channel: chat.channel,
          chatId: chat.chatId,
          text,
          body: rendered && rendered.length > 0 ? { choices: rendered, kind: key } : { kind: key },
          at: now,
        });
        if (rendered && rendered.length > 0)
          who.setLabels(Object.fromEntries(rendered.map((c) => [c.id, c.label])));
        return [];
      }
      case "registerCustomer": {
        const p = intent.params;
        await registerUnverifiedCustomer(
          ctx,
          tx,
          fx,
          chat,
          who,
          {
            company: p.company,
            contactName: p.contactName,
            phone: p.phone,
            email: p.email,
            language: p.language,
          },
          { missing: p.missing },
        );
        return [];
      }
      case "setLanguage": {
        if (who.customerId) await store.setCustomerLanguage(tx, who.customerId, intent.params.language);
        return [];
      }
      case "triage": {
        if (ctx.options.assist) {
          await scheduleJob(tx, {
            kind: "ai.triage",
            key: `ai.triage:${chatKey(chat)}:${now.getTime()}`,
            dueAt: now,
            payload: { chat, text: intent.params.text, language },
          });
          fx.jobsDue = true;
          return [];
        }
        const suggestion = ctx.options.offlineTriage?.(intent.params.text) ?? { category: null };
        return [triageDone(suggestion)];
      }
      case "transcribe": {
        if (ctx.options.assist && intent.params.attachment.ref) {
          await scheduleJob(tx, {
            kind: "ai.transcribe",
            key: `ai.transcribe:${chatKey(chat)}:${now.getTime()}`,
            dueAt: now,
            payload: { chat, attachment: intent.params.attachment },
          });
          fx.jobsDue = true;
          return [];
        }
        return [{ type: "xstate.done.actor.transcribe", output: null }];
      }
      case "interpretAnswer": {
        const { seq, text, question, questionParams, options, language: lang } = intent.params;
        if (!ctx.options.assist?.interpret) return [{ type: "answer.interpreted", seq, choice: null }];
        // One per chat: a newer answer to read replaces one still waiting for its turn.
        await scheduleJob(tx, {
          kind: "ai.interpret",
          key: `ai.interpret:${chatKey(chat)}`,
          dueAt: now,
          payload: {
            chat,
            seq,
            text,
            question: ctx.renderer.render(question, questionParams, lang),
            options: options.map((c) => ({ id: c.id, label: ctx.renderer.choiceLabel(c, lang) })),
            language: lang,
          },
        });
        fx.jobsDue = true;
        return [];
      }
      case "openTicket":
        return this.opening.open(tx, chat, intent.params.draft, fx, who.customerId);
      case "appendToTicket": {
        const ticket = await store.findTicket(tx, intent.params.number);
        if (!ticket) return [];
        await recordEvent(ctx, tx, fx, {
          ticketId: ticket.id,
          ticket: ticket.number,
          type: "customer.message",
          actor: "customer",
          payload: { text: intent.params.text, attachments: intent.params.attachments },
        });
        await notifyDesks(ctx, tx, fx, {
          event: "customer.message",
          ticket: ticket.number,
          text: intent.params.text,
          attachments: intent.params.attachments,
        });
        if (ticket.status === "waiting-on-customer") {
          await this.tickets.run(tx, ticket, { type: "customer.message" }, fx);
        }
        return [];
      }
      case "recordConsent": {
        await recordEvent(ctx, tx, fx, {
          ticketId: null,
          ticket: null,
          type: "customer.consent",
          actor: "customer",
          payload: { accepted: intent.params.accepted, quote: intent.params.quote, chat: chatKey(chat) },
        });
        return [];
      }
      case "recordFeedback": {
        const ticket = await store.findTicket(tx, intent.params.number);
        if (!ticket) return [];
        await store.recordFeedback(tx, {
          ticketId: ticket.id,
          rating: intent.params.rating,
          comment: intent.params.comment,
          at: now,
        });
        await recordEvent(ctx, tx, fx, {
          ticketId: ticket.id,
          ticket: ticket.number,
          type: "feedback.recorded",
          actor: "customer",
          payload: { rating: intent.params.rating, comment: intent.params.comment },
        });
        await notifyDesks(ctx, tx, fx, {
          event: "ticket.updated",
          ticket: ticket.number,
          // Staff read the rating and the comment in the Slack thread and on the board.
          change: `customer feedback: ${"★".repeat(intent.params.rating)}${"☆".repeat(5 - intent.params.rating)} ${intent.params.rating}/5${
            intent.params.comment ? ` — “${intent.params.comment.slice(0, 150)}”` : ""
          }`,
        });
        return [];
      }
      case "completeTicket":
        await completeTicket(ctx, tx, fx, intent.params.number, intent.params.answers);
        // The rep named in the answer gets the authorization links.
        if (intent.params.answers.salesRep) await requestAuthorization(ctx, tx, fx, intent.params.number);
        return [];
      case "handOver":
        return handOver(ctx, this.opening, tx, chat, intent.params, fx, who);
    }
  }
}

/**
 * What a customer asks for in a free sentence at the menu, at the start or in the middle of a
 * question: a new problem, the status of their tickets, the opening hours, to add information,
 * to talk to a person, to start again. The lexicon's phrases decide first, then the preset's
 * trained intent classifier; the replies for the hours and the ticket status live here too.
 */
import { understandRequest } from "../../src/understanding/answer.js";
import { lastResult } from "../lastResult.js";
import type { ConversationContext, ReplyParams } from "./conversationTypes.js";
import type { IntakeRules } from "./intakeRules.js";
import { inputText, understood } from "./messageInput.js";
import { availabilityReplies } from "./replies.js";

const INTENT_OPTIONS = ["new", "status", "info", "hours", "allowance", "human", "restart"].map((id) => ({
  id,
}));

/** The intent of the message, or null; read once per message (guards ask one after the other). */
export function customerIntent(rules: IntakeRules) {
  const read = lastResult((context: ConversationContext): string | null => {
    // A tapped or typed menu option.
    const answered = understood(context);
    if (answered.kind === "answer" && context.choices.includes(answered.value)) return answered.value;
    const text = inputText(context);
    if (text === "") return null;
    const byPhrase = understandRequest(text, INTENT_OPTIONS);
    if (byPhrase) return byPhrase;
    return rules.intents.classify(text, context.language)?.intent ?? null;
  });
  return read;
}

/** The opening hours and contacts that apply to this customer. */
export function hoursReplies(rules: IntakeRules, context: ConversationContext): ReplyParams[] {
  return [
    {
      key: "menu.hoursIntro",
      params: { company: rules.policy.company, hours: { $hours: context.customer?.plans ?? [] } },
    },
    ...availabilityReplies(rules, context, null, false),
    { key: "menu.contacts", params: { contacts: { $contacts: "all" } } },
  ];
}

/** The customer's open tickets and their status, or "no open tickets". */
export function statusReply(context: ConversationContext): ReplyParams {
  return context.openTickets.length === 0
    ? { key: "menu.noTickets" }
    : {
        key: "menu.ticketList",
        params: {
          tickets: { $tickets: context.openTickets.map((t) => ({ number: t.number, status: t.status })) },
        },
      };
}

/**
 * What is left of the customer's capped plans this month ("quanti minuti mi restano?"), from the
 * numbers the statement bills; or that none of their plans has an allowance.
 */
export function allowanceReplies(context: ConversationContext): ReplyParams[] {
  const allowances = context.customer?.allowances ?? [];
  if (allowances.length === 0) return [{ key: "menu.allowanceNone" }];
  return allowances.map(
    (a): ReplyParams =>
      a.per === "month"
        ? {
            key: "menu.allowanceMonth",
            params: {
              plan: { $plan: a.plan },
              used: a.usedMinutes,
              cap: a.capMinutes,
              left: a.leftMinutes ?? 0,
            },
          }
        : {
            key: "menu.allowanceIntervention",
            params: {
              plan: { $plan: a.plan },
              cap: a.capMinutes,
              interventions: a.interventions,
              used: a.usedMinutes,
            },
          },
  );
}

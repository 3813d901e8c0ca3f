/**
 * The ticket: `opening` asks the runtime to open it and tells the customer its number and when
 * support answers; `waiting` adds messages to it until a technician claims it; `relay` forwards
 * quietly while a technician handles it.
 */
import { assign } from "xstate";
import { exclusionsFor } from "../../src/policy/sessionCharge.js";
import { understandRequest } from "../../src/understanding/answer.js";
import { splitWords } from "../../src/understanding/answerWords.js";
import { lastResult } from "../lastResult.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext, ConversationEvent } from "./conversationTypes.js";
import { hoursReplies, statusReply } from "./customerIntents.js";
import type { IntakeRules } from "./intakeRules.js";
import { inputText } from "./messageInput.js";
import { availabilityReplies, ticketOpenedLine } from "./replies.js";
import { addToTicket, followedTicket, keepOnDraft, replyEach, say } from "./steps.js";

type TicketOpenedEvent = Extract<ConversationEvent, { type: "ticket.opened" }>;

/** The steps of opening a ticket that the chat and the one-reply (e-mail) intake share. */
export function openingSteps(rules: IntakeRules) {
  const { policy } = rules;
  return {
    /** Entry: the backup reminder (presets that ask for it), then the open-ticket intent. */
    openTicket: [
      ...(policy.intake.backupReminder ? [say("intake.backupReminder")] : []),
      {
        type: "openTicket" as const,
        params: ({ context }: { context: Parameters<typeof rules.toTicketDraft>[0] }) => ({
          draft: rules.toTicketDraft(context),
        }),
      },
    ],
    /** On `ticket.opened`: the chat follows the ticket; its number and the availability lines. */
    opened: [
      m.assign({
        ticket: ({ event }) => (event as TicketOpenedEvent).number,
        now: ({ event }) => (event as TicketOpenedEvent).at,
      }),
      {
        type: "reply" as const,
        params: ({ event }: { event: TicketOpenedEvent }) => ticketOpenedLine(policy, event),
      },
      replyEach((context) => availabilityReplies(rules, context, context.draft, true)),
      // What the plan the request falls under does not cover, told up front (warranty: OS
      // restore time, transport; J-System hardware: spare parts and transport).
      replyEach((context) => {
        const plan = context.draft?.coverage?.plan;
        const covered = context.draft?.coverage?.covered === true;
        if (typeof plan !== "string" || !covered) return [];
        const exclusions = exclusionsFor(policy, plan, context.draft?.category ?? null);
        return exclusions.length
          ? [
              {
                key: "intake.exclusions",
                params: { plan: { $plan: plan }, list: { $localized: exclusions } },
              },
            ]
          : [];
      }),
    ],
  };
}

/** The questions a customer asks about an open ticket instead of adding to it. */
const WAITING_QUESTIONS = ["status", "hours"].map((id) => ({ id }));
/** Longer than this, a message that asks also tells something: it goes to the ticket. */
const MAX_QUESTION_WORDS = 8;

/** "A che punto è la mia richiesta?", "a che ora aprite?": the question asked, or null. */
const waitingQuestion = lastResult((context: ConversationContext): string | null => {
  const text = inputText(context);
  if (!text || splitWords(text).words.length > MAX_QUESTION_WORDS) return null;
  return understandRequest(text, WAITING_QUESTIONS);
});

/** Whatever arrives with no ticket followed starts over from `idle`. */
const startOver = { target: "idle", actions: m.raise({ type: "input" }) };

/** The states `opening`, `waiting` and `relay`. */
export function ticketStates(rules: IntakeRules) {
  const steps = openingSteps(rules);

  const opening = m.createStateConfig({
    entry: steps.openTicket,
    on: {
      "ticket.opened": {
        target: "waiting",
        actions: [...steps.opened, assign({ draft: null, prompt: null, choices: [] })],
      },
      input: keepOnDraft,
    },
  });

  /** Ticket open, nobody has claimed it yet: messages are added to the ticket. */
  const waiting = m.createStateConfig({
    on: {
      input: [
        { guard: "empty", actions: say("relay.waitingHint", (c) => ({ number: c.ticket })) },
        // A short question about the request or the hours is answered, not added to the ticket.
        {
          guard: ({ context }) => context.ticket !== null && waitingQuestion(context) === "status",
          actions: replyEach((c) => [statusReply(c)]),
        },
        {
          guard: ({ context }) => context.ticket !== null && waitingQuestion(context) === "hours",
          actions: replyEach((c) => hoursReplies(rules, c)),
        },
        {
          guard: "followsTicket",
          actions: [addToTicket(followedTicket), say("relay.addedToTicket", (c) => ({ number: c.ticket }))],
        },
        startOver,
      ],
    },
  });

  /** A technician handles the ticket: the bot stays quiet and forwards. */
  const relay = m.createStateConfig({
    on: {
      input: [
        { guard: "empty" },
        { guard: "followsTicket", actions: addToTicket(followedTicket) },
        startOver,
      ],
    },
  });

  return { opening, waiting, relay };
}

/**
 * What the conversation does in any state: an inbound message refreshes the facts and becomes an
 * `input` for the current state (after an idle reset, "annulla" or "menu"), and the ticket
 * machine's news (claimed, authorized, declined, reopened, closed) move the chat along.
 */
import { assign, enqueueActions, raise } from "xstate";
import { conversationSetup as m } from "./conversationSetup.js";
import { allowanceReplies, hoursReplies, statusReply } from "./customerIntents.js";
import type { IntakeRules } from "./intakeRules.js";
import { interpretedAnswer } from "./interpretStep.js";
import { closeReply } from "./replies.js";
import { repeatPrompt, replyEach, say } from "./steps.js";

/** What a reset clears (an idle pause, "annulla"). */
const RESET = { draft: null, prompt: null, choices: [], feedback: null };

/** The machine's top-level `on`. */
export function rootEvents(rules: IntakeRules) {
  const { policy } = rules;
  return m.createStateConfig({
    on: {
      inbound: [
        {
          guard: { type: "idleExpired", params: { idleMs: policy.conversation.idleResetMinutes * 60_000 } },
          target: ".idle",
          actions: ["refreshFromInbound", assign(RESET), raise({ type: "input" })],
        },
        {
          guard: "isCancel",
          target: ".idle",
          actions: ["refreshFromInbound", assign(RESET), say("common.cancelled")],
        },
        {
          guard: "isMenu",
          target: ".menu",
          actions: ["refreshFromInbound", assign({ draft: null, feedback: null })],
        },
        {
          actions: [
            "refreshFromInbound",
            // Files that could not be downloaded are explained, then the rest of the message goes on.
            enqueueActions(({ event, enqueue }) => {
              if (event.type !== "inbound") return;
              for (const error of new Set(event.attachments.flatMap((a) => (a.error ? [a.error] : [])))) {
                enqueue({
                  type: "reply",
                  params: { key: error === "too-large" ? "common.mediaTooLarge" : "common.mediaUnavailable" },
                });
              }
            }),
            enqueueActions(({ event, enqueue }) => {
              const onlyFailedFiles =
                event.type === "inbound" &&
                event.text.trim() === "" &&
                event.attachments.length > 0 &&
                event.attachments.every((a) => a.error);
              if (!onlyFailedFiles) enqueue.raise({ type: "input" });
            }),
          ],
        },
      ],
      // A request made in the middle of a question: served, then the question asked again.
      "customer.intent": [
        {
          guard: ({ event }) => event.intent === "hours",
          actions: [replyEach((c) => hoursReplies(rules, c)), repeatPrompt],
        },
        {
          guard: ({ event }) => event.intent === "status",
          actions: [replyEach((c) => [statusReply(c)]), repeatPrompt],
        },
        {
          guard: ({ event }) => event.intent === "allowance",
          actions: [replyEach((c) => allowanceReplies(c)), repeatPrompt],
        },
        {
          guard: ({ event }) => event.intent === "restart",
          target: ".menu",
          actions: assign({ draft: null, feedback: null, misses: 0 }),
        },
        {
          guard: ({ event }) => event.intent === "human",
          // A person takes over (see handoverStates); the problem collected so far goes to them.
          target: ".handover",
          actions: [
            assign({ misses: 0 }),
            say("understanding.humanContacts", () => ({ contacts: { $contacts: "all" } })),
          ],
        },
      ],
      ...interpretedAnswer,
      "ticket.claimed": {
        target: ".relay",
        actions: [
          assign({
            ticket: ({ event }) => event.number,
            technician: ({ event }) => event.technician,
            now: ({ event }) => event.at,
          }),
          say("relay.claimed", (c) => ({ number: c.ticket, technician: c.technician })),
        ],
      },
      "ticket.authorized": {
        actions: [
          assign({ now: ({ event }) => event.at }),
          say("intake.authorized", () => ({})),
          {
            type: "reply",
            params: ({ event }) => ({
              key: "intake.authorizedNumber",
              params: { number: event.number, hours: policy.sla.callbackWithinHours ?? null },
            }),
          },
        ],
      },
      // The ticket machine tells the customer; the chat stops following the ticket.
      "ticket.declined": {
        target: ".idle",
        actions: assign({ ticket: null, technician: null, draft: null, prompt: null, choices: [] }),
      },
      "ticket.reopened": {
        target: ".relay",
        actions: [
          assign({ ticket: ({ event }) => event.number, now: ({ event }) => event.at }),
          say("relay.reopened", (c) => ({ number: c.ticket })),
        ],
      },
      "ticket.closed": [
        {
          guard: () => policy.feedback.enabled,
          target: ".feedback",
          actions: [
            assign({
              now: ({ event }) => event.at,
              ticket: null,
              technician: null,
              draft: null,
              feedback: ({ event }) => ({ ticket: event.number, rating: null }),
            }),
            { type: "reply", params: ({ event }) => closeReply(event) },
          ],
        },
        {
          target: ".idle",
          actions: [
            assign({ ticket: null, technician: null, now: ({ event }) => event.at }),
            { type: "reply", params: ({ event }) => closeReply(event) },
          ],
        },
      ],
    },
  }).on;
}

/**
 * One customer conversation (one chat on one channel): intake of a new problem, the menu, the
 * weekend routing, the relay while a technician handles the ticket, and the feedback after close.
 *
 * Pure: the machine reads the policy it was built with and the facts carried by each event, and
 * returns intents (named actions) for the runtime to execute. Every company rule comes from the
 * policy preset; nothing here names a company.
 *
 * This module assembles the machine from `conversation/`: its vocabulary (`conversationTypes`),
 * `setup()` with the named actors, actions and guards (`conversationSetup`), the preset's intake
 * rules (`intakeRules`), and the states of each phase. State ids and context keys are persisted
 * with each chat's snapshot: they do not change.
 */
import { isSupportedCountry } from "libphonenumber-js/max";
import type { Policy } from "../src/policy/schema.js";
import { conversationSetup } from "./conversation/conversationSetup.js";
import { feedbackStates } from "./conversation/feedbackStates.js";
import { handoverEvents, handoverStates } from "./conversation/handoverStates.js";
import { identifyStates } from "./conversation/identifyStates.js";
import { intakeRules } from "./conversation/intakeRules.js";
import { oneReplyStates } from "./conversation/oneReplyStates.js";
import { problemStates } from "./conversation/problemStates.js";
import { questionStates } from "./conversation/questionStates.js";
import { rootEvents } from "./conversation/rootEvents.js";
import { startStates } from "./conversation/startStates.js";
import { ticketStates } from "./conversation/ticketStates.js";

export { conversationActors } from "./conversation/actors.js";
export type {
  CloseCharge,
  ConversationContext,
  ConversationEvent,
  Draft,
  HandoverReason,
  Prompt,
  TranscribeOutput,
  TriageOutput,
} from "./conversation/conversationTypes.js";
export { HANDOVER_STATE, handoverTicket } from "./conversation/handoverStates.js";
export { MAX_DESCRIPTION_CHARS } from "./conversation/intakeRules.js";

/** Builds the conversation machine for one policy preset. */
export function createConversationMachine(policy: Policy) {
  const rules = intakeRules(policy);
  const start = startStates(rules);
  // Phone numbers written without a country prefix are read in the preset's country (else Italy).
  const country = policy.holidays.calendar?.country;
  const identify = identifyStates(country && isSupportedCountry(country) ? country : "IT");
  const ticket = ticketStates(rules);
  return conversationSetup.createMachine({
    id: "conversation",
    context: ({ input }) => ({
      language: input.language,
      customer: null,
      openTickets: [],
      chat: {
        aiEnabled: false,
        oneReply: false,
        voicemail: false,
        senderPhone: null,
        senderEmail: null,
        lastInboundAt: null,
      },
      identity: { company: null },
      draft: null,
      ticket: null,
      technician: null,
      feedback: null,
      prompt: null,
      choices: [],
      now: input.now,
      input: { text: "", choice: null, attachments: [] },
    }),
    initial: "idle",
    on: { ...rootEvents(rules), ...handoverEvents() },
    states: {
      idle: start.idle,
      menu: start.menu,
      identify: identify.identify,
      afterIdentify: identify.afterIdentify,
      ...problemStates(rules),
      ...questionStates(rules),
      opening: ticket.opening,
      ...oneReplyStates(rules),
      waiting: ticket.waiting,
      relay: ticket.relay,
      addInfo: start.addInfo,
      ...feedbackStates(),
      ...handoverStates(rules),
    },
  });
}

/** The conversation machine of a policy preset. */
export type ConversationMachine = ReturnType<typeof createConversationMachine>;

/** Normalised text of a choice label, exported for adapters that match labels. */
export { normalize as normalizeAnswer } from "./textMatchers.js";

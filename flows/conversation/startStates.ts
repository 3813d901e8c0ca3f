/**
 * Where a conversation starts and returns: `idle` (the first message decides: sign-up, a problem
 * written directly, a file, or the welcome and the menu), the `menu` (new problem, ticket status,
 * more information on a ticket, hours and contacts) and `addInfo` (which open ticket to add to).
 */
import { assign } from "xstate";
import { onlyUnsure } from "../../src/understanding/answer.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext } from "./conversationTypes.js";
import { allowanceReplies, customerIntent, hoursReplies, statusReply } from "./customerIntents.js";
import type { IntakeRules } from "./intakeRules.js";
import { answer, emptyDraft, hasVoice, inputText, isSubstantive, media } from "./messageInput.js";
import { MENU_PROMPT } from "./replies.js";
import { addToTicket, appendInputToDraft, ask, newProblem, replyEach, reprompt, say } from "./steps.js";

/** The states `idle`, `menu` and `addInfo`. */
export function startStates(rules: IntakeRules) {
  const { policy } = rules;
  const welcomeUnknown = {
    type: "reply" as const,
    params: ({ context }: { context: ConversationContext }) => ({
      key: context.chat.senderPhone ? "intake.welcomeUnknownPhone" : "intake.welcomeUnknown",
      params: { company: policy.company },
    }),
  };

  const intent = customerIntent(rules);
  const intended =
    (name: string) =>
    ({ context }: { context: ConversationContext }) =>
      intent(context) === name;

  /** Requests served from the menu or the first message: the status, the hours, a person, the menu. */
  const requests = [
    { guard: intended("status"), target: "idle", actions: replyEach((c) => [statusReply(c)]) },
    { guard: intended("hours"), target: "idle", actions: replyEach((c) => hoursReplies(rules, c)) },
    { guard: intended("allowance"), target: "idle", actions: replyEach((c) => allowanceReplies(c)) },
    {
      guard: ({ context }: { context: ConversationContext }) =>
        intent(context) === "info" && context.openTickets.length > 0,
      target: "addInfo",
    },
    { guard: intended("human"), actions: m.raise({ type: "customer.intent", intent: "human" }) },
  ];

  const idle = m.createStateConfig({
    on: {
      input: [
        { guard: "unsupportedOnly", actions: say("common.unsupportedMedia") },
        { guard: "empty", target: "menu" },
        // A voicemail from a number on no customer record: a recording cannot answer the sign-up
        // questions, so a person identifies the caller (its recording transcribed first, AI on).
        {
          guard: ({ context }) =>
            context.chat.voicemail &&
            context.customer === null &&
            context.chat.aiEnabled &&
            hasVoice(context),
          target: "callerVoice",
          actions: "startDraft",
        },
        {
          guard: ({ context }) => context.chat.voicemail && context.customer === null,
          target: "handover",
          actions: ["startDraft", assign({ handover: () => ({ reason: "unknown-caller" as const }) })],
        },
        // "A che ora aprite?", "a che punto è la mia richiesta?": answered, not taken as a problem.
        ...requests,
        {
          guard: "unknownCustomer",
          target: "identify",
          actions: [
            assign({
              draft: ({ context }) =>
                isSubstantive(context) || media(context).length > 0 || hasVoice(context)
                  ? { ...emptyDraft() }
                  : null,
            }),
            "keepFirstMessage",
            welcomeUnknown,
          ],
        },
        {
          guard: "voicemailForOpenTicket",
          target: "waiting",
          actions: [
            assign({ ticket: ({ context }) => context.openTickets[0]!.number }),
            addToTicket((context) => context.openTickets[0]!.number),
          ],
        },
        {
          // A voicemail alone, with AI on: transcribed before it is triaged.
          guard: ({ context }) =>
            context.chat.oneReply && context.chat.aiEnabled && hasVoice(context) && inputText(context) === "",
          target: "mailVoice",
          actions: "startDraft",
        },
        { guard: "mailProblem", target: "mailTriaging", actions: "startDraft" },
        ...newProblem,
        {
          guard: "mediaOnly",
          target: "describe",
          actions: "startDraft",
        },
        {
          target: "menu",
          actions: say("intake.welcome", (c) => ({
            company: policy.company,
            name: c.customer?.contactName ?? c.customer?.company ?? "",
          })),
        },
      ],
    },
  });

  const menu = m.createStateConfig({
    entry: ask(() => MENU_PROMPT),
    on: {
      input: [
        { guard: "unsupportedOnly", actions: say("common.unsupportedMedia") },
        {
          // The "new problem" button (or "nuovo problema"): a description follows.
          guard: ({ context }) => answer(context) === "new" && !isSubstantive(context),
          target: "describe",
          actions: assign({ draft: () => emptyDraft() }),
        },
        ...requests,
        { guard: intended("restart"), target: "menu", reenter: true },
        {
          guard: intended("info"),
          target: "idle",
          actions: say("menu.noTickets"),
        },
        {
          guard: "unknownCustomer",
          target: "identify",
          actions: [assign({ draft: () => emptyDraft() }), appendInputToDraft, welcomeUnknown],
        },
        // "Non lo so", "boh": a doubt is no problem description; asked again, naming the options.
        { guard: ({ context }) => onlyUnsure(inputText(context)), actions: reprompt },
        ...newProblem,
        {
          guard: intended("new"),
          target: "describe",
          actions: assign({ draft: () => emptyDraft() }),
        },
        { actions: reprompt },
      ],
    },
  });

  const addInfo = m.createStateConfig({
    entry: ask((c) => ({
      key: c.openTickets.length === 1 ? "menu.addInfoOne" : "menu.addInfoPick",
      params: { number: c.openTickets[0]?.number ?? "" },
      choices: c.openTickets.length === 1 ? [] : c.openTickets.map((t) => ({ id: t.number, text: t.number })),
    })),
    on: {
      input: [
        {
          guard: ({ context }) => context.openTickets.length > 1 && answer(context) !== undefined,
          target: "waiting",
          actions: [
            assign({ ticket: ({ context }) => answer(context)! }),
            say("menu.addInfoOne", (c) => ({ number: c.ticket })),
          ],
        },
        {
          guard: ({ context }) =>
            context.openTickets.length === 1 &&
            (inputText(context) !== "" || context.input.attachments.length > 0),
          target: "waiting",
          actions: [
            assign({ ticket: ({ context }) => context.openTickets[0]!.number }),
            addToTicket((context) => context.openTickets[0]!.number),
            say("relay.addedToTicket", (c) => ({ number: c.ticket })),
          ],
        },
        { actions: reprompt },
      ],
    },
  });

  return { idle, menu, addInfo };
}

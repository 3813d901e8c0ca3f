/**
 * Sign-up of an unknown customer: `identify` asks the company and the contact (both in one
 * message on a one-reply channel), registers the customer, and `afterIdentify` goes back to the
 * problem written first (or asks for it).
 */
import { assign } from "xstate";
import { lastResult } from "../lastResult.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext } from "./conversationTypes.js";
import { answerLines, hasReach, identityAnswers, looksLikeName, validCompany } from "./identityAnswers.js";
import { draftVoice, emptyDraft, inputText } from "./messageInput.js";
import { ask, reprompt, say, writtenAnswerGuards } from "./steps.js";

/** The company and contact in the message, read once for the guard and the intent. */
const bothAnswers = lastResult((context: ConversationContext) =>
  identityAnswers(inputText(context), context.senderPhone !== null),
);

/** The first line of a one-reply answer, as the company. */
const firstLine = (context: ConversationContext) => answerLines(inputText(context))[0] ?? "";

const thanks = say("intake.thanksIdentified");

/** The states `identify` (with `choose`, `both`, `company`, `contact`) and `afterIdentify`. */
export function identifyStates() {
  const identify = m.createStateConfig({
    initial: "choose",
    states: {
      // A one-reply channel (e-mail) asks both sign-up questions in one message.
      choose: {
        always: [{ guard: "oneReply", target: "both" }, { target: "company" }],
      },
      both: {
        entry: ask(() => ({ key: "intake.askCompanyAndContact" })),
        on: {
          input: [
            ...writtenAnswerGuards,
            {
              guard: ({ context }) => bothAnswers(context) !== null,
              target: "#conversation.afterIdentify",
              actions: {
                type: "registerCustomer",
                params: ({ context }) => ({ ...bothAnswers(context)!, language: context.language }),
              },
            },
            {
              // Only the company was understood: the contact is asked on its own.
              guard: ({ context }) => validCompany(firstLine(context)),
              target: "contact",
              actions: assign({
                identity: ({ context }) => ({ company: firstLine(context).slice(0, 200) }),
              }),
            },
            { actions: reprompt },
          ],
        },
      },
      company: {
        entry: ask(() => ({ key: "intake.askCompany" })),
        on: {
          input: [
            ...writtenAnswerGuards,
            { guard: ({ context }) => !validCompany(inputText(context)), actions: reprompt },
            {
              target: "contact",
              actions: assign({
                identity: ({ context }) => ({ company: inputText(context).slice(0, 200) }),
              }),
            },
          ],
        },
      },
      contact: {
        entry: ask((c) => ({ key: c.senderPhone ? "intake.askContactName" : "intake.askContact" })),
        on: {
          input: [
            ...writtenAnswerGuards,
            {
              guard: ({ context }) => !looksLikeName(inputText(context)),
              actions: [say("intake.contactNotAName")],
            },
            {
              guard: ({ context }) => context.senderPhone === null && !hasReach(inputText(context)),
              actions: say("intake.contactNeedsReach"),
            },
            {
              target: "#conversation.afterIdentify",
              actions: {
                type: "registerCustomer",
                params: ({ context }) => ({
                  company: context.identity.company ?? "",
                  contactName: inputText(context).slice(0, 200),
                  language: context.language,
                }),
              },
            },
          ],
        },
      },
    },
  });

  const afterIdentify = m.createStateConfig({
    always: [
      {
        guard: ({ context }) => context.oneReply === true && (context.draft?.description ?? "") !== "",
        target: "mailTriaging",
        actions: thanks,
      },
      { guard: "described", target: "triaging", actions: thanks },
      {
        guard: ({ context }) => context.aiEnabled && draftVoice(context) !== undefined,
        target: "voice",
        actions: thanks,
      },
      {
        target: "describe",
        actions: [
          // Files sent during sign-up stay for the ticket.
          assign({
            draft: ({ context }) => ({ ...emptyDraft(), attachments: context.draft?.attachments ?? [] }),
          }),
          thanks,
        ],
      },
    ],
  });

  return { identify, afterIdentify };
}

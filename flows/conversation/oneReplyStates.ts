/**
 * Intake in one reply (e-mail): the first message is classified (`mailTriaging`), the ticket
 * opens at once with what is known (`mailOpening`) and the questions still open are asked in one
 * numbered message; `mailAnswer` completes the ticket from the customer's answer.
 */
import { assign, enqueueActions } from "xstate";
import { rateQuote } from "../../src/policy/charge.js";
import { lastResult } from "../lastResult.js";
import { mailQuestions, parseMailAnswers } from "../mailIntake.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext } from "./conversationTypes.js";
import type { IntakeRules } from "./intakeRules.js";
import { draftVoice, emptyDraft, inputText } from "./messageInput.js";
import { keepTriage } from "./problemStates.js";
import { mailQuestionReplies } from "./replies.js";
import { addToTicket, followedTicket, keepOnDraft, replyEach } from "./steps.js";
import { openingSteps } from "./ticketStates.js";

/** The states `mailTriaging`, `mailOpening` and `mailAnswer`. */
export function oneReplyStates(rules: IntakeRules) {
  const { policy, blockingCategories } = rules;
  const steps = openingSteps(rules);
  /** The customer's answer to the open questions, read once for the guard and the intents. */
  const mailParse = lastResult((context: ConversationContext) =>
    parseMailAnswers(
      inputText(context),
      context.draft?.asked ?? [],
      policy,
      rules.offeredCategories(context),
    ),
  );
  const askedQuestions = (intro: boolean) =>
    replyEach((context) => mailQuestionReplies(rules, context, context.draft?.asked ?? [], intro));

  /**
   * A voice message alone (a phone line's voicemail) with AI on: transcribed first, its text is
   * the description triaged; without a transcript it is triaged as it is (the recording stays).
   */
  const mailVoice = m.createStateConfig({
    invoke: {
      id: "transcribe",
      src: "transcribe",
      input: ({ context }) => ({ attachment: draftVoice(context)! }),
      onDone: {
        target: "mailTriaging",
        actions: assign({
          draft: ({ context, event }) => ({
            ...(context.draft ?? emptyDraft()),
            description: event.output?.text.trim() ?? "",
          }),
        }),
      },
      onError: { target: "mailTriaging" },
    },
    on: { input: keepOnDraft },
  });

  /** The first message is classified, then the ticket opens at once. */
  const mailTriaging = m.createStateConfig({
    invoke: {
      id: "triage",
      src: "triage",
      input: ({ context }) => ({ text: context.draft?.description ?? "" }),
      onDone: {
        target: "mailOpening",
        actions: keepTriage(rules),
      },
      onError: { target: "mailOpening" },
    },
    on: { input: keepOnDraft },
  });

  const mailOpening = m.createStateConfig({
    entry: [
      assign({
        draft: ({ context }) => {
          const draft = context.draft ?? emptyDraft();
          const category = draft.suggested ?? "other";
          const blocking = blockingCategories.has(category) ? true : (draft.suggestedBlocking ?? false);
          const salesRep = draft.salesRep ?? context.customer?.salesRep ?? null;
          const next = { ...draft, category, blocking, salesRep, coverage: null };
          const coverage = rules.coverageOf(context, next);
          return {
            ...next,
            coverage,
            asked: mailQuestions(policy, {
              category,
              categoryIsBlocking: blockingCategories.has(category),
              covered: coverage.covered,
              consent: draft.consent,
              salesRep,
            }),
          };
        },
      }),
      ...steps.openTicket,
    ],
    on: {
      "ticket.opened": {
        target: "mailAnswer",
        actions: [...steps.opened, askedQuestions(true), assign({ prompt: null, choices: [] })],
      },
      input: keepOnDraft,
    },
  });

  /** The customer's answer completes the ticket; anything else is added to it. */
  const mailAnswer = m.createStateConfig({
    always: {
      guard: ({ context }) => (context.draft?.asked ?? []).length === 0,
      target: "waiting",
      actions: assign({ draft: null }),
    },
    on: {
      input: [
        { guard: "empty" },
        {
          guard: ({ context }) => mailParse(context).answered.length > 0,
          target: "mailAnswer",
          reenter: true,
          actions: [
            enqueueActions(({ context, enqueue }) => {
              const { answers, answered } = mailParse(context);
              enqueue({ type: "completeTicket", params: { number: context.ticket!, answers } });
              if (answers.consent !== undefined)
                enqueue({
                  type: "recordConsent",
                  params: { accepted: answers.consent, quote: { ...rateQuote(policy) } },
                });
              // The suggested category stands unless the customer corrects it in this answer.
              const remaining = (context.draft?.asked ?? []).filter(
                (q) => !answered.includes(q) && q !== "category",
              );
              enqueue({
                type: "reply",
                params: {
                  key:
                    answers.consent === false
                      ? "mail.consentDeclined"
                      : remaining.length === 0
                        ? "mail.completed"
                        : "mail.partlyCompleted",
                  params: { number: context.ticket! },
                },
              });
              for (const params of mailQuestionReplies(rules, context, remaining, false))
                enqueue({ type: "reply", params });
              enqueue.assign({
                draft: { ...context.draft!, asked: remaining },
              });
            }),
          ],
        },
        {
          actions: [
            addToTicket(followedTicket),
            {
              type: "reply",
              params: ({ context }) => ({ key: "mail.stillNeeded", params: { number: context.ticket! } }),
            },
            askedQuestions(false),
          ],
        },
      ],
    },
  });

  return { mailVoice, mailTriaging, mailOpening, mailAnswer };
}

/**
 * Sign-up of an unknown customer: `identify` asks the company (company and contact in one
 * message on a one-reply channel), reads whatever the customer gives in any order (company,
 * name, phone, e-mail: `parseIdentityLine`), then asks only what is still missing — the name,
 * a way to reach them when the channel gives none. No question is asked more than
 * {@link MAX_ASKS} times: then the customer is registered with what is known and told that a
 * technician will complete it. `afterIdentify` goes back to the problem written first (or asks
 * for it).
 */
import type { CountryCode } from "libphonenumber-js/max";
import { assign } from "xstate";
import { understandRequest } from "../../src/understanding/answer.js";
import { type IdentityQuestion, parseIdentityLine } from "../../src/understanding/identityLine.js";
import { readsAsProblem, splitAnswerAndProblem } from "../../src/understanding/problemText.js";
import { lastResult } from "../lastResult.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext, IdentityStep, Prompt } from "./conversationTypes.js";
import {
  addsNothing,
  answered,
  askedTimes,
  countAsked,
  MAX_ASKS,
  missingSteps,
  nextStep,
  reachable,
  registration,
  withAnswer,
} from "./identityAnswers.js";
import { draftVoice, emptyDraft, inputText, withLine } from "./messageInput.js";
import { appendInputToDraft, ask, say, writtenAnswerGuards } from "./steps.js";

type Args = { context: ConversationContext };

/** Requests served in the middle of a sign-up question ("a che ora aprite?"), then it is asked again. */
const INTERRUPTIONS = ["status", "hours", "human", "restart"].map((id) => ({ id }));

/** The request an answer that gave no identity field makes instead, if any. */
function interruption(
  context: ConversationContext,
  as: IdentityQuestion,
  region: CountryCode,
): string | null {
  const text = inputText(context);
  if (!text || !addsNothing(context, answered(context, as, region))) return null;
  return understandRequest(text, INTERRUPTIONS);
}

/**
 * The answer describes a fault and gives no phone number or address: it is the problem, not a
 * company or a name.
 */
function describesProblem(text: string, question: IdentityQuestion, region: CountryCode): boolean {
  if (!text || !readsAsProblem(text)) return false;
  const read = parseIdentityLine(text, { question, region });
  return !read.phone && !read.email;
}

/**
 * The answer first, then a fault ("Bar Roma, la cassa non va"): the two parts, when the fault
 * part gives no phone number or address (those belong to the answer).
 */
function answerThenProblem(text: string, question: IdentityQuestion, region: CountryCode) {
  const split = text ? splitAnswerAndProblem(text) : null;
  if (!split) return null;
  const rest = parseIdentityLine(split.problem, { question, region });
  return rest.phone || rest.email ? null : split;
}

/** Thanks, or (something never given) that a technician will complete the details. */
const thanks = {
  type: "reply" as const,
  params: ({ context }: Args) => ({
    key: missingSteps(context).length === 0 ? "intake.thanksIdentified" : "intake.identityIncomplete",
  }),
};

/** The question of a sign-up step: the first time, then again after an answer that did not fit. */
function question(step: IdentityStep, context: ConversationContext): Prompt {
  const again = askedTimes(context, step) > 1;
  switch (step) {
    case "company":
      return { key: again ? "intake.askCompanyAgain" : "intake.askCompany" };
    case "contact":
      if (again) return { key: "intake.contactNotAName" };
      if (!reachable(context)) return { key: "intake.askContact" };
      return { key: context.chat.senderPhone ? "intake.askContactName" : "intake.askName" };
    case "reach":
      return { key: again ? "intake.contactNeedsReach" : "intake.askReach" };
  }
}

/** The states `identify` (with `choose`, `both`, `company`, `contact`, `reach`, `next`) and `afterIdentify`. */
export function identifyStates(region: CountryCode) {
  /** {@link describesProblem} once per message: two transitions ask it. */
  const problemGiven = lastResult((text: string, as: IdentityQuestion) => describesProblem(text, as, region));
  /** {@link answerThenProblem} once per message: the guard and its action ask it. */
  const bothGiven = lastResult((text: string, as: IdentityQuestion) => answerThenProblem(text, as, region));
  /** An ask state: counts the question, asks it, reads the answer into the identity. */
  const askState = (step: IdentityStep, as: IdentityQuestion) =>
    m.createStateConfig({
      entry: [
        assign({
          identity: ({ context }) =>
            countAsked(
              context.identity,
              // Name and reach asked together count for both.
              step === "contact" && !reachable(context) ? ["contact", "reach"] : [step],
            ),
        }),
        ...ask((c) => question(step, c)),
      ],
      on: {
        input: [
          ...writtenAnswerGuards,
          {
            guard: ({ context }) => interruption(context, as, region) !== null,
            actions: m.raise(({ context }) => ({
              type: "customer.intent" as const,
              intent: interruption(context, as, region)!,
            })),
          },
          {
            // The answer and a fault in one line ("Bar Roma, la cassa non va"): both taken.
            guard: ({ context }) => bothGiven(inputText(context), as) !== null,
            target: "next",
            actions: [
              assign(({ context }) => {
                const { answer, problem } = bothGiven(inputText(context), as)!;
                const draft = context.draft ?? emptyDraft();
                return {
                  identity: withAnswer(context.identity, answer, as, region),
                  draft: { ...draft, description: withLine(draft.description, problem) },
                };
              }),
              say("intake.problemNoted"),
            ],
          },
          {
            // A fault described instead of the answer ("la stampante non stampa, sono fermo"):
            // kept as the problem, and the question asked again (within its limit).
            guard: ({ context }) =>
              problemGiven(inputText(context), as) && askedTimes(context, step) < MAX_ASKS,
            target: step,
            reenter: true,
            actions: [appendInputToDraft, say("intake.problemNoted")],
          },
          {
            guard: ({ context }) => problemGiven(inputText(context), as),
            target: "next",
            actions: [appendInputToDraft, say("intake.problemNoted")],
          },
          {
            target: "next",
            actions: assign({ identity: ({ context }) => answered(context, as, region) }),
          },
        ],
      },
    });

  const identify = m.createStateConfig({
    initial: "choose",
    states: {
      // A one-reply channel (e-mail) asks both sign-up questions in one message.
      choose: {
        entry: assign({ identity: () => ({ company: null }) }),
        always: [{ guard: "oneReply", target: "both" }, { target: "company" }],
      },
      both: {
        entry: [
          assign({ identity: ({ context }) => countAsked(context.identity, ["company", "contact"]) }),
          ...ask(() => ({ key: "intake.askCompanyAndContact" })),
        ],
        on: {
          input: [
            ...writtenAnswerGuards,
            {
              target: "next",
              actions: assign({ identity: ({ context }) => answered(context, "both", region) }),
            },
          ],
        },
      },
      company: askState("company", "company"),
      contact: askState("contact", "contact"),
      reach: askState("reach", "reach"),
      // Asks what is still missing, or registers the customer with what is known.
      next: {
        always: [
          { guard: ({ context }) => nextStep(context) === "company", target: "company" },
          { guard: ({ context }) => nextStep(context) === "contact", target: "contact" },
          { guard: ({ context }) => nextStep(context) === "reach", target: "reach" },
          {
            target: "#conversation.afterIdentify",
            actions: { type: "registerCustomer", params: ({ context }) => registration(context) },
          },
        ],
      },
    },
  });

  const afterIdentify = m.createStateConfig({
    always: [
      {
        guard: ({ context }) => context.chat.oneReply && (context.draft?.description ?? "") !== "",
        target: "mailTriaging",
        actions: thanks,
      },
      { guard: "described", target: "triaging", actions: thanks },
      {
        guard: ({ context }) => context.chat.aiEnabled && draftVoice(context) !== undefined,
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

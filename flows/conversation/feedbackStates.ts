/**
 * After a close: the customer rates the support (1–5 stars) and may leave a comment. Customers who
 * write about something else are not trapped in the survey.
 */
import { assign, raise } from "xstate";
import { onlyUnsure } from "../../src/understanding/answer.js";
import { understandRating } from "../../src/understanding/rating.js";
import { lastResult } from "../lastResult.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext } from "./conversationTypes.js";
import { answer, inputText, isSubstantive } from "./messageInput.js";
import { ask, MAX_ASKS, reprompt, say, writtenAnswerOnly } from "./steps.js";

const STARS = ["1", "2", "3", "4", "5"].map((n) => ({ id: n, text: "★".repeat(Number(n)) }));

/** The rating in the message: a tapped star, or typed ("cinque stelle", "ottimo servizio, 5", "⭐⭐⭐⭐"). */
const typedRating = lastResult((input: ConversationContext["input"]) =>
  input.choice && /^[1-5]$/.test(input.choice)
    ? { kind: "rating" as const, rating: Number(input.choice), comment: null }
    : understandRating(input.text),
);
const rated = (context: ConversationContext) => {
  const result = typedRating(context.input);
  return result.kind === "rating" ? result : null;
};

/**
 * The `recordFeedback` intent with `rating` and `comment`. The rating is the one given at the
 * rating question: a comment written afterwards ("gentilissimi e veloci") is not read as a new
 * rating.
 */
const record = (
  comment: (context: ConversationContext) => string | null,
  rating: (context: ConversationContext) => number = (context) => context.feedback!.rating!,
) => ({
  type: "recordFeedback" as const,
  params: ({ context }: { context: ConversationContext }) => ({
    number: context.feedback!.ticket,
    rating: rating(context),
    comment: comment(context),
  }),
});

const done = [m.assign({ feedback: null, prompt: null, choices: [] }), say("feedback.thanks")];

/** The state `feedback` (with `rating` and `comment`). */
export function feedbackStates() {
  const feedback = m.createStateConfig({
    initial: "rating",
    states: {
      rating: {
        entry: ask(() => ({ key: "feedback.askRating", choices: STARS, expects: { kind: "rating" } })),
        on: {
          input: [
            // A rating with a comment in the same message: both are kept, nothing more is asked.
            {
              guard: ({ context }) => rated(context)?.comment != null,
              target: "#conversation.idle",
              actions: [
                record(
                  (context) => rated(context)!.comment,
                  (context) => rated(context)!.rating,
                ),
                ...done,
              ],
            },
            {
              guard: ({ context }) => rated(context) !== null,
              target: "comment",
              actions: assign({
                feedback: ({ context }) => ({ ...context.feedback!, rating: rated(context)!.rating }),
              }),
            },
            // Customers who just write something else are not trapped in the survey.
            {
              guard: ({ context }) =>
                isSubstantive(context) &&
                typedRating(context.input).kind === "not-understood" &&
                !onlyUnsure(inputText(context)),
              target: "#conversation.idle",
              actions: [assign({ feedback: null }), raise({ type: "input" })],
            },
            // Asked enough: the survey ends without a rating.
            {
              guard: ({ context }) => (context.misses ?? 0) + 1 >= MAX_ASKS,
              target: "#conversation.idle",
              actions: [
                assign({ feedback: null, prompt: null, choices: [], misses: 0 }),
                say("understanding.movedOn.rating"),
              ],
            },
            { actions: reprompt },
          ],
        },
      },
      comment: {
        entry: ask(() => ({
          key: "feedback.askComment",
          choices: [{ id: "skip", key: "feedback.noComment" }],
        })),
        on: {
          input: [
            writtenAnswerOnly,
            {
              target: "#conversation.idle",
              actions: [
                record((context) =>
                  answer(context) === "skip" || inputText(context) === ""
                    ? null
                    : inputText(context).slice(0, 2000),
                ),
                ...done,
              ],
            },
          ],
        },
      },
    },
  });
  return { feedback };
}

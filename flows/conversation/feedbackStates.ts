/**
 * After a close: the customer rates the support (1–5 stars) and may leave a comment. Customers who
 * write about something else are not trapped in the survey.
 */
import { assign, raise } from "xstate";
import { conversationSetup as m } from "./conversationSetup.js";
import { answer, inputText } from "./messageInput.js";
import { ask, reprompt, say } from "./steps.js";

const RATING = /^[1-5]$/;
const STARS = ["1", "2", "3", "4", "5"].map((n) => ({ id: n, text: "★".repeat(Number(n)) }));

/** The state `feedback` (with `rating` and `comment`). */
export function feedbackStates() {
  const feedback = m.createStateConfig({
    initial: "rating",
    states: {
      rating: {
        entry: ask(() => ({ key: "feedback.askRating", choices: STARS })),
        on: {
          input: [
            {
              guard: ({ context }) => RATING.test(answer(context) ?? ""),
              target: "comment",
              actions: assign({
                feedback: ({ context }) => ({ ...context.feedback!, rating: Number(answer(context)) }),
              }),
            },
            // Customers who just write something else are not trapped in the survey.
            {
              guard: "substantive",
              target: "#conversation.idle",
              actions: [assign({ feedback: null }), raise({ type: "input" })],
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
          input: {
            target: "#conversation.idle",
            actions: [
              {
                type: "recordFeedback",
                params: ({ context }) => ({
                  number: context.feedback!.ticket,
                  rating: context.feedback!.rating!,
                  comment:
                    answer(context) === "skip" || inputText(context) === ""
                      ? null
                      : inputText(context).slice(0, 2000),
                }),
              },
              assign({ feedback: null, prompt: null, choices: [] }),
              say("feedback.thanks"),
            ],
          },
        },
      },
    },
  });
  return { feedback };
}

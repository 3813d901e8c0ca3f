/**
 * The last layer of understanding an answer: when the offline layers (`src/understanding`) did
 * not understand it — not a request, not ambiguous, not yet the third miss — and AI assist is on
 * for the chat, the re-prompt hands the answer to the AI (`interpretAnswer`) instead of "sorry,
 * I didn't understand", and the chat stays on the question. The runtime answers with
 * `answer.interpreted`: a choice still offered is taken as if tapped; no choice, a choice not
 * offered, or a failed call gives what the re-prompt would have said (`notUnderstood.ts`). A
 * new message supersedes an answer still with the AI.
 */
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext, ConversationEvent } from "./conversationTypes.js";
import { inputText } from "./messageInput.js";
import { notUnderstoodReplies } from "./notUnderstood.js";

type Interpreted = Extract<ConversationEvent, { type: "answer.interpreted" }>;

/**
 * Questions whose answer is never inferred by a model: consent to a paid intervention is given
 * by tapping or typing it, so a vague "ok, but how much?" can never be read as acceptance.
 */
const NEVER_INFERRED: ReadonlySet<string> = new Set(["intake.quote", "intake.quoteWithFree"]);

/**
 * The AI may read this answer: AI assist is on, the question offers choices (a free question
 * has nothing for the AI to pick) and is not a consent, and the message has text. E-mail is read
 * in one reply, never re-asked, so it stays out.
 */
export const canInterpret = (context: ConversationContext): boolean =>
  context.chat.aiEnabled &&
  !context.chat.oneReply &&
  (context.prompt?.choices?.length ?? 0) > 0 &&
  !NEVER_INFERRED.has(context.prompt?.key ?? "") &&
  inputText(context) !== "";

/**
 * The intent that hands the answer to the AI, and the context's note of it (a number one above
 * the last one's, so an older reading can be told apart). Only where {@link canInterpret}.
 */
export function interpretation(context: ConversationContext) {
  const prompt = context.prompt!;
  const seq = (context.interpreting?.seq ?? 0) + 1;
  return {
    interpreting: { seq, question: prompt.key, awaiting: true },
    intent: {
      type: "interpretAnswer" as const,
      params: {
        seq,
        text: inputText(context),
        question: prompt.key,
        ...(prompt.params ? { questionParams: prompt.params } : {}),
        options: prompt.choices ?? [],
        language: context.language,
      },
    },
  };
}

/** The `answer.interpreted` awaited now: same number, still awaited, the same question asked. */
function awaited(context: ConversationContext, event: Interpreted): boolean {
  const pending = context.interpreting;
  return pending?.awaiting === true && pending.seq === event.seq && context.prompt?.key === pending.question;
}

const done = m.assign({
  interpreting: ({ context }) => (context.interpreting ? { ...context.interpreting, awaiting: false } : null),
});

/**
 * The root's `answer.interpreted` transitions: a choice still offered becomes the message's
 * choice and the current state takes the message again; otherwise the usual re-prompt. A stale
 * answer (superseded by a new message or question) matches neither and is ignored.
 */
export const interpretedAnswer = m.createStateConfig({
  on: {
    "answer.interpreted": [
      {
        guard: ({ context, event }) =>
          awaited(context, event) && event.choice !== null && context.choices.includes(event.choice),
        actions: [
          done,
          m.assign({
            input: ({ context, event }) => ({
              ...context.input,
              choice: event.type === "answer.interpreted" ? event.choice : null,
            }),
          }),
          m.raise({ type: "input" }),
        ],
      },
      {
        guard: ({ context, event }) => awaited(context, event),
        actions: [
          done,
          m.enqueueActions(({ context, enqueue }) => {
            for (const params of notUnderstoodReplies(context)) enqueue({ type: "reply", params });
          }),
        ],
      },
    ],
  },
}).on;

/**
 * What the customer reads when an answer was not understood (and no clarifying question or safe
 * default applies): "sorry, I didn't understand" after the first miss, a hint with the options
 * after the second — never the same line twice in a row — then the question again. Shared by
 * the re-prompt and by the AI's reading of the answer when it gives nothing usable.
 */
import type { ConversationContext, ReplyParams } from "./conversationTypes.js";
import { MENU_PROMPT } from "./replies.js";

/** The line for the `misses`-th miss of the question and the question again. */
export function notUnderstoodReplies(context: ConversationContext): ReplyParams[] {
  const prompt = context.prompt ?? MENU_PROMPT;
  const key =
    (context.misses ?? 1) <= 1
      ? "common.notUnderstood"
      : (prompt.choices?.length ?? 0) > 0
        ? "understanding.pickHint"
        : "understanding.writeHint";
  return [{ key }, prompt];
}

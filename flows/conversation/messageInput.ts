/**
 * Reading the current message (`context.input`) and keeping it on the draft: its text, its files,
 * a voice note, whether it can describe a problem, and which offered choice it answers. Pure and
 * policy-independent.
 */

import { understandAnswer } from "../../src/understanding/answer.js";
import { optionsOf } from "../../src/understanding/labels.js";
import type { Understood } from "../../src/understanding/types.js";
import type { AttachmentMeta } from "../intents.js";
import { lastResult } from "../lastResult.js";
import { isGreetingOnly, isMenuCommand } from "../textMatchers.js";
import type { ConversationContext, Draft, Prompt } from "./conversationTypes.js";

/** Files kept for the ticket (a voice note is transcribed, a sticker or a location dropped). */
const MEDIA_KINDS = new Set(["image", "video", "document", "audio"]);

/** A draft with nothing collected yet. */
export function emptyDraft(): Draft {
  return {
    description: "",
    attachments: [],
    category: null,
    suggested: null,
    summary: null,
    item: null,
    purchasedOn: null,
    itemAsked: false,
    blocking: null,
    suggestedBlocking: null,
    consent: null,
    salesRep: null,
    coverage: null,
    pendingVoice: null,
    seriousDamage: null,
  };
}

/** The message's text, trimmed. */
export const inputText = (context: ConversationContext) => context.input.text.trim();

/** An image, video, document or audio file (not a voice note). */
export const isMedia = (a: AttachmentMeta) => MEDIA_KINDS.has(a.kind);

/** The message's files that are kept for the ticket. */
export const media = (context: ConversationContext) => context.input.attachments.filter(isMedia);

/** The message carries a voice note. */
export const hasVoice = (context: ConversationContext) =>
  context.input.attachments.some((a) => a.kind === "voice");

/** The voice note of a draft that has no written description yet. */
export const draftVoice = (context: ConversationContext) =>
  context.draft && context.draft.description === ""
    ? context.draft.attachments.findLast((a) => a.kind === "voice")
    : undefined;

/** No text, only files of kinds that are not read (a sticker, a location). */
export const onlyUnsupported = (context: ConversationContext) =>
  inputText(context) === "" &&
  context.input.attachments.length > 0 &&
  context.input.attachments.every((a) => !isMedia(a) && a.kind !== "voice");

/** Text that can be a problem description: not a greeting, a command or a bare "1"/"ok". */
export const isSubstantive = (context: ConversationContext) => {
  const text = inputText(context);
  return text.length >= 8 && /\p{L}{3}/u.test(text) && !isGreetingOnly(text) && !isMenuCommand(text);
};

/** The description with `text` as its next line (the same description for no text). */
export function withLine(description: string, text: string): string {
  if (!text) return description;
  return description ? `${description}\n${text}` : text;
}

/** The message's text and files, as a ticket's next lines and attachments. */
export function withInput(draft: Draft, context: ConversationContext): Draft {
  return {
    ...draft,
    description: withLine(draft.description, inputText(context)),
    attachments: [
      ...draft.attachments,
      ...context.input.attachments.filter((a) => a.kind !== "sticker" && a.kind !== "location"),
    ],
  };
}

/** What the message means for the last question asked (its options and expectation). */
const understandInput = lastResult(
  (input: ConversationContext["input"], prompt: Prompt | null): Understood => {
    const choices = prompt?.choices ?? [];
    if (input.choice && choices.some((c) => c.id === input.choice)) {
      return { kind: "answer", value: input.choice, rest: "", layer: "button" };
    }
    const expects = prompt?.expects ?? { kind: "choice" as const };
    return understandAnswer(input.text, optionsOf(choices, expects.labels), expects);
  },
);

/**
 * What the message means for the question asked: an option, ambiguous between some, or not
 * understood. A state's guards ask one after the other with the same message: it is read once.
 */
export const understood = (context: ConversationContext): Understood => {
  // A prompt offering no choices (a free question) is answered by the text itself.
  if (!context.prompt || context.choices.length === 0) return { kind: "not-understood" };
  return understandInput(context.input, context.prompt);
};

/** The offered choice the message answers (a tapped button, a number, a word, a sentence), if any. */
export const answer = (context: ConversationContext): string | undefined => {
  const result = understood(context);
  return result.kind === "answer" && context.choices.includes(result.value) ? result.value : undefined;
};

/** The text said beyond the answer ("no, e ho la fila alla cassa!"), for the ticket. */
export const answerRest = (context: ConversationContext): string => {
  const result = understood(context);
  return result.kind === "answer" ? result.rest : "";
};

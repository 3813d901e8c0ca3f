/**
 * Reading the current message (`context.input`) and keeping it on the draft: its text, its files,
 * a voice note, whether it can describe a problem, and which offered choice it answers. Pure and
 * policy-independent.
 */
import type { AttachmentMeta } from "../intents.js";
import { lastResult } from "../lastResult.js";
import { isGreetingOnly, isMenuCommand, matchChoice } from "../textMatchers.js";
import type { ConversationContext, Draft } from "./conversationTypes.js";

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

/** The message's text and files, as a ticket's next lines and attachments. */
export function withInput(draft: Draft, context: ConversationContext): Draft {
  const text = inputText(context);
  return {
    ...draft,
    description: text ? (draft.description ? `${draft.description}\n${text}` : text) : draft.description,
    attachments: [
      ...draft.attachments,
      ...context.input.attachments.filter((a) => a.kind !== "sticker" && a.kind !== "location"),
    ],
  };
}

const matchAnswer = lastResult((input: ConversationContext["input"], choices: string[]) =>
  input.choice && choices.includes(input.choice) ? input.choice : matchChoice(input.text, choices),
);

/**
 * The offered choice the message answers (a tapped button, a number, a word), if any. A state's
 * guards ask one after the other with the same message and choices: the match is made once.
 */
export const answer = (context: ConversationContext): string | undefined =>
  matchAnswer(context.input, context.choices);

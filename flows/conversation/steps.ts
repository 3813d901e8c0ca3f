/**
 * Building blocks of the conversation's transitions: ask a question (and remember it), say a
 * line, re-prompt, keep an answer on the draft, add a message to the ticket, and the transitions
 * shared by several states (a new problem, a written answer expected).
 */
import { understandRequest } from "../../src/understanding/answer.js";
import type { Params } from "../intents.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext, Draft, Prompt, ReplyParams } from "./conversationTypes.js";
import { canInterpret, interpretation } from "./interpretStep.js";
import { inputText, media, understood } from "./messageInput.js";
import { notUnderstoodReplies } from "./notUnderstood.js";
import { MENU_PROMPT } from "./replies.js";

/** What the params functions of the conversation's actions read. */
type Args = { context: ConversationContext };

/** The reply intent with the locale key `key` (params computed from the context). */
export const say = (key: string, params?: (context: ConversationContext) => Params) => ({
  type: "reply" as const,
  params: ({ context }: Args) => ({
    key,
    params: params ? params(context) : undefined,
  }),
});

/**
 * Asks a question: remembers it (for re-prompts and numbered answers) and sends it. The prompt
 * is built once; the reply sends the remembered one.
 */
export const ask = (build: (context: ConversationContext) => Prompt) => [
  { type: "rememberPrompt" as const, params: ({ context }: Args) => build(context) },
  { type: "reply" as const, params: ({ context }: Args) => context.prompt! },
];

/** The last question again (the menu when none was asked). */
export const repeatPrompt = {
  type: "reply" as const,
  params: ({ context }: Args) => context.prompt ?? MENU_PROMPT,
};

/**
 * A message with no text and no file that is read — a voice note, a sticker, a location — cannot
 * answer a question: it gets "please write" (with the message types that are read) and the
 * question again, not "I didn't understand", and it is not counted as a miss. Voice notes are
 * transcribed only where a problem is described, never as an answer.
 */
export const notWrittenAnswer = (context: ConversationContext) =>
  inputText(context) === "" && context.input.attachments.length > 0 && media(context).length === 0;

/** A question is asked at most this many times; then a safe default is taken or a person takes over. */
export const MAX_ASKS = 3;

/** Intents a customer may express in the middle of any question (a new problem is not one of them). */
const INTERRUPTIONS = ["status", "hours", "allowance", "human", "restart"].map((id) => ({ id }));

/**
 * The answer was not taken. In order: a request made in the middle of the question ("a che ora
 * aprite?") is served and the question asked again; an ambiguous answer gets one clarifying
 * question naming the options it could mean; otherwise "sorry, I didn't understand" the first time
 * and a hint with the options the second, never the same line twice in a row — or, with AI
 * assist on, the AI reads the answer first (`interpretStep.ts`). The third miss
 * takes the question's safe default (said to the customer) or hands the chat to a person, so no
 * question is asked more than {@link MAX_ASKS} times.
 */
export const reprompt = m.enqueueActions(({ context, enqueue }) => {
  if (notWrittenAnswer(context)) {
    enqueue({ type: "reply", params: { key: "intake.writtenAnswerOnly" } });
    enqueue({ type: "reply", params: context.prompt ?? MENU_PROMPT });
    return;
  }
  const text = inputText(context);
  const interruption = text ? understandRequest(text, INTERRUPTIONS) : null;
  if (interruption) {
    enqueue.raise({ type: "customer.intent", intent: interruption });
    return;
  }
  const misses = (context.misses ?? 0) + 1;
  const prompt = context.prompt ?? MENU_PROMPT;
  if (misses >= MAX_ASKS) {
    const fallback = prompt.expects?.fallback;
    if (fallback && context.choices.includes(fallback.option)) {
      enqueue({ type: "reply", params: { key: fallback.movedOn } });
      enqueue.assign({ misses: 0, input: { ...context.input, text: "", choice: fallback.option } });
      enqueue.raise({ type: "input" });
    } else {
      enqueue.assign({ misses: 0 });
      enqueue.raise({ type: "customer.intent", intent: "human" });
    }
    return;
  }
  enqueue.assign({ misses });
  const result = understood(context);
  if (result.kind === "ambiguous" && result.options.length > 1) {
    // The question stays; only the options the answer could mean are offered (and numbered) again.
    const choices = (prompt.choices ?? []).filter((c) => result.options.includes(c.id));
    if (choices.length < (prompt.choices ?? []).length) {
      enqueue.assign({ prompt: { ...prompt, choices }, choices: choices.map((c) => c.id) });
    }
    enqueue({ type: "reply", params: { key: "understanding.clarify", choices } });
    return;
  }
  // The last layer: the AI reads the answer when on for the chat (see interpretStep.ts).
  if (canInterpret(context)) {
    const { interpreting, intent } = interpretation(context);
    enqueue.assign({ interpreting });
    enqueue(intent);
    return;
  }
  for (const params of notUnderstoodReplies({ ...context, misses })) enqueue({ type: "reply", params });
});

/**
 * For a question whose last transition takes any message (a free comment): a voice note or a
 * sticker gets "please write" and the question again instead of being taken as the answer.
 * Put it first in the state's `input` transitions.
 */
export const writtenAnswerOnly = {
  guard: ({ context }: Args) => notWrittenAnswer(context),
  actions: reprompt,
};

/** Sends each reply `build` composes (availability lines, numbered questions). */
export const replyEach = (build: (context: ConversationContext) => ReplyParams[]) =>
  m.enqueueActions(({ context, enqueue }) => {
    for (const params of build(context)) enqueue({ type: "reply", params });
  });

/** Stores a short free-text answer (an item name, a sales representative) on the draft. */
export const keepAnswerAs = (field: "item" | "salesRep") => ({
  type: "keepAnswer" as const,
  params: { field },
});

/** Sets the fields of `patch` on the draft. */
export const setDraft = (patch: Partial<Draft>) =>
  m.assign({ draft: ({ context }: Args) => ({ ...context.draft!, ...patch }) });

/** Adds the message's text and files to the ticket `number(context)`. */
export const addToTicket = (number: (context: ConversationContext) => string) => ({
  type: "appendToTicket" as const,
  params: ({ context }: Args) => ({
    number: number(context),
    text: inputText(context),
    attachments: context.input.attachments,
  }),
});

/** The ticket this chat follows. */
export const followedTicket = (context: ConversationContext) => context.ticket!;

/** Keeps the message's text and files on the draft. */
export const appendInputToDraft = "appendInputToDraft" as const;

/** While an actor works or the ticket opens, further messages are kept on the draft. */
export const keepOnDraft = { actions: [appendInputToDraft] };

/** A file received while a question waits for its answer is kept and acknowledged. */
export const mediaKept = {
  guard: "mediaOnly" as const,
  actions: [appendInputToDraft, say("intake.attachmentReceived")],
};

/**
 * A message that starts a new problem where none is in progress (idle, menu): a problem
 * written directly skips the menu; a voice note is transcribed (it stays on the ticket, next to
 * its text) or, without AI, the customer is asked to write.
 */
export const newProblem = [
  { guard: "voiceWithAi" as const, target: "voice", actions: "startDraft" as const },
  { guard: "voiceWithoutAi" as const, actions: say("intake.voiceNotSupported") },
  { guard: "substantive" as const, target: "triaging", actions: "startDraft" as const },
];

/**
 * Sign-up questions want a written answer: a file is kept for the ticket and the question asked
 * again; a voice note or a sticker gets "please write" with the message types that are read.
 */
export const writtenAnswerGuards = [
  {
    guard: ({ context }: Args) => media(context).length > 0,
    actions: ["keepMediaOnDraft" as const, say("intake.attachmentKeptAnswerFirst"), repeatPrompt],
  },
  writtenAnswerOnly,
];

/**
 * The conversation machine's `setup()`: its types, named actors, the actions that keep the
 * message on the context, the intents (declared here, executed by the runtime from the action
 * objects `transition()` returns) and the named guards the states test.
 */
import { assign, setup } from "xstate";
import { intentActions, type Language } from "../intents.js";
import { isCancelCommand, isMenuCommand } from "../textMatchers.js";
import { conversationActors } from "./actors.js";
import type {
  ConversationContext,
  ConversationEvent,
  Draft,
  InboundEvent,
  Prompt,
} from "./conversationTypes.js";
import {
  answer,
  answerRest,
  emptyDraft,
  hasVoice,
  inputText,
  isMedia,
  isSubstantive,
  media,
  onlyUnsupported,
  withInput,
  withLine,
} from "./messageInput.js";

/**
 * The `setup()` of the conversation machine. Policy-independent: the state modules build their
 * typed configs and actions with it (`createStateConfig`, `assign`, `enqueueActions`, `raise`).
 */
export const conversationSetup = setup({
  types: {
    context: {} as ConversationContext,
    events: {} as ConversationEvent,
    input: {} as { language: Language; now: string },
  },
  actors: conversationActors,
  actions: {
    appendInputToDraft: assign({
      draft: ({ context }) => withInput(context.draft ?? emptyDraft(), context),
    }),
    /** Files sent while a written answer is expected are kept for the ticket. */
    keepMediaOnDraft: assign({
      draft: ({ context }) => ({
        ...(context.draft ?? emptyDraft()),
        attachments: [...(context.draft?.attachments ?? []), ...media(context)],
      }),
    }),
    /** The triage's suggestion kept on the draft. */
    keepTriage: assign(
      ({ context }, suggestion: Pick<Draft, "suggested" | "suggestedBlocking" | "summary">) => ({
        draft: { ...(context.draft ?? emptyDraft()), ...suggestion },
      }),
    ),
    /** A new problem starts from this message (text, media, voice). */
    startDraft: assign({ draft: ({ context }) => withInput(emptyDraft(), context) }),
    keepFirstMessage: assign({
      draft: ({ context }) =>
        context.draft
          ? {
              ...context.draft,
              description: isSubstantive(context) ? inputText(context) : "",
              // A voice note is kept too: it is transcribed once the customer is identified.
              attachments: context.input.attachments.filter((a) => isMedia(a) || a.kind === "voice"),
            }
          : null,
    }),
    keepAnswer: assign(({ context }, { field }: { field: "item" | "salesRep" }) => ({
      draft: { ...context.draft!, [field]: inputText(context).slice(0, 200) },
    })),
    rememberPrompt: assign((_, prompt: Prompt) => ({
      prompt,
      choices: (prompt.choices ?? []).map((c) => c.id),
      misses: 0,
    })),
    /** What an answer said beyond the answer ("no, e ho la fila alla cassa!") goes to the ticket. */
    keepRest: assign({
      draft: ({ context }) => {
        const rest = answerRest(context);
        if (!context.draft || rest === "") return context.draft;
        return { ...context.draft, description: withLine(context.draft.description, rest) };
      },
    }),
    refreshFromInbound: assign(({ event, context }) => {
      const e = event as InboundEvent;
      return {
        now: e.at,
        customer: e.facts.customer,
        openTickets: e.facts.openTickets,
        chat: {
          aiEnabled: e.facts.aiEnabled,
          oneReply: e.facts.oneReply ?? false,
          voicemail: e.facts.voicemail ?? false,
          senderPhone: e.facts.senderPhone ?? null,
          senderEmail: e.facts.senderEmail ?? null,
          lastInboundAt: e.at,
        },
        // A new message supersedes an answer still with the AI.
        interpreting: context.interpreting ? { ...context.interpreting, awaiting: false } : null,
        // The customer record decides; otherwise the language detected on the first message sticks.
        language:
          e.facts.customer?.language ?? (context.chat.lastInboundAt ? context.language : e.facts.language),
        input: {
          text: e.text,
          choice: e.choice ?? null,
          attachments: e.attachments.filter((a) => !a.error),
        },
      };
    }),
    // Intents: executed by the runtime from the action objects `transition()` returns.
    ...intentActions,
  },
  guards: {
    isMenu: ({ event }) => event.type === "inbound" && isMenuCommand(event.text),
    isCancel: ({ event }) => event.type === "inbound" && isCancelCommand(event.text),
    /** More than `idleMs` since the last message (the preset's idle reset). */
    idleExpired: ({ context, event }, { idleMs }: { idleMs: number }) => {
      // A chat that follows an open ticket stays with it however long the pause, and so does one
      // waiting for the answer to the feedback question (sent at the close, often a day later).
      if (event.type !== "inbound" || !context.chat.lastInboundAt || context.ticket !== null) return false;
      if (context.feedback !== null) return false;
      return new Date(event.at).getTime() - new Date(context.chat.lastInboundAt).getTime() > idleMs;
    },
    unknownCustomer: ({ context }) => context.customer === null && context.identity.company === null,
    substantive: ({ context }) => isSubstantive(context),
    voiceWithAi: ({ context }) => hasVoice(context) && inputText(context) === "" && context.chat.aiEnabled,
    voiceWithoutAi: ({ context }) =>
      hasVoice(context) && inputText(context) === "" && !context.chat.aiEnabled,
    unsupportedOnly: ({ context }) => onlyUnsupported(context),
    empty: ({ context }) => inputText(context) === "" && context.input.attachments.length === 0,
    mediaOnly: ({ context }) => inputText(context) === "" && media(context).length > 0,
    followsTicket: ({ context }) => context.ticket !== null,
    /** A first message on a one-reply channel (e-mail, a phone line's voicemail) opens a ticket. */
    mailProblem: ({ context }) =>
      context.chat.oneReply && (isSubstantive(context) || media(context).length > 0 || hasVoice(context)),
    /** The message answers the offered choice `choice`. */
    answered: ({ context }, { choice }: { choice: string }) => answer(context) === choice,
    /** The channel reads one message per turn (e-mail). */
    oneReply: ({ context }) => context.chat.oneReply,
    /** A voicemail from a customer with an open ticket: it belongs to that ticket. */
    voicemailForOpenTicket: ({ context }) =>
      context.chat.voicemail && context.customer !== null && context.openTickets.length > 0,
    /** The draft has a written description. */
    described: ({ context }) => (context.draft?.description ?? "") !== "",
    /** At least `min` characters of text. */
    textAtLeast: ({ context }, { min }: { min: number }) => inputText(context).length >= min,
  },
});

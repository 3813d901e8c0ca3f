/**
 * The hand-over to a person (`handover`): the bot stops asking and tells the customer once that a
 * person will answer; staff are told on the chat's ticket, or on a new ticket "to classify"
 * (category empty) when the chat follows none. While handed over every message goes to that
 * ticket and the bot says nothing. A technician's claim (root `ticket.claimed`) or reply
 * (`ticket.replied`) moves the chat to `relay`; "menu" / "ricomincia" (root) or "annulla" end it.
 *
 * Entering: a plain `target: "handover"` from any state (reason `asked`, or the reason assigned to
 * `context.handover` on the way: `unknown-caller` from `idle` and `callerVoice`), or the event
 * `{ type: "handover", reason }` the runtime's loop guards send (handled at the root by
 * {@link handoverEvents}; ignored while already handed over).
 */
import { assign } from "xstate";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext, ConversationEvent, HandoverReason } from "./conversationTypes.js";
import type { IntakeRules } from "./intakeRules.js";
import { draftVoice, emptyDraft, inputText } from "./messageInput.js";
import { addToTicket, followedTicket, keepOnDraft, say } from "./steps.js";

/** The state id of the hand-over (a target for other states: `target: "handover"`). */
export const HANDOVER_STATE = "handover";

type Args = { context: ConversationContext };

/** The ticket the chat hands over on: the one it follows, else the customer's only open ticket. */
export function handoverTicket(context: ConversationContext): string | null {
  if (context.ticket) return context.ticket;
  return context.openTickets.length === 1 ? context.openTickets[0]!.number : null;
}

const reasonOf = (context: ConversationContext): HandoverReason => context.handover?.reason ?? "asked";

/** The one line the customer gets: a person will answer here, on this ticket. */
const started = say("handover.started", (c) => ({ number: c.ticket }));

/** The root-level event that hands any chat over (the runtime's loop guards send it). */
export function handoverEvents() {
  return m.createStateConfig({
    on: {
      handover: {
        // Not twice: a chat already handed over keeps its ticket and says nothing more.
        guard: ({ context }) => !context.handover,
        target: `.${HANDOVER_STATE}`,
        actions: assign({
          handover: ({ event }) => ({
            reason: (event as Extract<ConversationEvent, { type: "handover" }>).reason,
          }),
        }),
      },
    },
  }).on;
}

/** The state `handover`. */
export function handoverStates(rules: IntakeRules) {
  const handOver = (withDraft: boolean) => ({
    type: "handOver" as const,
    params: ({ context }: Args) => ({
      number: withDraft ? null : context.ticket,
      draft: withDraft
        ? {
            ...rules.toTicketDraft(context),
            // "To classify": no category; a person reads it, no authorization or page first.
            category: null,
            description: (context.draft?.description || inputText(context)).slice(0, 4000),
            status: "open" as const,
            pageOnCall: false,
            pageAt: null,
          }
        : null,
      company: context.customer ? null : context.identity.company,
      reason: reasonOf(context),
      prompt: context.prompt?.key ?? null,
      text: inputText(context),
    }),
  });

  const handover = m.createStateConfig({
    initial: "start",
    entry: assign({ handover: ({ context }) => ({ reason: reasonOf(context) }) }),
    exit: assign({ handover: null }),
    states: {
      start: {
        always: [
          {
            guard: ({ context }) => handoverTicket(context) !== null,
            target: "open",
            actions: [assign({ ticket: ({ context }) => handoverTicket(context) }), handOver(false), started],
          },
          { target: "opening", actions: handOver(true) },
        ],
      },
      opening: {
        on: {
          "ticket.opened": {
            target: "open",
            actions: [
              assign({
                ticket: ({ event }) => event.number,
                draft: null,
                now: ({ event }) => event.at,
              }),
              started,
            ],
          },
          input: keepOnDraft,
        },
      },
      open: {
        // No question is pending any more (the intent above still named it for staff).
        entry: assign({ prompt: null, choices: [] }),
        on: {
          input: [{ guard: "empty" }, { guard: "followsTicket", actions: addToTicket(followedTicket) }],
          "ticket.replied": {
            target: "#conversation.relay",
            actions: assign({
              technician: ({ event }) => event.technician,
              now: ({ event }) => event.at,
            }),
          },
        },
      },
    },
  });

  /**
   * A voicemail from an unknown number, with AI on: its recording is transcribed first, then a
   * person takes it over (reason `unknown-caller`) with the transcript as the description.
   */
  const callerVoice = m.createStateConfig({
    invoke: {
      id: "transcribe",
      src: "transcribe",
      input: ({ context }) => ({ attachment: draftVoice(context)! }),
      onDone: {
        target: HANDOVER_STATE,
        actions: assign({
          draft: ({ context, event }) => ({
            ...(context.draft ?? emptyDraft()),
            description: event.output?.text.trim() ?? "",
          }),
          handover: () => ({ reason: "unknown-caller" as const }),
        }),
      },
      onError: {
        target: HANDOVER_STATE,
        actions: assign({ handover: () => ({ reason: "unknown-caller" as const }) }),
      },
    },
    on: { input: keepOnDraft },
  });

  return { handover, callerVoice };
}

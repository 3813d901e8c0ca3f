/**
 * The conversation machine's vocabulary: its context (persisted with each chat's snapshot, so
 * its keys never change), the events the runtime sends it and what its named actors answer.
 */
import type { Charge } from "../../src/policy/charge.js";
import type { CoverageDecision } from "../../src/policy/coverage.js";
import type { Expectation } from "../../src/understanding/types.js";
import type {
  AttachmentMeta,
  ChoiceIntent,
  CustomerFacts,
  InboundFacts,
  Language,
  OpenTicketFacts,
  Params,
} from "../intents.js";
import type { MailQuestion } from "../mailIntake.js";
import type { CloseChargeTold } from "../ticket/ticketTypes.js";

/** The problem being collected, before the ticket opens. */
export interface Draft {
  description: string;
  attachments: AttachmentMeta[];
  category: string | null;
  suggested: string | null;
  summary: string | null;
  item: string | null;
  purchasedOn: string | null;
  itemAsked: boolean;
  blocking: boolean | null;
  suggestedBlocking: boolean | null;
  consent: boolean | null;
  salesRep: string | null;
  coverage: CoverageDecision | null;
  /** A transcribed voice note waiting for the customer's confirmation. */
  pendingVoice: string | null;
  /** One-reply intake: the questions still open on the ticket, in the order they were numbered. */
  asked?: MailQuestion[];
  /** The device shows serious damage (presets with a serious-damage return rule ask). */
  seriousDamage: boolean | null;
}

/** A question of the sign-up: the company, the person's name (and a way to reach them), or only the latter. */
export type IdentityStep = "company" | "contact" | "reach";

/**
 * What an unknown customer said about who they are (fields filled by the answers, in any order)
 * and how many times each sign-up question was asked. Only `company` exists in older snapshots.
 */
export interface Identity {
  company: string | null;
  contactName?: string | null;
  /** E.164. */
  phone?: string | null;
  email?: string | null;
  asked?: Partial<Record<IdentityStep, number>>;
}

/** A question asked to the customer (a reply with its choice list). */
export interface Prompt {
  key: string;
  params?: Params;
  choices?: ChoiceIntent[];
  /** How the answer is understood (yes/no mapping, "I don't know", safe default); a list by default. */
  expects?: Expectation;
}

/**
 * What the runtime tells about the chat with each message (set from the inbound facts). Kept in
 * one object so the context stays small: see {@link ConversationContext}.
 */
export interface ChatFacts {
  aiEnabled: boolean;
  /** The channel reads one message per turn (e-mail): intake in one reply. */
  oneReply: boolean;
  /** The message is a recorded call (a phone line's voicemail). */
  voicemail: boolean;
  /** The sender's phone number when the channel gives one. */
  senderPhone: string | null;
  /** The sender's e-mail address when the channel is e-mail. */
  senderEmail: string | null;
  /** When the previous message arrived (the idle reset compares the next one with it). */
  lastInboundAt: string | null;
}

/**
 * The conversation machine's context: one chat's state between messages. At most
 * {@link MAX_CONTEXT_KEYS} keys: XState copies the context with `Object.assign({}, …)` on every
 * `assign`, and V8 turns a copy with more than 16 properties into a slow dictionary object (every
 * later read and copy of it slower, and more garbage): group new fields in an object instead.
 */
export interface ConversationContext {
  language: Language;
  customer: CustomerFacts | null;
  openTickets: OpenTicketFacts[];
  /** The chat's facts from the runtime (sender, channel kind, AI on, last message time). */
  chat: ChatFacts;
  /** What an unknown customer said about who they are during sign-up. */
  identity: Identity;
  draft: Draft | null;
  /** The ticket this chat follows (opened here, not yet closed). */
  ticket: string | null;
  technician: string | null;
  feedback: { ticket: string; rating: number | null } | null;
  /** Last question asked, re-sent when the answer is not understood. */
  prompt: Prompt | null;
  /** Choice ids of the last list offered, in order, so "2" can be understood. */
  choices: string[];
  /** Answers to the last question not understood in a row (reset when a question is asked). */
  misses?: number;
  now: string;
  /** Why the chat was handed to a person (state `handover`); absent or null otherwise. */
  handover?: { reason: HandoverReason } | null;
  /**
   * The last answer handed to the AI (`interpretAnswer`): its number, the question it answers,
   * and whether its `answer.interpreted` is still awaited (a new message ends the wait).
   */
  interpreting?: { seq: number; question: string; awaiting: boolean } | null;
  /** Current inbound message, split out for the states. */
  input: { text: string; choice: string | null; attachments: AttachmentMeta[] };
}

/** The most keys the context may have (see {@link ConversationContext}). */
export const MAX_CONTEXT_KEYS = 16;

/** The inbound message, the named actors' answers and the ticket machine's news. */
export type ConversationEvent =
  | {
      type: "inbound";
      at: string;
      text: string;
      choice?: string;
      attachments: AttachmentMeta[];
      facts: InboundFacts;
    }
  | { type: "input" }
  /** Raised when a customer asks for something at any step (the hours, a person, to start again…). */
  | { type: "customer.intent"; intent: string }
  /** The AI's reading of an answer not understood offline (`choice` null: not understood). */
  | { type: "answer.interpreted"; seq: number; choice: string | null; rest?: string }
  | { type: "xstate.done.actor.triage"; output: TriageOutput }
  | { type: "xstate.error.actor.triage"; error: unknown }
  | { type: "xstate.done.actor.transcribe"; output: TranscribeOutput }
  | { type: "xstate.error.actor.transcribe"; error: unknown }
  | { type: "ticket.opened"; number: string; status: string; at: string }
  | { type: "ticket.claimed"; number: string; technician: string; at: string }
  | { type: "ticket.authorized"; number: string; at: string }
  | {
      type: "ticket.closed";
      number: string;
      resolution: string;
      charge: CloseCharge | null;
      at: string;
    }
  | { type: "ticket.reopened"; number: string; at: string }
  | { type: "ticket.declined"; number: string; at: string }
  /** A technician answered the customer on the ticket (ends a hand-over). */
  | { type: "ticket.replied"; number: string; technician: string; at: string }
  /** Hand the chat to a person (sent by the runtime's loop guards; see `handoverStates`). */
  | { type: "handover"; reason: HandoverReason };

/**
 * Why a chat is handed to a person: the customer asked, the bot repeated itself without progress
 * (`loop`), an e-mail thread reached its automatic-mail limit (`mail-limit`), an e-mail failed its
 * DMARC check (`unverified-sender`), or a voicemail came from a number on no customer record
 * (`unknown-caller`: a recording cannot answer the sign-up questions).
 */
export type HandoverReason = "asked" | "loop" | "mail-limit" | "unverified-sender" | "unknown-caller";

/** A customer's message with the facts the runtime read for it. */
export type InboundEvent = Extract<ConversationEvent, { type: "inbound" }>;

/** The `ticket.closed` event: the outcome and the charge of a close. */
export type TicketClosedEvent = Extract<ConversationEvent, { type: "ticket.closed" }>;

/**
 * The charge of a close as the conversation needs it (a policy `Charge`, extra fields optional):
 * with a work session's lines, the ticket's total after a reopen, the capped plan's allowance and
 * what the plan excludes.
 */
export type CloseCharge = Pick<Charge, "grossCents" | "covered"> &
  Partial<Omit<Charge, "grossCents" | "covered">> &
  Partial<Pick<CloseChargeTold, "session" | "total" | "allowance" | "exclusions" | "category">>;

/** What the named `triage` actor answers (AI or the offline classifier). */
export interface TriageOutput {
  category: string | null;
  blocking?: boolean;
  summary?: string | null;
}

/** What the named `transcribe` actor answers; null when the voice note was not understood. */
export type TranscribeOutput = { text: string } | null;

/** A reply intent's params: a locale key, its params and the choices offered (a prompt's shape). */
export type ReplyParams = Prompt;

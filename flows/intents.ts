/**
 * The vocabulary between the machines in `flows/` and the runtime that executes them. Machines do
 * no I/O: every side effect is an intent (an XState action object returned by `transition()`),
 * and every answer from the outside world comes back as an event.
 */
import type { AttachmentKind } from "../src/channels/port.js";
import type { Purchase } from "../src/policy/coverage.js";
import type { MailAnswers } from "./mailIntake.js";

export type Language = "it" | "en";

/** Attachment metadata as machines see it (bytes stay with the channel). */
export interface AttachmentMeta {
  kind: AttachmentKind;
  mime?: string;
  name?: string;
  size?: number;
  ref?: string;
  /** Set when the runtime could not download it (the customer is told; it is not on the ticket). */
  error?: "too-large" | "unavailable";
}

/** What the runtime knows about the customer writing, refreshed on every message. */
export interface CustomerFacts {
  id: string;
  company: string;
  contactName: string | null;
  language: Language | null;
  plans: string[];
  purchases: Purchase[];
  verified: boolean;
  salesRep: string | null;
  /**
   * This month's use of the customer's capped plans (J-System), from the same work sessions the
   * statement bills; absent when the customer has no capped plan.
   */
  allowances?: AllowanceFacts[];
}

/** A capped plan's allowance as the customer is told it. */
export interface AllowanceFacts {
  plan: string;
  per: "intervention" | "month";
  capMinutes: number;
  interventions: number;
  usedMinutes: number;
  /** Per month: minutes left (never below 0); per intervention: null. */
  leftMinutes: number | null;
}

export interface OpenTicketFacts {
  number: string;
  status: string;
  category: string | null;
}

/** Facts the runtime reads before running the machine on an inbound message. */
export interface InboundFacts {
  customer: CustomerFacts | null;
  openTickets: OpenTicketFacts[];
  /** Customer record, else detected from the text, else the preset default. */
  language: Language;
  aiEnabled: boolean;
  /** The channel reads one message per turn (e-mail): intake in one reply, no menu dialogue. */
  oneReply?: boolean;
  /** The message is a recorded call (a phone line's voicemail): it joins the caller's open ticket. */
  voicemail?: boolean;
  /** The sender's phone number when the channel gives one (WhatsApp); not asked again. */
  senderPhone?: string | null;
  /** The sender's e-mail address when the channel is e-mail; not asked again. */
  senderEmail?: string | null;
}

/** Who an unknown customer said they are, registered unverified (a technician completes it). */
export interface CustomerRegistration {
  /** Empty when the customer never gave it. */
  company: string;
  contactName: string | null;
  /** E.164: the WhatsApp sender's, else the number the customer wrote. */
  phone: string | null;
  /** The e-mail sender's address, else the one the customer wrote. */
  email: string | null;
  language: Language;
  /** What the customer did not give after the questions were asked (`reach`: no phone nor e-mail). */
  missing: ("company" | "contactName" | "reach")[];
}

/** Message parameters: plain values, or typed values the renderer formats per locale. */
export type ParamValue =
  | string
  | number
  | boolean
  | null
  /** An instant; with `from` (when it is said) the same day reads "today", the next "tomorrow". */
  | { $instant: string; from?: string }
  /** An instant as a date with year and time, no weekday ("8 dicembre 2026 alle 10:30"). */
  | { $dateTime: string }
  /** Time of day only ("13:00"), for a closing time on the same day. */
  | { $time: string }
  | { $money: number }
  | { $category: string }
  | { $holiday: string }
  | { $list: string[] }
  /** Contact lines: all of them, or those of one service level (`when: <level key>`). */
  | { $contacts: string }
  /** Label of a service level ("weekend service"). */
  | { $level: string }
  /** Whom a service level is for ("blocking problems of J-System customers"). */
  | { $levelAudience: string }
  /** Label of a plan. */
  | { $plan: string }
  /** Label of a charge package. */
  | { $package: string }
  /** Opening hours of the service levels open to customers with these plans, one line each. */
  | { $hours: string[] }
  /** Tickets with their status in the customer's words. */
  | { $tickets: { number: string; status: string }[] }
  /** Other texts of the locale, rendered in the same language, one per line. */
  | { $texts: { key: string; params?: Params }[] }
  /** Texts of the preset in both languages (e.g. a plan's exclusions), as a bulleted list. */
  | { $localized: { it: string; en: string }[] };
export type Params = Record<string, ParamValue>;

export interface ChoiceIntent {
  id: string;
  /** Locale key of the label, or a literal label with `text`. */
  key?: string;
  text?: string;
  params?: Params;
}

/** Draft of a ticket collected by the intake flow. */
export interface TicketDraft {
  description: string;
  attachments: AttachmentMeta[];
  category: string | null;
  summary: string | null;
  item: string | null;
  purchasedOn: string | null;
  blocking: boolean;
  priority: "low" | "normal" | "high" | "urgent";
  salesRep: string | null;
  coverage: Record<string, unknown>;
  consent: boolean | null;
  pageOnCall: boolean;
  /** ISO instant at which the ticket pages on-call if still unclaimed (its level opens then). */
  pageAt: string | null;
  status: "open" | "awaiting-authorization";
  language: Language;
}

/**
 * The conversation machine's intents and their params, declared once: the machine's `setup()`
 * takes its (inert) actions from {@link intentActions}, the runtime reads {@link Intent}.
 */
export interface IntentParams {
  reply: { key: string; params?: Params; choices?: ChoiceIntent[] };
  registerCustomer: CustomerRegistration;
  setLanguage: { language: Language };
  triage: { text: string };
  transcribe: { attachment: AttachmentMeta };
  openTicket: { draft: TicketDraft };
  appendToTicket: { number: string; text: string; attachments: AttachmentMeta[] };
  recordConsent: { accepted: boolean; quote: Record<string, unknown> };
  recordFeedback: { number: string; rating: number; comment: string | null };
  /** Facts the customer gave after the ticket opened (one-reply intake): set them on the ticket. */
  completeTicket: { number: string; answers: MailAnswers };
  /**
   * The chat is handed to a person: staff are told on the ticket `number`, or — null — a ticket
   * "to classify" is opened from `draft` (the customer registered first when unknown, under
   * `company`), answered with `ticket.opened`.
   */
  handOver: HandOverParams;
  /** Ask the AI (only when configured) which offered choice an answer means. */
  interpretAnswer: InterpretAnswerParams;
}

/** The `handOver` intent's params. */
export interface HandOverParams {
  number: string | null;
  draft: TicketDraft | null;
  /** The company the customer gave, when they were still being identified. */
  company: string | null;
  reason: "asked" | "loop" | "mail-limit" | "unverified-sender" | "unknown-caller";
  /** The question the bot was repeating (locale key), if any. */
  prompt: string | null;
  /** The customer's last message. */
  text: string;
}

export type IntentType = keyof IntentParams;

/** The intent of type `T` with the params {@link IntentParams} declares for it. */
export type IntentOf<T extends IntentType> = { [K in T]: { type: K; params: IntentParams[K] } }[T];

/** An intent as the runtime executes it. */
export type Intent = IntentOf<IntentType>;

/**
 * The machine's action for each intent: it does nothing, the runtime executes the action object
 * `transition()` returns; typed so that each state passes the intent's declared params. The
 * compiler checks that every intent of {@link IntentParams} has one, and no other.
 */
export type IntentActions = { [T in IntentType]: (_: unknown, params: IntentParams[T]) => void };
const executedByTheRuntime = () => {};
export const intentActions: IntentActions = {
  reply: executedByTheRuntime,
  registerCustomer: executedByTheRuntime,
  setLanguage: executedByTheRuntime,
  triage: executedByTheRuntime,
  transcribe: executedByTheRuntime,
  openTicket: executedByTheRuntime,
  appendToTicket: executedByTheRuntime,
  recordConsent: executedByTheRuntime,
  recordFeedback: executedByTheRuntime,
  completeTicket: executedByTheRuntime,
  handOver: executedByTheRuntime,
  interpretAnswer: executedByTheRuntime,
};

export function isIntentType(type: string): type is IntentType {
  return Object.hasOwn(intentActions, type);
}

/**
 * The intent an action object stands for. Action objects from XState are untyped; their `params`
 * are those the machine's states passed to the action of that name, which {@link intentActions}
 * types with {@link IntentParams}: the one place where the two meet.
 */
export function intentOf<T extends IntentType>(type: T, params: unknown): IntentOf<T> {
  return { type, params: params as IntentParams[T] };
}

/**
 * An answer the offline layers did not understand, for the AI to read against the question's
 * choices. The runtime answers with `answer.interpreted` carrying the same `seq`.
 */
export interface InterpretAnswerParams {
  /** Number of this interpretation in the chat: a later one (or a new message) supersedes it. */
  seq: number;
  /** The customer's answer. */
  text: string;
  /** The question's locale key, and its params (the runtime renders it for the model). */
  question: string;
  questionParams?: Params;
  /**
   * The offered choices: their ids with the locale key (or literal text) of each label, which
   * the runtime renders in `language` (a pure flow has no texts); empty for free questions.
   */
  options: ChoiceIntent[];
  language: Language;
}

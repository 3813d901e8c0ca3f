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
  /** The sender's phone number when the channel gives one (WhatsApp); not asked again. */
  senderPhone?: string | null;
}

/** Message parameters: plain values, or typed values the renderer formats per locale. */
export type ParamValue =
  | string
  | number
  | boolean
  | null
  | { $instant: string }
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
  | { $tickets: { number: string; status: string }[] };
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
  status: "open" | "awaiting-authorization";
  language: Language;
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

export type Intent =
  | { type: "reply"; params: { key: string; params?: Params; choices?: ChoiceIntent[] } }
  | { type: "registerCustomer"; params: { company: string; contactName: string; language: Language } }
  | { type: "setLanguage"; params: { language: Language } }
  | { type: "triage"; params: { text: string } }
  | { type: "transcribe"; params: { attachment: AttachmentMeta } }
  | { type: "openTicket"; params: { draft: TicketDraft } }
  | { type: "appendToTicket"; params: { number: string; text: string; attachments: AttachmentMeta[] } }
  | { type: "recordConsent"; params: { accepted: boolean; quote: Record<string, unknown> } }
  | { type: "recordFeedback"; params: { number: string; rating: number; comment: string | null } }
  /** Facts the customer gave after the ticket opened (one-reply intake): set them on the ticket. */
  | { type: "completeTicket"; params: { number: string; answers: MailAnswers } }
  /** Ask the AI (only when configured) which offered choice an answer means. */
  | { type: "interpretAnswer"; params: InterpretAnswerParams };

export type IntentType = Intent["type"];
export const INTENT_TYPES: readonly IntentType[] = [
  "reply",
  "registerCustomer",
  "setLanguage",
  "triage",
  "transcribe",
  "openTicket",
  "appendToTicket",
  "recordConsent",
  "recordFeedback",
  "completeTicket",
  "interpretAnswer",
];

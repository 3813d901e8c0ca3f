/**
 * The runtime's public vocabulary: its options, the optional AI and metrics ports, the stable
 * error it throws, and the chat reference every module passes around.
 */

import type { DomainEventName, DomainEvents } from "../../flows/domainEvents.js";
import type { Language } from "../../flows/intents.js";
import type { ChannelAdapter, ChannelName } from "../channels/port.js";
import type { Coordination } from "../data/coordination.js";
import type { Database } from "../data/database.js";
import type { StaffDesk } from "../desk/port.js";
import { CodedError } from "../errors.js";
import type { HealthRegistry } from "../observability/healthRegistry.js";
import type { Logger } from "../observability/logger.js";
import type { Notifier } from "../pager/notifier.js";
import type { Policy } from "../policy/schema.js";
import type { Clock } from "./clock.js";

/** Category suggestion and facts from a problem description (AI or the offline classifier). */
export interface TriageSuggestion {
  category: string | null;
  blocking?: boolean;
  summary?: string | null;
  language?: Language | null;
}

/** Optional AI assist; every call may fail or time out, the runtime falls back. */
export interface AssistPort {
  triage(input: { description: string; ticketId?: string; language: Language }): Promise<TriageSuggestion>;
  transcribe(input: { audio: Uint8Array; mime: string; name: string }): Promise<{ text: string } | null>;
  /**
   * Which offered choice (by id) an answer not understood offline means, or `choice: null`;
   * `null` when the AI gives nothing usable. Optional: without it such answers are re-asked.
   */
  interpret?(input: {
    text: string;
    question: string;
    options: { id: string; label: string }[];
    language: Language;
  }): Promise<{ choice: string | null; rest?: string } | null>;
  /** A reply draft for a technician to review (never sent by the runtime), or null. */
  suggestReply?(input: {
    transcript: { from: string; text: string; at?: Date }[];
    language: Language;
    ticketId?: string;
  }): Promise<string | null>;
}

/** Counters the runtime reports (Prometheus in production). */
export interface RuntimeMetrics {
  messageIn(channel: string): void;
  messageOut(channel: string): void;
  ticketOpened(): void;
  ticketClosed(): void;
  replyLatency(seconds: number): void;
  outboxDepth(n: number): void;
}

/** Where media bytes are kept (voice notes for transcription, photos for technicians). */
export interface MediaStore {
  put(bytes: Uint8Array, name: string): Promise<string>;
  get(ref: string): Promise<Uint8Array>;
}

/** A domain event recorded in the audit trail, as handed to {@link RuntimeOptions.onEvents}. */
export type DomainEvent = {
  [N in DomainEventName]: { type: N; ticket: string | null; payload: DomainEvents[N]; at: Date };
}[DomainEventName];

/** What {@link SupportRuntime} is built from. */
export interface RuntimeOptions {
  db: Database;
  policy: Policy;
  clock: Clock;
  logger: Logger;
  /** Public base URL of the HTTP server, for links in e-mails (feedback form, sales rep). */
  publicUrl?: () => string;
  channels?: ChannelAdapter[];
  desks?: StaffDesk[];
  /** Offline triage, always available (pure). */
  offlineTriage?: (description: string) => TriageSuggestion;
  /** AI assist when configured; its work runs as jobs, never inside a transaction. */
  assist?: AssistPort | null;
  metrics?: RuntimeMetrics;
  /** Language detection for the first message of an unknown customer. */
  detectLanguage?: (text: string) => Language | null;
  /** Where voice notes are kept for transcription jobs (bytes must survive a restart). */
  mediaStore?: MediaStore;
  /**
   * Downloads a phone line's voicemail recording by its URL (Twilio's RecordingUrl, with the
   * account's credentials); absent without Twilio. Throws when it cannot (tried again later).
   */
  recordingDownload?: (recordingUrl: string) => Promise<Uint8Array>;
  /** Called after every committed change with the domain events recorded (story runner, metrics). */
  onEvents?: (events: DomainEvent[]) => void;
  /**
   * Delay before a failed send is retried, by attempt (ms); default: within seconds, see
   * {@link nextDeliveryDelay}. A platform's `retry_after` always wins.
   */
  retryDelayMs?: (attempt: number) => number;
  /**
   * Claims, chat locks and the bus shared with other instances on the same database; default: one
   * opened for this runtime (and closed by `stop()`).
   */
  coordination?: Coordination;
  /** Ways to page technicians besides the desks and the channels (Twilio SMS and calls). */
  pagerNotifiers?: Notifier[];
  /** Where the runtime reports the database's and the desks' state for `/health`. */
  health?: HealthRegistry;
}

/** Codes of {@link RuntimeError}. */
export type RuntimeErrorCode =
  | "unknown-ticket"
  | "already-claimed"
  | "invalid-state"
  | "conflict"
  | "no-customer"
  | "runaway-flow";

/** Stable error with a code, thrown by runtime operations callers may show. */
export class RuntimeError extends CodedError<RuntimeErrorCode> {}

/** One customer chat on one channel: the unit of ordering for everything the runtime does. */
export interface ChatRef {
  channel: ChannelName;
  chatId: string;
}

/** The key that serialises a chat's work ("whatsapp:+39…"). */
export function chatKey(chat: ChatRef): string {
  return `${chat.channel}:${chat.chatId}`;
}

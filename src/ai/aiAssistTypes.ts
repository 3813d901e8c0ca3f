/** The AI assist's port: what callers hand it and what it offers (triage, transcription, helpers). */
import type { AiUsageStore, AiUsageTotals } from "../data/aiUsageStore.js";
import type { InterpretInput, InterpretResult } from "./interpret.js";
import type { TriageCategory, TriageLanguage, TriageResult } from "./offlineTriage.js";
import type { Transcript } from "./prompts.js";

/** The logging the assist needs; a pino logger fits. */
export interface AiLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What {@link createAiAssist} needs from the rest of the app. */
export interface AiAssistDeps {
  usage: AiUsageStore;
  logger: AiLogger;
  now: () => Date;
}

/** Input of {@link AiAssist.triage}. */
export interface TriageInput {
  description: string;
  /** The preset's categories; the result's category is always one of their keys. */
  categories: readonly TriageCategory[];
  /** The conversation's language, used when the text does not tell. */
  language?: TriageLanguage;
  ticketId?: string;
}

/** Input of {@link AiAssist.transcribe}. */
export interface TranscribeInput {
  audio: Uint8Array;
  mime: string;
  name: string;
  ticketId?: string;
  /** Expected language, a hint that improves accuracy. */
  language?: TriageLanguage;
}

/** Input of {@link AiAssist.suggestReply}. */
export interface SuggestReplyInput {
  transcript: Transcript;
  /** The preset's policy text the draft must stay within. */
  policyText: string;
  /** Language of the draft (the customer's). */
  language: TriageLanguage;
  ticketId?: string;
}

/** The AI assist; only exists when a key is configured. */
export interface AiAssist {
  /** Never rejects and never takes longer than the configured timeout (plus timer jitter). */
  triage(input: TriageInput): Promise<TriageResult>;
  /** The voice note's text, or `null` (failure, timeout, cap, empty result); never rejects. */
  transcribe(input: TranscribeInput): Promise<{ text: string } | null>;
  /**
   * Which offered choice an answer the offline layers did not understand means (`choice` null:
   * none clearly), or `null` (failure, timeout, cap, output outside the schema); never rejects.
   */
  interpret(input: InterpretInput): Promise<InterpretResult | null>;
  /** A two-or-three-line summary for technicians, or `null`; never rejects. */
  summarize(
    transcript: Transcript,
    options?: { ticketId?: string; language?: TriageLanguage },
  ): Promise<string | null>;
  /** A reply draft for the technician to review (never sent by itself), or `null`; never rejects. */
  suggestReply(input: SuggestReplyInput): Promise<string | null>;
  /** Resolves once every usage row written so far is stored (call before shutdown). */
  settle(): Promise<void>;
  /** Today's usage and whether the daily cap stops AI calls now. */
  usageToday(): Promise<AiUsageTotals & { capReached: boolean }>;
}

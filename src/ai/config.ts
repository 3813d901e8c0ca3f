/**
 * AI settings (the `ai` slice of the configuration, read in `src/config/env.ts`). Without
 * `OPENAI_API_KEY` the AI is off and sportello runs on the offline classifier alone.
 */

/** Settings for {@link createAiAssist}. */
export interface AiConfig {
  /** No key means AI off. */
  apiKey?: string;
  /** Any OpenAI-compatible server (Ollama, vLLM…); the SDK default when absent. */
  baseURL?: string;
  model: string;
  transcribeModel: string;
  /** Triage deadline: ticket creation never waits longer than this. */
  timeoutMs: number;
  /** Deadline for reading an answer the offline layers did not understand (the customer waits). */
  interpretTimeoutMs: number;
  /** Deadline for transcribing a voice note. */
  transcribeTimeoutMs: number;
  /** Deadline for technician helpers (summary, reply draft). */
  helperTimeoutMs: number;
  /** Calls per day after which AI is skipped; unlimited when absent. */
  dailyCallCap?: number;
  /** Tokens per day after which AI is skipped; unlimited when absent. */
  dailyTokenCap?: number;
  /** Zone of the calendar day the caps count in. */
  zone: string;
}

export const DEFAULT_INTERPRET_TIMEOUT_MS = 4000;
/** Zone of the calendar day the daily caps count in. */
export const DEFAULT_AI_ZONE = "Europe/Rome";

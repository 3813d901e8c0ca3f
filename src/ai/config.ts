/**
 * AI settings from the environment. Without `OPENAI_API_KEY` the AI is off and sportello runs
 * on the offline classifier alone.
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

export const DEFAULT_AI_MODEL = "gpt-4o-mini";
export const DEFAULT_TRANSCRIBE_MODEL = "whisper-1";
export const DEFAULT_AI_TIMEOUT_MS = 4000;
export const DEFAULT_INTERPRET_TIMEOUT_MS = 4000;
export const DEFAULT_TRANSCRIBE_TIMEOUT_MS = 20_000;
export const DEFAULT_HELPER_TIMEOUT_MS = 20_000;
export const DEFAULT_AI_ZONE = "Europe/Rome";

/** Error with a stable code for a bad AI setting. */
export class AiConfigError extends Error {
  readonly code = "bad-ai-config";
  constructor(message: string) {
    super(message);
    this.name = "AiConfigError";
  }
}

function positiveInt(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new AiConfigError(`${name} must be a positive whole number (got "${raw}")`);
  }
  return value;
}

/**
 * Reads `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`, `OPENAI_TRANSCRIBE_MODEL`,
 * `AI_TIMEOUT_MS`, `AI_INTERPRET_TIMEOUT_MS`, `AI_TRANSCRIBE_TIMEOUT_MS`, `AI_HELPER_TIMEOUT_MS`,
 * `AI_DAILY_CALL_CAP`, `AI_DAILY_TOKEN_CAP`; the caps count days in Europe/Rome (set `zone` to change it). Throws
 * {@link AiConfigError} on malformed numbers.
 */
export function aiConfigFromEnv(env: Record<string, string | undefined> = process.env): AiConfig {
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  const config: AiConfig = {
    model: env.OPENAI_MODEL?.trim() || DEFAULT_AI_MODEL,
    transcribeModel: env.OPENAI_TRANSCRIBE_MODEL?.trim() || DEFAULT_TRANSCRIBE_MODEL,
    timeoutMs: positiveInt(env, "AI_TIMEOUT_MS") ?? DEFAULT_AI_TIMEOUT_MS,
    interpretTimeoutMs: positiveInt(env, "AI_INTERPRET_TIMEOUT_MS") ?? DEFAULT_INTERPRET_TIMEOUT_MS,
    transcribeTimeoutMs: positiveInt(env, "AI_TRANSCRIBE_TIMEOUT_MS") ?? DEFAULT_TRANSCRIBE_TIMEOUT_MS,
    helperTimeoutMs: positiveInt(env, "AI_HELPER_TIMEOUT_MS") ?? DEFAULT_HELPER_TIMEOUT_MS,
    zone: DEFAULT_AI_ZONE,
  };
  if (apiKey) config.apiKey = apiKey;
  if (baseURL) config.baseURL = baseURL;
  const calls = positiveInt(env, "AI_DAILY_CALL_CAP");
  const tokens = positiveInt(env, "AI_DAILY_TOKEN_CAP");
  if (calls !== undefined) config.dailyCallCap = calls;
  if (tokens !== undefined) config.dailyTokenCap = tokens;
  return config;
}

/**
 * The optional AI assist: triage of new problem descriptions, reading answers the offline layers
 * did not understand, voice-note transcription, and technician helpers (summary, reply draft) through the `openai` SDK against OpenAI or any
 * compatible server. Never in the way: every call has a hard deadline, a daily cap, PII
 * masking, and on any failure triage falls back to the offline classifier and the others
 * return `null`.
 */
import { DateTime } from "luxon";
import OpenAI, { toFile } from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import type { AiPurpose, AiUsageTotals } from "../data/aiUsageStore.js";
import type { AiAssist, AiAssistDeps } from "./aiAssistTypes.js";
import { AiCallError, failureCode, withDeadline } from "./aiCallErrors.js";
import { detectLanguage } from "./classifier.js";
import type { AiConfig } from "./config.js";
import { interpretMessages, interpretSchema, readInterpretation } from "./interpret.js";
import { looksLikeInjection } from "./looksLikeInjection.js";
import {
  capText,
  offlineTriage,
  SUMMARY_MAX_CHARS,
  TRIAGE_PRIORITIES,
  type TriageLanguage,
  type TriageResult,
} from "./offlineTriage.js";
import { replyMessages, summaryMessages, triageMessages } from "./prompts.js";

export type {
  AiAssist,
  AiAssistDeps,
  AiLogger,
  SuggestReplyInput,
  TranscribeInput,
  TriageInput,
} from "./aiAssistTypes.js";
export { AiCallError, type AiFailureCode, failureCode } from "./aiCallErrors.js";
export type { InterpretInput, InterpretResult } from "./interpret.js";

/** Largest voice note sent for transcription (the OpenAI limit is 25 MB). */
export const MAX_AUDIO_BYTES = 25 * 1024 * 1024;
const MAX_MISSING_FACTS = 5;
const MAX_FACT_CHARS = 200;
const MAX_DRAFT_CHARS = 4000;
const MAX_HELPER_SUMMARY_CHARS = 600;

/** The schema the model must answer triage with; the category enum is the preset's keys. */
export function triageSchema(keys: readonly [string, ...string[]]) {
  return z.object({
    category: z.enum(keys),
    blocking: z.boolean(),
    priority: z.enum(TRIAGE_PRIORITIES as [string, ...string[]]),
    language: z.enum(["it", "en"]),
    summary: z.string(),
    missingFacts: z.array(z.string()),
  });
}

function clean(text: string): string {
  return text
    .replace(/\p{Cc}/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Creates the AI assist, or returns `null` when no API key is configured (AI off: callers use
 * {@link offlineTriage} and the polite "please write" path for voice notes).
 */
export function createAiAssist(config: AiConfig, deps: AiAssistDeps): AiAssist | null {
  if (!config.apiKey) return null;
  const { usage, logger, now } = deps;
  const client = new OpenAI({
    apiKey: config.apiKey,
    ...(config.baseURL ? { baseURL: config.baseURL } : {}),
    maxRetries: 0,
    timeout: config.timeoutMs,
  });
  let capLoggedDay: string | undefined;

  const dayOf = (at: Date): string => DateTime.fromJSDate(at, { zone: config.zone }).toFormat("yyyy-MM-dd");
  const hasCap = config.dailyCallCap !== undefined || config.dailyTokenCap !== undefined;

  function capReached(totals: AiUsageTotals): boolean {
    return (
      (config.dailyCallCap !== undefined && totals.calls >= config.dailyCallCap) ||
      (config.dailyTokenCap !== undefined && totals.tokens >= config.dailyTokenCap)
    );
  }

  // Usage rows are written in the background so no caller waits on the ledger; the cap check
  // waits for them first, so it never misses a call already made.
  const pendingWrites = new Set<Promise<void>>();
  function record(purpose: AiPurpose, ticketId: string | undefined, tokens: number): void {
    const at = now();
    const write = usage
      .record({ day: dayOf(at), ticketId: ticketId ?? null, purpose, tokens, at })
      .catch((error: unknown) => {
        logger.error(
          { purpose, ticketId, tokens, err: (error as Error).message },
          "could not record AI usage",
        );
      })
      .finally(() => pendingWrites.delete(write));
    pendingWrites.add(write);
  }
  const settle = async (): Promise<void> => {
    await Promise.all([...pendingWrites]);
  };

  /** Throws `capped` when today's calls or tokens reached the cap (logged once a day). */
  async function checkCap(purpose: AiPurpose, ticketId: string | undefined): Promise<void> {
    if (!hasCap) return;
    const day = dayOf(now());
    let totals: AiUsageTotals;
    try {
      await settle();
      totals = await usage.totals(day);
    } catch (cause) {
      // Without the ledger the cap cannot be enforced; spending blind is worse than no AI.
      throw new AiCallError("usage-unavailable", "AI usage ledger unavailable", { cause });
    }
    if (!capReached(totals)) return;
    if (capLoggedDay !== day) {
      capLoggedDay = day;
      logger.warn(
        {
          day,
          ...totals,
          dailyCallCap: config.dailyCallCap,
          dailyTokenCap: config.dailyTokenCap,
          purpose,
          ticketId,
        },
        "AI daily cap reached: AI skipped until tomorrow",
      );
    }
    throw new AiCallError("capped", "AI daily cap reached");
  }

  /**
   * One AI call: cap check, then the request under a hard deadline; the call is recorded (with
   * the tokens the provider reported, 0 if none) whenever a request was actually sent.
   */
  async function call<T>(
    purpose: AiPurpose,
    ticketId: string | undefined,
    timeoutMs: number,
    request: (signal: AbortSignal) => Promise<{ value: T; tokens: number }>,
  ): Promise<T> {
    let sent = false;
    let ok = false;
    let tokens = 0;
    const started = performance.now();
    try {
      return await withDeadline(timeoutMs, async (signal) => {
        await checkCap(purpose, ticketId);
        sent = true;
        const answer = await request(signal);
        tokens = answer.tokens;
        ok = true;
        return answer.value;
      });
    } finally {
      if (sent) {
        record(purpose, ticketId, tokens);
        logger.info(
          { purpose, ticketId, ok, tokens, ms: Math.round(performance.now() - started), model: config.model },
          "AI call",
        );
      }
    }
  }

  function requestOptions(signal: AbortSignal, timeoutMs: number) {
    return { signal, timeout: timeoutMs, maxRetries: 0 };
  }

  function logFailure(
    purpose: AiPurpose,
    ticketId: string | undefined,
    error: unknown,
    fallback: string,
  ): void {
    const code = failureCode(error);
    const fields = {
      purpose,
      ticketId,
      code,
      status: error instanceof OpenAI.APIError ? error.status : undefined,
      err: error instanceof Error ? error.message.slice(0, 300) : String(error),
    };
    if (code === "capped") return; // logged once a day by checkCap
    logger.warn(fields, `AI ${purpose} failed (${code}): ${fallback}`);
  }

  /**
   * One structured-output call: the answer is parsed by the SDK and checked again against
   * `schema` here (compatible servers and future SDKs must not loosen the contract).
   */
  function structured<S extends z.ZodType>(
    purpose: AiPurpose,
    ticketId: string | undefined,
    timeoutMs: number,
    messages: { system: string; user: string },
    schema: S,
    name: string,
  ): Promise<z.infer<S>> {
    return call(purpose, ticketId, timeoutMs, async (signal) => {
      const completion = await client.chat.completions.parse(
        {
          model: config.model,
          temperature: 0,
          messages: [
            { role: "system", content: messages.system },
            { role: "user", content: messages.user },
          ],
          response_format: zodResponseFormat(schema, name),
        },
        requestOptions(signal, timeoutMs),
      );
      const message = completion.choices[0]?.message;
      const tokens = completion.usage?.total_tokens ?? 0;
      if (!message || message.refusal) {
        return { value: new AiCallError("refused", "the model refused"), tokens };
      }
      const checked = schema.safeParse(message.parsed);
      return {
        value: checked.success ? checked.data : new AiCallError("bad-output", checked.error.message),
        tokens,
      };
    }).then((value) => {
      if (value instanceof AiCallError) throw value;
      return value as z.infer<S>;
    });
  }

  async function chatText(
    purpose: AiPurpose,
    ticketId: string | undefined,
    messages: { system: string; user: string },
    maxChars: number,
  ): Promise<string | null> {
    try {
      const text = await call(purpose, ticketId, config.helperTimeoutMs, async (signal) => {
        const completion = await client.chat.completions.create(
          {
            model: config.model,
            temperature: 0.2,
            messages: [
              { role: "system", content: messages.system },
              { role: "user", content: messages.user },
            ],
          },
          requestOptions(signal, config.helperTimeoutMs),
        );
        return {
          value: completion.choices[0]?.message.content ?? "",
          tokens: completion.usage?.total_tokens ?? 0,
        };
      });
      const trimmed = text.trim();
      if (trimmed.length === 0) throw new AiCallError("bad-output", "empty answer");
      return trimmed.length <= maxChars ? trimmed : capText(trimmed, maxChars);
    } catch (error) {
      logFailure(purpose, ticketId, error, "nothing suggested");
      return null;
    }
  }

  return {
    async triage(input) {
      const { description, categories, ticketId } = input;
      const offline = () =>
        offlineTriage(description, categories, input.language ? { language: input.language } : {});
      const keys = categories.map((c) => c.key);
      if (keys.length === 0 || description.trim().length === 0) return offline();
      const language = detectLanguage(description) ?? input.language ?? "it";
      const schema = triageSchema(keys as [string, ...string[]]);
      try {
        const parsed = await structured(
          "triage",
          ticketId,
          config.timeoutMs,
          triageMessages(description, categories, language),
          schema,
          "triage",
        );
        const summary = capText(clean(parsed.summary), SUMMARY_MAX_CHARS);
        const missingFacts = parsed.missingFacts
          .map((fact) => capText(clean(fact), MAX_FACT_CHARS))
          .filter((fact) => fact.length > 0)
          .slice(0, MAX_MISSING_FACTS);
        let { blocking, priority } = parsed as { blocking: boolean; priority: TriageResult["priority"] };
        if (looksLikeInjection(description)) {
          // The text tried to steer the model: its urgency is judged by the word rules instead.
          const fallback = offline();
          logger.warn(
            { purpose: "triage", ticketId, aiPriority: priority, priority: fallback.priority },
            "description looks like prompt injection: AI priority not trusted",
          );
          blocking = fallback.blocking;
          priority = fallback.priority;
        }
        if (categories.some((c) => c.key === parsed.category && c.blocking === true)) blocking = true;
        return {
          source: "ai",
          category: parsed.category,
          blocking,
          priority,
          language: parsed.language as TriageLanguage,
          summary: summary.length > 0 ? summary : offline().summary,
          missingFacts,
        };
      } catch (error) {
        logFailure("triage", ticketId, error, "offline classifier used");
        return offline();
      }
    },

    async interpret(input) {
      if (input.text.trim() === "") return null;
      try {
        const parsed = await structured(
          "interpret",
          input.ticketId,
          config.interpretTimeoutMs,
          interpretMessages(input),
          interpretSchema(input.options.map((o) => o.id)),
          "answer",
        );
        return readInterpretation(parsed);
      } catch (error) {
        logFailure("interpret", input.ticketId, error, "not understood");
        return null;
      }
    },

    async transcribe({ audio, mime, name, ticketId, language }) {
      if (audio.byteLength === 0 || audio.byteLength > MAX_AUDIO_BYTES) {
        logger.warn(
          { purpose: "transcribe", ticketId, bytes: audio.byteLength },
          "voice note not transcribed: size",
        );
        return null;
      }
      try {
        const text = await call("transcribe", ticketId, config.transcribeTimeoutMs, async (signal) => {
          const file = await toFile(audio, name, { type: mime });
          const result = await client.audio.transcriptions.create(
            { file, model: config.transcribeModel, ...(language ? { language } : {}) },
            requestOptions(signal, config.transcribeTimeoutMs),
          );
          const tokens = result.usage?.type === "tokens" ? result.usage.total_tokens : 0;
          return { value: typeof result.text === "string" ? result.text : "", tokens };
        });
        const trimmed = text.trim();
        if (trimmed.length === 0) throw new AiCallError("bad-output", "empty transcription");
        return { text: trimmed };
      } catch (error) {
        logFailure("transcribe", ticketId, error, "no transcription");
        return null;
      }
    },

    async summarize(transcript, options = {}) {
      const sample = typeof transcript === "string" ? transcript : transcript.map((l) => l.text).join("\n");
      const language = options.language ?? detectLanguage(sample) ?? "it";
      return chatText(
        "summarize",
        options.ticketId,
        summaryMessages(transcript, language),
        MAX_HELPER_SUMMARY_CHARS,
      );
    },

    async suggestReply({ transcript, policyText, language, ticketId }) {
      return chatText(
        "suggest-reply",
        ticketId,
        replyMessages(transcript, policyText, language),
        MAX_DRAFT_CHARS,
      );
    },

    settle,

    async usageToday() {
      await settle();
      const totals = await usage.totals(dayOf(now()));
      return { ...totals, capReached: capReached(totals) };
    },
  };
}

/** Why an AI call failed, as stable codes, and the hard deadline every call runs under. */
import OpenAI from "openai";
import { ContentFilterFinishReasonError, LengthFinishReasonError } from "openai/error";
import { z } from "zod";
import { CodedError } from "../errors.js";

/** Why an AI call did not give a usable answer (logged as `code`). */
export type AiFailureCode =
  | "timeout"
  | "rate-limited"
  | "server-error"
  | "client-error"
  | "network"
  | "bad-output"
  | "refused"
  | "capped"
  | "usage-unavailable";

/** Error with a stable code for a failed or unusable AI call. */
export class AiCallError extends CodedError<AiFailureCode> {}

/** Maps an SDK or deadline error to a stable failure code. */
export function failureCode(error: unknown): AiFailureCode {
  if (error instanceof AiCallError) return error.code;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return "timeout";
  if (error instanceof OpenAI.APIUserAbortError) return "timeout";
  if (error instanceof OpenAI.RateLimitError) return "rate-limited";
  if (error instanceof OpenAI.InternalServerError) return "server-error";
  if (error instanceof OpenAI.APIConnectionError) return "network";
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    return status >= 500 ? "server-error" : "client-error";
  }
  if (error instanceof LengthFinishReasonError) return "bad-output";
  if (error instanceof ContentFilterFinishReasonError) return "refused";
  if (error instanceof SyntaxError || error instanceof z.ZodError) return "bad-output";
  return "bad-output";
}

/**
 * Runs `work` with an abort signal that fires after `ms`; rejects with a `timeout`
 * {@link AiCallError} at the deadline even if `work` ignores the signal.
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new AiCallError("timeout", `no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

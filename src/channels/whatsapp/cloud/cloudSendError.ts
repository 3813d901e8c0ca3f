/** A failed Cloud API send as the port's {@link ChannelSendError}: which failures wait, which are final. */
import { ChannelSendError } from "../../port.js";
import { GraphApiError, isTokenError } from "./graphApiError.js";

/** Throughput, pair rate and spam rate limits: wait and try again. */
const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131048, 131056]);
/** Meta's own temporary trouble ("service unavailable", "something went wrong"). */
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016, 133004]);
/** Without advice from the platform, a rate-limited chat waits this long. */
const DEFAULT_RATE_WAIT_MS = 60_000;
/** A revoked token is retried after this long (the operator has to act; the outbox keeps the message). */
const TOKEN_WAIT_MS = 10 * 60_000;

/** Meta codes of a passing trouble (rate limits, Meta's own outage): the same message may go later. */
export function isTemporaryCode(code: number): boolean {
  return RATE_LIMIT_CODES.has(code) || TRANSIENT_CODES.has(code);
}

/** Meta codes meaning the message can never go as it is (window closed, not on WhatsApp, bad template…). */
export function isPermanentCode(code: number): boolean {
  if (RATE_LIMIT_CODES.has(code) || TRANSIENT_CODES.has(code)) return false;
  return code === 100 || code === 368 || (code >= 131000 && code < 134000);
}

/** Translates an error from sending into a {@link ChannelSendError} the outbox understands. */
export function toCloudSendError(error: unknown): ChannelSendError {
  if (error instanceof ChannelSendError) return error;
  if (!(error instanceof GraphApiError)) {
    return new ChannelSendError(
      "whatsapp.send_failed",
      error instanceof Error ? error.message : String(error),
      {
        cause: error,
      },
    );
  }
  const code = error.metaCode;
  if (isTokenError(error)) {
    return new ChannelSendError("whatsapp.unauthorized", `Meta rejected the access token: ${error.message}`, {
      retryAfterMs: TOKEN_WAIT_MS,
      cause: error,
    });
  }
  if (error.status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    return new ChannelSendError("whatsapp.rate_limited", error.message, {
      retryAfterMs: error.retryAfterMs ?? DEFAULT_RATE_WAIT_MS,
      cause: error,
    });
  }
  if (code === 131047) {
    return new ChannelSendError(
      "whatsapp.outside_window",
      `more than 24 hours since the customer last wrote; only an approved template can reach them: ${error.message}`,
      { permanent: true, cause: error },
    );
  }
  if (code !== undefined && isPermanentCode(code)) {
    return new ChannelSendError("whatsapp.rejected", error.message, { permanent: true, cause: error });
  }
  if (error.status !== undefined && error.status >= 400 && error.status < 500 && code === undefined) {
    return new ChannelSendError("whatsapp.rejected", error.message, { permanent: true, cause: error });
  }
  return new ChannelSendError("whatsapp.unavailable", error.message, {
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    cause: error,
  });
}

import { CodedError } from "../../../errors.js";

/** Codes of a failed Graph API call: Meta answered with an error, or was not reached at all. */
export type GraphApiErrorCode = "graph-api-refused" | "graph-api-unreachable";

/**
 * A failed Graph API call, library-neutral: the HTTP status, Meta's numeric `code` (190 token,
 * 130429 throughput, 131047 outside the 24-hour window…) and the wait the platform advised.
 */
export class GraphApiError extends CodedError<GraphApiErrorCode> {
  /** HTTP status, or undefined when the Graph API was not reached at all. */
  readonly status: number | undefined;
  /** Meta's error code (`error.code`), when the body carried one. */
  readonly metaCode: number | undefined;
  /** How long the platform asked to wait (Retry-After, or the business use case's estimate). */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    details: { status?: number; metaCode?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(details.status === undefined ? "graph-api-unreachable" : "graph-api-refused", message, {
      cause: details.cause,
    });
    this.status = details.status;
    this.metaCode = details.metaCode;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Meta codes that mean the access token is expired, revoked or lacks the permission. */
export const TOKEN_CODES: ReadonlySet<number> = new Set([0, 10, 190, 200]);

/** True when the error says the access token no longer works (401, or Meta code 190 / 0 / 10). */
export function isTokenError(error: unknown): boolean {
  if (!(error instanceof GraphApiError)) return false;
  return error.status === 401 || (error.metaCode !== undefined && TOKEN_CODES.has(error.metaCode));
}

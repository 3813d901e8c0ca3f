/** The Slack desk's errors, and the Web API call wrapper that produces them. */
import { CodedError } from "../../errors.js";

/** Errors from the desk carry stable codes; `retryAfterMs` when Slack rate-limited us. */
export type SlackDeskErrorCode =
  | "slack-config"
  | "slack-rate-limited"
  | "slack-api-error"
  | "slack-not-started";

export class SlackDeskError extends CodedError<SlackDeskErrorCode> {
  readonly retryAfterMs: number | undefined;
  constructor(
    code: SlackDeskErrorCode,
    message: string,
    options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Calls the Web API (`what` names the method), turning its failures into {@link SlackDeskError}s. */
export async function callSlack<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const e = error as { code?: string; retryAfter?: number; message?: string };
    if (e.code === "slack_webapi_rate_limited_error") {
      throw new SlackDeskError("slack-rate-limited", `Slack rate-limited ${what}`, {
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
        cause: error,
      });
    }
    throw new SlackDeskError("slack-api-error", `Slack ${what} failed: ${e.message ?? String(error)}`, {
      cause: error,
    });
  }
}

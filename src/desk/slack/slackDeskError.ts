/** The Slack desk's errors, and the Web API call wrapper that produces them. */

/** Errors from the desk carry stable codes; `retryAfterMs` when Slack rate-limited us. */
export class SlackDeskError extends Error {
  readonly code: "slack-config" | "slack-rate-limited" | "slack-api-error" | "slack-not-started";
  readonly retryAfterMs: number | undefined;
  constructor(
    code: SlackDeskError["code"],
    message: string,
    options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "SlackDeskError";
    this.code = code;
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

/** A failed Bot API call as the port's {@link ChannelSendError}: which codes are permanent, which wait. */
import { ChannelSendError } from "../port.js";
import { TelegramApiError } from "./telegramDriver.js";

/** Translates an error from sending into a {@link ChannelSendError} the outbox understands. */
export function toSendError(error: unknown): ChannelSendError {
  if (error instanceof ChannelSendError) return error;
  if (!(error instanceof TelegramApiError)) {
    return new ChannelSendError(
      "telegram.send_failed",
      error instanceof Error ? error.message : String(error),
      {
        cause: error,
      },
    );
  }
  const status = error.status;
  if (status === 429) {
    return new ChannelSendError("telegram.rate_limited", error.message, {
      retryAfterMs: (error.retryAfterSeconds ?? 1) * 1000,
      cause: error,
    });
  }
  if (status === 403) {
    return new ChannelSendError(
      "telegram.blocked",
      `the customer blocked the bot or left: ${error.message}`,
      {
        permanent: true,
        cause: error,
      },
    );
  }
  if (status === 400) {
    const code = /chat not found/i.test(error.message) ? "telegram.chat_not_found" : "telegram.bad_request";
    return new ChannelSendError(code, error.message, { permanent: true, cause: error });
  }
  if (status === 401 || status === 404) {
    return new ChannelSendError(
      "telegram.unauthorized",
      `Telegram rejected the bot token: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  return new ChannelSendError("telegram.unavailable", error.message, { cause: error });
}

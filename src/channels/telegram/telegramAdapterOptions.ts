/** The Telegram adapter's settings and the shape of the adapter it creates. */
import type { ChannelAdapter } from "../port.js";
import type { TelegramDriverName } from "./telegramDriver.js";
import type { TelegramTranslate } from "./telegramTexts.js";
import type { TelegramWebhookHandler } from "./telegramWebhook.js";

/** pino-compatible subset the adapter logs through. */
export interface TelegramLogger {
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

/** Options of {@link createTelegramAdapter}. */
export interface TelegramAdapterOptions {
  /** Bot token from BotFather (`TELEGRAM_BOT_TOKEN`). */
  token: string;
  /** Library used to talk to the Bot API (`TELEGRAM_DRIVER`); grammY by default. */
  driver?: TelegramDriverName;
  /** Bot API root (`TELEGRAM_API_ROOT`): a self-hosted Bot API server, or a fake one in tests. */
  apiRoot?: string;
  /** Webhook mode instead of long polling: the public URL and the secret Telegram must echo back. */
  webhook?: { url: string; secretToken: string };
  logger?: TelegramLogger;
  /** Largest inbound file `fetch()` downloads; defaults to Telegram's 20 MB bot download limit. */
  maxMediaBytes?: number;
  /**
   * A 429 asking to wait at most this long is waited out inside `send` (so a split message is not
   * half-sent); longer waits throw {@link ChannelSendError} with `retryAfterMs`. Default 5 s.
   */
  maxInlineRetryAfterMs?: number;
  /** Customer-facing lines (`telegram.*` locale keys); defaults to the project locales. */
  translate?: TelegramTranslate;
  /** Long-poll timeout handed to getUpdates, in seconds (default 30). */
  pollingTimeoutSeconds?: number;
  /** First delay before re-offering an update the runtime failed to accept (doubles, max 30 s). */
  acceptRetryDelayMs?: number;
  /** Delay before retrying a start that failed for a transient reason (network, 5xx, 409). */
  reconnectDelayMs?: number;
  /** Clock for the receive time of callback queries (Telegram gives them no date). */
  now?: () => Date;
}

/** The Telegram {@link ChannelAdapter}, plus its webhook endpoint. */
export interface TelegramAdapter extends ChannelAdapter {
  readonly name: "telegram";
  readonly driverName: TelegramDriverName;
  /**
   * The webhook endpoint. Answers 401 (and processes nothing) unless `X-Telegram-Bot-Api-Secret-Token`
   * matches; 503 before start/after stop and 500 when the runtime did not accept the update (Telegram
   * redelivers both); 200 only after `onMessage` resolved.
   */
  webhookHandler(): TelegramWebhookHandler;
}

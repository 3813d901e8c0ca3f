import type { Update } from "grammy/types";
import { CodedError } from "../../errors.js";
import type { InlineKeyboard, TelegramFileMethod } from "./toTelegramReply.js";

/** Which library talks to the Bot API (`TELEGRAM_DRIVER`). */
export type TelegramDriverName = "grammy" | "telegraf";

export const TELEGRAM_DRIVER_NAMES = ["grammy", "telegraf"] as const satisfies readonly TelegramDriverName[];

/** The bot's own identity from getMe. */
export interface TelegramBotIdentity {
  id: number;
  username: string;
}

/** Called by the driver's update pipeline for every update; resolves once the update is handled. */
export type TelegramUpdateHandler = (update: Update) => Promise<void>;

/** Codes of a failed Bot API call: Telegram answered with an error, or was not reached at all. */
export type TelegramApiErrorCode = "telegram-api-refused" | "telegram-api-unreachable";

/**
 * Library-neutral failure of a Bot API call. `status` is the Bot API `error_code` (401 bad token,
 * 403 blocked, 429 flood…) or `undefined` when Telegram was not reached at all (code
 * `telegram-api-unreachable`).
 */
export class TelegramApiError extends CodedError<TelegramApiErrorCode> {
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly method: string;
  constructor(
    method: string,
    status: number | undefined,
    description: string,
    options: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(
      status === undefined ? "telegram-api-unreachable" : "telegram-api-refused",
      `${method}: ${description}`,
      {
        cause: options.cause,
      },
    );
    this.method = method;
    this.status = status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * The small surface the adapter needs from a Telegram library. Each implementation uses its
 * library's own HTTP client, multipart uploads, long polling loop and update pipeline; everything
 * else (translation, retries, ordering, webhook secret) lives once in the adapter. Every method
 * rejects with {@link TelegramApiError}.
 */
export interface TelegramDriver {
  readonly name: TelegramDriverName;
  /** getMe, once per start; also tells the library who it is so updates can be handled. */
  getMe(): Promise<TelegramBotIdentity>;
  /**
   * Starts the library's long polling (after deleteWebhook). Resolves once polling runs; `onStopped`
   * is called if polling later dies (e.g. token revoked, 409 conflict) or with `undefined` on stop().
   */
  startPolling(
    handler: TelegramUpdateHandler,
    onStopped: (error: TelegramApiError | undefined) => void,
  ): Promise<void>;
  /**
   * Stops polling: aborts the pending getUpdates, lets the update being handled finish, then confirms
   * the offset to Telegram. Resolves when polling has fully ended.
   */
  stopPolling(): Promise<void>;
  /** Runs one webhook update through the library's pipeline; rejects if the handler rejected. */
  handleWebhookUpdate(update: Update, handler: TelegramUpdateHandler): Promise<void>;
  setWebhook(url: string, secretToken: string, allowedUpdates: readonly string[]): Promise<void>;
  sendMessage(chatId: string, text: string, replyMarkup?: InlineKeyboard): Promise<{ messageId: number }>;
  sendFile(
    method: TelegramFileMethod,
    chatId: string,
    file: { data: Uint8Array; name: string } | { url: string; name: string },
  ): Promise<{ messageId: number }>;
  answerCallbackQuery(callbackQueryId: string): Promise<void>;
  /** Removes the inline keyboard of a message. */
  removeInlineKeyboard(chatId: string, messageId: number): Promise<void>;
  getFile(fileId: string): Promise<{ filePath?: string; size?: number }>;
}

/** Options both drivers take. */
export interface TelegramDriverOptions {
  token: string;
  /** Bot API server root, e.g. a self-hosted server or a fake in tests. */
  apiRoot?: string;
  /** Updates polling asks for. */
  allowedUpdates: readonly string[];
  /** Long-poll timeout in seconds handed to getUpdates. */
  pollingTimeoutSeconds?: number;
}

/**
 * Wraps a driver's Bot API calls so every failure leaves the driver as a {@link TelegramApiError},
 * mapped from the library's own error type by `toApiError`.
 */
export function apiCaller(toApiError: (method: string, error: unknown) => TelegramApiError) {
  return async <T>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toApiError(method, error);
    }
  };
}

/** The part of a Bot API `File` the adapter needs. */
export function toFileInfo(file: { file_path?: string; file_size?: number }): {
  filePath?: string;
  size?: number;
} {
  const result: { filePath?: string; size?: number } = {};
  if (file.file_path) result.filePath = file.file_path;
  if (file.file_size !== undefined) result.size = file.file_size;
  return result;
}

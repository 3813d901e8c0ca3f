import { timingSafeEqual } from "node:crypto";
import type { Update } from "grammy/types";
import {
  type ChannelAdapter,
  ChannelSendError,
  type ChannelState,
  type InboundHandler,
  type InboundMessage,
  type OutboundMessage,
  type SendResult,
} from "../port.js";
import { downloadTelegramFile, TELEGRAM_DOWNLOAD_LIMIT_BYTES } from "./downloadTelegramFile.js";
import { createGrammyDriver } from "./grammyDriver.js";
import { createTelegrafDriver } from "./telegrafDriver.js";
import {
  TelegramApiError,
  type TelegramBotIdentity,
  type TelegramDriver,
  type TelegramDriverName,
} from "./telegramDriver.js";
import { createTelegramTranslate, type TelegramTranslate } from "./telegramTexts.js";
import { toCallbackAcknowledgement, toGroupNotice, toInboundMessage } from "./toInboundMessage.js";
import { TelegramReplyError, type TelegramReplyStep, toTelegramReply } from "./toTelegramReply.js";

/** pino-compatible subset the adapter logs through. */
export interface TelegramLogger {
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

/** A webhook request as any HTTP framework can hand it over. */
export interface TelegramWebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON update, or the raw body as string/bytes. */
  body: unknown;
}

/** What the HTTP layer must answer to Telegram. */
export interface TelegramWebhookResponse {
  status: number;
  body?: unknown;
}

/** Framework-agnostic webhook endpoint, to be mounted at `/telegram/webhook`. */
export type TelegramWebhookHandler = (request: TelegramWebhookRequest) => Promise<TelegramWebhookResponse>;

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

const DEFAULT_API_ROOT = "https://api.telegram.org";
const ALLOWED_UPDATES = ["message", "callback_query"] as const;
const MAX_ACCEPT_DELAY_MS = 30_000;
const INLINE_RETRIES = 2;
/** Outbox ids whose split message was partly delivered; bounded so a stuck outbox can't grow it. */
const MAX_REMEMBERED_PROGRESS = 1000;

const silentLogger: TelegramLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Creates the Telegram customer channel.
 *
 * - **Receiving**: long polling by default; webhook mode when `webhook` is given (setWebhook with
 *   `secret_token` at start, updates arrive through {@link TelegramAdapter.webhookHandler}).
 *   `onMessage` is awaited update by update, in order per chat, and the update is acknowledged to
 *   Telegram (offset advanced / webhook 200) only after it resolved, so a crash loses nothing:
 *   the update is redelivered and maps to the same `platformMessageId`, which the runtime
 *   de-duplicates durably. In polling mode a rejected `onMessage` is retried with backoff until it
 *   resolves or the adapter stops (an update still failing at stop is confirmed by the library and
 *   logged as lost); in webhook mode it answers 500 and Telegram redelivers.
 * - **Private chats only.** Messages from groups, supergroups and channels are ignored, except
 *   that when the bot is added to a group it posts one polite line (locale `telegram.groupOnlyPrivate`)
 *   pointing to the private chat — once per addition, without keeping any state.
 * - **Button presses** become `choice`; the callback query is answered and the keyboard removed
 *   (after `onMessage` resolved) so the same choice cannot be pressed twice.
 * - **Sending**: 429 with a short `retry_after` (≤ `maxInlineRetryAfterMs`) is waited out inside
 *   `send`; a longer one throws {@link ChannelSendError} `telegram.rate_limited` with
 *   `retryAfterMs` for the outbox. If a split message fails midway, the parts already delivered are
 *   remembered by `outboxId` (in memory) so the outbox retry sends only the rest. 403 (bot blocked,
 *   kicked, user deactivated) and 400 are permanent.
 * - **State**: a bad token or an unreachable Bot API puts the adapter in `error`; `start()` never
 *   throws for that. Transient failures are retried in the background.
 */
export function createTelegramAdapter(options: TelegramAdapterOptions): TelegramAdapter {
  const driverName = options.driver ?? "grammy";
  const apiRoot = (options.apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, "");
  const logger = options.logger ?? silentLogger;
  const maxMediaBytes = options.maxMediaBytes ?? TELEGRAM_DOWNLOAD_LIMIT_BYTES;
  const maxInlineRetryAfterMs = options.maxInlineRetryAfterMs ?? 5_000;
  const translate = options.translate ?? createTelegramTranslate();
  const acceptRetryDelayMs = options.acceptRetryDelayMs ?? 500;
  const reconnectDelayMs = options.reconnectDelayMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const mode = options.webhook ? "webhook" : "long polling";

  const driverOptions = {
    token: options.token,
    allowedUpdates: ALLOWED_UPDATES,
    ...(options.apiRoot ? { apiRoot: apiRoot } : {}),
    ...(options.pollingTimeoutSeconds !== undefined
      ? { pollingTimeoutSeconds: options.pollingTimeoutSeconds }
      : {}),
  };
  const driver: TelegramDriver =
    driverName === "telegraf" ? createTelegrafDriver(driverOptions) : createGrammyDriver(driverOptions);

  let current: ChannelState = { status: "off", hint: "Telegram adapter not started" };
  let onMessage: InboundHandler | undefined;
  let me: TelegramBotIdentity | undefined;
  let running = false;
  let lifetime = new AbortController();
  let reconnectTimer: NodeJS.Timeout | undefined;
  const chatQueues = new Map<string, Promise<void>>();
  const sentParts = new Map<string, number>();

  const fetchFile = (file: { fileId: string; size?: number }) =>
    downloadTelegramFile(driver, file, { apiRoot, token: options.token, maxBytes: maxMediaBytes });

  /** Runs `task` after every earlier task of the same chat, so one customer's messages stay in order. */
  const inChatOrder = (chatId: string, task: () => Promise<void>): Promise<void> => {
    const previous = chatQueues.get(chatId) ?? Promise.resolve();
    const next = previous.then(task);
    const tail = next.catch(() => undefined);
    chatQueues.set(chatId, tail);
    void tail.then(() => {
      if (chatQueues.get(chatId) === tail) chatQueues.delete(chatId);
    });
    return next;
  };

  const acceptWithRetry = async (message: InboundMessage, handler: InboundHandler, retry: boolean) => {
    let delay = acceptRetryDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(message);
        return;
      } catch (error) {
        if (!retry) throw error;
        const signal = lifetime.signal;
        if (signal.aborted) {
          logger.error(
            { err: error, platformMessageId: message.platformMessageId, attempt },
            "telegram: update not accepted before stop; it is confirmed to Telegram and lost",
          );
          return;
        }
        logger.warn(
          { err: error, platformMessageId: message.platformMessageId, attempt, retryInMs: delay },
          "telegram: runtime did not accept the update, retrying",
        );
        await sleep(delay, signal);
        delay = Math.min(delay * 2, MAX_ACCEPT_DELAY_MS);
      }
    }
  };

  const acknowledgeChoice = async (update: Update) => {
    const ack = toCallbackAcknowledgement(update);
    if (!ack) return;
    await driver.answerCallbackQuery(ack.callbackQueryId).catch((error: unknown) => {
      logger.warn(
        { err: error, callbackQueryId: ack.callbackQueryId },
        "telegram: answerCallbackQuery failed",
      );
    });
    if (ack.chatId !== undefined && ack.messageId !== undefined) {
      await driver.removeInlineKeyboard(ack.chatId, ack.messageId).catch((error: unknown) => {
        // "message is not modified" on a redelivered press is expected.
        logger.debug({ err: error, chatId: ack.chatId }, "telegram: could not remove the inline keyboard");
      });
    }
  };

  const dispatch = async (update: Update, retry: boolean): Promise<void> => {
    const handler = onMessage;
    if (!handler) throw new Error("telegram adapter received an update before start()");
    if (me) {
      const notice = toGroupNotice(update, me.id);
      if (notice) {
        const link = `https://t.me/${me.username}`;
        await driver
          .sendMessage(notice.chatId, translate("groupOnlyPrivate", notice.languageHint, { link }))
          .catch((error: unknown) =>
            logger.warn({ err: error, chatId: notice.chatId }, "telegram: group notice failed"),
          );
        return;
      }
    }
    const message = toInboundMessage(update, { receivedAt: now(), fetchFile });
    if (!message) {
      logger.debug(
        { updateId: update.update_id },
        "telegram: update ignored (not a private customer message)",
      );
      if (update.callback_query) await acknowledgeChoice(update);
      return;
    }
    await inChatOrder(message.chatId, async () => {
      await acceptWithRetry(message, handler, retry);
      await acknowledgeChoice(update);
    });
  };

  const onPollingStopped = (error: TelegramApiError | undefined) => {
    if (!error || !running) return;
    fail(error, "long polling stopped");
  };

  const fail = (error: unknown, what: string) => {
    const status = error instanceof TelegramApiError ? error.status : undefined;
    const detail = error instanceof Error ? error.message : String(error);
    if (status === 401 || status === 404) {
      current = {
        status: "error",
        error: `Telegram rejected the bot token (${detail}): check TELEGRAM_BOT_TOKEN with @BotFather`,
      };
      logger.error({ err: error }, `telegram: ${current.error}`);
      return;
    }
    const reason =
      status === 409
        ? `another process is receiving this bot's updates (${detail})`
        : status === undefined
          ? `cannot reach the Telegram Bot API at ${apiRoot} (${detail})`
          : detail;
    current = {
      status: "error",
      error: `${what}: ${reason}; retrying in ${Math.round(reconnectDelayMs / 1000)} s`,
    };
    logger.error({ err: error }, `telegram: ${current.error}`);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, reconnectDelayMs);
    reconnectTimer.unref();
  };

  const connect = async (): Promise<void> => {
    if (!running) return;
    current = { status: "starting" };
    try {
      me = await driver.getMe();
      if (!running) return;
      if (options.webhook) {
        await driver.setWebhook(options.webhook.url, options.webhook.secretToken, ALLOWED_UPDATES);
      } else {
        await driver.startPolling((update) => dispatch(update, true), onPollingStopped);
      }
      if (!running) return;
      current = { status: "connected", detail: `@${me.username} via ${driverName} (${mode})` };
      logger.info({ bot: me.username, driver: driverName, mode }, "telegram: connected");
    } catch (error) {
      if (running) fail(error, "could not start");
    }
  };

  const deliver = async (step: TelegramReplyStep): Promise<{ messageId: number }> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return step.method === "sendMessage"
          ? await driver.sendMessage(step.chatId, step.text, step.replyMarkup)
          : await driver.sendFile(step.method, step.chatId, step.file);
      } catch (error) {
        const waitMs =
          error instanceof TelegramApiError && error.status === 429
            ? (error.retryAfterSeconds ?? 1) * 1000
            : undefined;
        if (waitMs === undefined || waitMs > maxInlineRetryAfterMs || attempt >= INLINE_RETRIES) throw error;
        logger.info({ method: step.method, waitMs }, "telegram: rate limited, waiting before retrying");
        await sleep(waitMs);
      }
    }
  };

  return {
    name: "telegram",
    driverName,

    async start(handler) {
      if (running) throw new Error("telegram adapter already started");
      onMessage = handler;
      running = true;
      lifetime = new AbortController();
      await connect();
    },

    async stop() {
      running = false;
      lifetime.abort();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      await driver.stopPolling().catch((error: unknown) => {
        logger.warn({ err: error }, "telegram: error while stopping polling");
      });
      await Promise.all(chatQueues.values());
      onMessage = undefined;
      current = { status: "off", hint: "Telegram adapter stopped" };
    },

    state() {
      return current;
    },

    async send(message: OutboundMessage): Promise<SendResult> {
      let steps: TelegramReplyStep[];
      try {
        steps = toTelegramReply(message);
      } catch (error) {
        if (error instanceof TelegramReplyError) {
          throw new ChannelSendError(error.code, error.message, { permanent: true, cause: error });
        }
        throw error;
      }
      const key = message.outboxId;
      const alreadySent = key ? (sentParts.get(key) ?? 0) : 0;
      let last: { messageId: number } | undefined;
      for (let index = alreadySent; index < steps.length; index++) {
        try {
          last = await deliver(steps[index]!);
        } catch (error) {
          if (key && index > 0) rememberProgress(sentParts, key, index);
          throw toSendError(error);
        }
      }
      if (key) sentParts.delete(key);
      return last ? { platformMessageId: `${message.chatId}:${last.messageId}` } : {};
    },

    webhookHandler(): TelegramWebhookHandler {
      return async (request) => {
        const secret = options.webhook?.secretToken;
        const given = headerValue(request.headers, "x-telegram-bot-api-secret-token");
        if (!secret || given === undefined || !sameSecret(given, secret)) {
          logger.warn({}, "telegram: webhook request with a missing or wrong secret token refused");
          return { status: 401, body: { ok: false, error: "unauthorized" } };
        }
        if (!running || !me || !onMessage) return { status: 503, body: { ok: false, error: "not ready" } };
        const update = parseUpdate(request.body);
        if (!update) return { status: 400, body: { ok: false, error: "not a Telegram update" } };
        try {
          await driver.handleWebhookUpdate(update, (received) => dispatch(received, false));
          return { status: 200, body: { ok: true } };
        } catch (error) {
          logger.error({ err: error, updateId: update.update_id }, "telegram: webhook update not accepted");
          return { status: 500, body: { ok: false, error: "not accepted" } };
        }
      };
    },
  };
}

function toSendError(error: unknown): ChannelSendError {
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

function rememberProgress(progress: Map<string, number>, key: string, sent: number): void {
  progress.delete(key);
  progress.set(key, sent);
  if (progress.size > MAX_REMEMBERED_PROGRESS) {
    const oldest = progress.keys().next().value;
    if (oldest !== undefined) progress.delete(oldest);
  }
}

function headerValue(headers: TelegramWebhookRequest["headers"], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseUpdate(body: unknown): Update | undefined {
  let value = body;
  try {
    if (typeof value === "string") value = JSON.parse(value);
    else if (value instanceof Uint8Array) value = JSON.parse(Buffer.from(value).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const updateId = (value as { update_id?: unknown }).update_id;
  return typeof updateId === "number" && Number.isInteger(updateId) ? (value as Update) : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The Telegram customer channel: receiving (polling or webhook, in chat order, acknowledged only
 * once the runtime accepted), sending with short rate-limit waits and resumable split messages,
 * and the connection state. Conversions are in `toInboundMessage` and `toTelegramReply`, the Bot
 * API behind a `TelegramDriver` (grammY or Telegraf).
 */
import type { Update } from "grammy/types";
import type { ChannelSendError, ChannelState, InboundHandler, InboundMessage } from "../port.js";
import { sleep } from "./abortableSleep.js";
import { downloadTelegramFile, TELEGRAM_DOWNLOAD_LIMIT_BYTES } from "./downloadTelegramFile.js";
import { createGrammyDriver } from "./grammyDriver.js";
import { createTelegrafDriver } from "./telegrafDriver.js";
import type { TelegramAdapter, TelegramAdapterOptions, TelegramLogger } from "./telegramAdapterOptions.js";
import { TelegramApiError, type TelegramBotIdentity, type TelegramDriver } from "./telegramDriver.js";
import { createTelegramSender } from "./telegramSender.js";
import { createTelegramTranslate } from "./telegramTexts.js";
import { createTelegramWebhookHandler } from "./telegramWebhook.js";
import { toCallbackAcknowledgement, toGroupNotice, toInboundMessage } from "./toInboundMessage.js";

export type { TelegramAdapter, TelegramAdapterOptions, TelegramLogger } from "./telegramAdapterOptions.js";
export type {
  TelegramWebhookHandler,
  TelegramWebhookRequest,
  TelegramWebhookResponse,
} from "./telegramWebhook.js";

const DEFAULT_API_ROOT = "https://api.telegram.org";
const ALLOWED_UPDATES = ["message", "callback_query"] as const;
const MAX_ACCEPT_DELAY_MS = 30_000;

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

    send: createTelegramSender({ driver, logger, maxInlineRetryAfterMs }),

    webhookHandler() {
      return createTelegramWebhookHandler({
        secretToken: options.webhook?.secretToken,
        ready: () => running && !!me && !!onMessage,
        handle: (update) => driver.handleWebhookUpdate(update, (received) => dispatch(received, false)),
        warn: (details, message) => logger.warn(details, message),
        error: (details, message) => logger.error(details, message),
      });
    },
  };
}

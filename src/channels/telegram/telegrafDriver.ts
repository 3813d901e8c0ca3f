import type { Update } from "grammy/types";
import { Telegraf, TelegramError } from "telegraf";
import {
  apiCaller,
  TelegramApiError,
  type TelegramBotIdentity,
  type TelegramDriver,
  type TelegramDriverOptions,
  type TelegramUpdateHandler,
  toFileInfo,
} from "./telegramDriver.js";
import type { InlineKeyboard, TelegramFileMethod } from "./toTelegramReply.js";

/**
 * {@link TelegramDriver} on telegraf: `telegram.apiRoot` for a self-hosted or fake Bot API,
 * telegraf's long polling (which handles a batch concurrently and confirms the offset only with
 * the next getUpdates — the adapter serialises per chat) and `bot.handleUpdate` for webhooks.
 */
export function createTelegrafDriver(options: TelegramDriverOptions): TelegramDriver {
  const bot = new Telegraf(options.token, {
    telegram: options.apiRoot ? { apiRoot: options.apiRoot } : {},
    // The runtime may legitimately take long to accept an update; never cut a handler short.
    handlerTimeout: Number.POSITIVE_INFINITY,
  });
  let handler: TelegramUpdateHandler | undefined;
  let polling: Promise<void> | undefined;

  bot.use(async (ctx) => {
    if (handler) await handler(ctx.update as unknown as Update);
  });
  // telegraf's default handler logs to the console and sets process.exitCode; surface errors instead.
  bot.catch((error) => {
    throw error;
  });

  const call = apiCaller(toApiError);

  return {
    name: "telegraf",
    async getMe(): Promise<TelegramBotIdentity> {
      const me = await call("getMe", () => bot.telegram.getMe());
      bot.botInfo = me;
      return { id: me.id, username: me.username };
    },
    async startPolling(pollingHandler, onStopped) {
      handler = pollingHandler;
      // launch() resolves only when polling ends, so the webhook is removed here to know polling can run.
      await call("deleteWebhook", () => bot.telegram.deleteWebhook());
      polling = bot.launch({ allowedUpdates: options.allowedUpdates as never }).then(
        () => onStopped(undefined),
        (error: unknown) => onStopped(toApiError("getUpdates", error)),
      );
    },
    async stopPolling() {
      if (!polling) return;
      try {
        bot.stop("adapter stopped");
      } catch {
        // Already stopped because polling died; nothing to abort.
      }
      await polling;
      polling = undefined;
    },
    async handleWebhookUpdate(update: Update, webhookHandler: TelegramUpdateHandler) {
      handler = webhookHandler;
      await bot.handleUpdate(update as never);
    },
    async setWebhook(url, secretToken, allowedUpdates) {
      await call("setWebhook", () =>
        bot.telegram.setWebhook(url, { secret_token: secretToken, allowed_updates: allowedUpdates as never }),
      );
    },
    async sendMessage(chatId, text, replyMarkup?: InlineKeyboard) {
      const sent = await call("sendMessage", () =>
        bot.telegram.sendMessage(chatId, text, replyMarkup ? { reply_markup: replyMarkup } : {}),
      );
      return { messageId: sent.message_id };
    },
    async sendFile(method: TelegramFileMethod, chatId, file) {
      const input = "data" in file ? { source: Buffer.from(file.data), filename: file.name } : file.url;
      const sent = await call<{ message_id: number }>(method, () => {
        switch (method) {
          case "sendPhoto":
            return bot.telegram.sendPhoto(chatId, input);
          case "sendVideo":
            return bot.telegram.sendVideo(chatId, input);
          case "sendAudio":
            return bot.telegram.sendAudio(chatId, input);
          case "sendVoice":
            return bot.telegram.sendVoice(chatId, input);
          case "sendDocument":
            return bot.telegram.sendDocument(chatId, input);
        }
      });
      return { messageId: sent.message_id };
    },
    async answerCallbackQuery(callbackQueryId) {
      await call("answerCallbackQuery", () => bot.telegram.answerCbQuery(callbackQueryId));
    },
    async removeInlineKeyboard(chatId, messageId) {
      await call("editMessageReplyMarkup", () =>
        bot.telegram.editMessageReplyMarkup(chatId, messageId, undefined, { inline_keyboard: [] }),
      );
    },
    async getFile(fileId) {
      return toFileInfo(await call("getFile", () => bot.telegram.getFile(fileId)));
    },
  };
}

function toApiError(method: string, error: unknown): TelegramApiError {
  if (error instanceof TelegramApiError) return error;
  if (error instanceof TelegramError) {
    const options: { retryAfterSeconds?: number; cause: unknown } = { cause: error };
    const retryAfter = error.parameters?.retry_after;
    if (retryAfter !== undefined) options.retryAfterSeconds = retryAfter;
    return new TelegramApiError(method, error.code, error.description, options);
  }
  return new TelegramApiError(method, undefined, error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

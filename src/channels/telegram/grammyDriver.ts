import { Bot, GrammyError, HttpError, InputFile } from "grammy";
import type { Update } from "grammy/types";
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
 * {@link TelegramDriver} on grammY: `client.apiRoot` for a self-hosted or fake Bot API, grammY's
 * simple long polling (sequential, confirms the offset only with the next getUpdates) and
 * `bot.handleUpdate` for webhook updates.
 */
export function createGrammyDriver(options: TelegramDriverOptions): TelegramDriver {
  const client = options.apiRoot ? { apiRoot: options.apiRoot } : {};
  const bot = new Bot(options.token, { client });
  let handler: TelegramUpdateHandler | undefined;
  let polling: Promise<void> | undefined;

  bot.use(async (ctx) => {
    if (handler) await handler(ctx.update as Update);
  });
  // Only reached if our handler throws during polling; the adapter's handler never does.
  bot.catch((error) => {
    throw error.error;
  });

  const call = apiCaller(toApiError);

  return {
    name: "grammy",
    async getMe(): Promise<TelegramBotIdentity> {
      // bot.api.getMe, not bot.init(): init retries network errors for up to hours, the adapter decides.
      const me = await call("getMe", () => bot.api.getMe());
      bot.botInfo = me;
      return { id: me.id, username: me.username };
    },
    async startPolling(pollingHandler, onStopped) {
      handler = pollingHandler;
      // bot.start() retries a failing deleteWebhook indefinitely; one direct call first makes an
      // unreachable Bot API fail start() instead of hanging it.
      await call("deleteWebhook", () => bot.api.deleteWebhook());
      return new Promise<void>((resolve, reject) => {
        let started = false;
        polling = bot
          .start({
            allowed_updates: options.allowedUpdates as never,
            timeout: options.pollingTimeoutSeconds ?? 30,
            onStart: () => {
              started = true;
              resolve();
            },
          })
          .then(
            () => onStopped(undefined),
            (error: unknown) => {
              const apiError = toApiError("getUpdates", error);
              if (started) onStopped(apiError);
              else reject(apiError);
            },
          );
      });
    },
    async stopPolling() {
      if (!polling) return;
      await bot.stop().catch(() => undefined);
      await polling;
      polling = undefined;
    },
    async handleWebhookUpdate(update: Update, webhookHandler: TelegramUpdateHandler) {
      handler = webhookHandler;
      try {
        await bot.handleUpdate(update);
      } catch (error) {
        throw (error as { error?: unknown }).error ?? error;
      }
    },
    async setWebhook(url, secretToken, allowedUpdates) {
      await call("setWebhook", () =>
        bot.api.setWebhook(url, { secret_token: secretToken, allowed_updates: allowedUpdates as never }),
      );
    },
    async sendMessage(chatId, text, replyMarkup?: InlineKeyboard) {
      const sent = await call("sendMessage", () =>
        bot.api.sendMessage(chatId, text, replyMarkup ? { reply_markup: replyMarkup } : {}),
      );
      return { messageId: sent.message_id };
    },
    async sendFile(method: TelegramFileMethod, chatId, file) {
      const input = "data" in file ? new InputFile(file.data, file.name) : file.url;
      const sent = await call<{ message_id: number }>(method, () => {
        switch (method) {
          case "sendPhoto":
            return bot.api.sendPhoto(chatId, input);
          case "sendVideo":
            return bot.api.sendVideo(chatId, input);
          case "sendAudio":
            return bot.api.sendAudio(chatId, input);
          case "sendVoice":
            return bot.api.sendVoice(chatId, input);
          case "sendDocument":
            return bot.api.sendDocument(chatId, input);
        }
      });
      return { messageId: sent.message_id };
    },
    async answerCallbackQuery(callbackQueryId) {
      await call("answerCallbackQuery", () => bot.api.answerCallbackQuery(callbackQueryId));
    },
    async removeInlineKeyboard(chatId, messageId) {
      await call("editMessageReplyMarkup", () =>
        bot.api.editMessageReplyMarkup(chatId, messageId, { reply_markup: { inline_keyboard: [] } }),
      );
    },
    async getFile(fileId) {
      return toFileInfo(await call("getFile", () => bot.api.getFile(fileId)));
    },
  };
}

function toApiError(method: string, error: unknown): TelegramApiError {
  if (error instanceof TelegramApiError) return error;
  if (error instanceof GrammyError) {
    const options: { retryAfterSeconds?: number; cause: unknown } = { cause: error };
    if (error.parameters.retry_after !== undefined) options.retryAfterSeconds = error.parameters.retry_after;
    return new TelegramApiError(method, error.error_code, error.description, options);
  }
  if (error instanceof HttpError)
    return new TelegramApiError(method, undefined, error.message, { cause: error });
  return new TelegramApiError(method, undefined, error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

/**
 * Sending to Telegram: an outbound message as its reply steps (`toTelegramReply`), delivered in
 * order. A 429 with a short `retry_after` is waited out here; if a split message fails midway the
 * parts already delivered are remembered by `outboxId` (in memory) so the outbox retry sends only
 * the rest.
 */
import { ChannelSendError, type OutboundMessage, type SendResult } from "../port.js";
import { sleep } from "./abortableSleep.js";
import type { TelegramLogger } from "./telegramAdapterOptions.js";
import { TelegramApiError, type TelegramDriver } from "./telegramDriver.js";
import { toSendError } from "./telegramSendError.js";
import { TelegramReplyError, type TelegramReplyStep, toTelegramReply } from "./toTelegramReply.js";

const INLINE_RETRIES = 2;
/** Outbox ids whose split message was partly delivered; bounded so a stuck outbox can't grow it. */
const MAX_REMEMBERED_PROGRESS = 1000;

/** What sending needs. */
export interface TelegramSenderOptions {
  driver: TelegramDriver;
  logger: TelegramLogger;
  /** Longest 429 wait taken inside `send`; longer ones throw with `retryAfterMs`. */
  maxInlineRetryAfterMs: number;
}

/** The adapter's `send`. */
export function createTelegramSender({
  driver,
  logger,
  maxInlineRetryAfterMs,
}: TelegramSenderOptions): (message: OutboundMessage) => Promise<SendResult> {
  const sentParts = new Map<string, number>();

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

  return async (message: OutboundMessage): Promise<SendResult> => {
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
  };
}

function rememberProgress(progress: Map<string, number>, key: string, sent: number): void {
  progress.delete(key);
  progress.set(key, sent);
  if (progress.size > MAX_REMEMBERED_PROGRESS) {
    const oldest = progress.keys().next().value;
    if (oldest !== undefined) progress.delete(oldest);
  }
}

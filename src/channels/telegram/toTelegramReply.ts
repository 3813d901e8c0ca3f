import { CodedError } from "../../errors.js";
import { unbreakableTicketNumbers } from "../../text/ticketNumber.js";
import type { AttachmentKind, OutboundAttachment, OutboundMessage } from "../port.js";

/** Telegram's limit for one text message. */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** Telegram's limit for `callback_data`, in UTF-8 bytes. */
export const TELEGRAM_CALLBACK_DATA_LIMIT = 64;

/** An inline keyboard as the Bot API takes it: one button per row, the choice id as callback data. */
export interface InlineKeyboard {
  inline_keyboard: { text: string; callback_data: string }[][];
}

/** Bot API upload methods the adapter uses for attachments. */
export type TelegramFileMethod = "sendPhoto" | "sendDocument" | "sendVideo" | "sendAudio" | "sendVoice";

/** One Bot API call of a reply, in the order they must be made. */
export type TelegramReplyStep =
  | { method: "sendMessage"; chatId: string; text: string; replyMarkup?: InlineKeyboard }
  | {
      method: TelegramFileMethod;
      chatId: string;
      file: { data: Uint8Array; name: string } | { url: string; name: string };
    };

/** Why an outbound message cannot be expressed on Telegram at all (retrying will not help). */
export class TelegramReplyError extends CodedError<
  "telegram.choice_id_too_long" | "telegram.empty_message" | "telegram.attachment_without_content"
> {}

/**
 * Plans the Bot API calls for one outbound message: the text split under
 * {@link TELEGRAM_TEXT_LIMIT} on paragraph, then line, then word boundaries; the choice list as an
 * inline keyboard on the last text part (so the buttons sit under the question); then one upload
 * per attachment (bytes or URL — Telegram fetches URLs itself).
 */
export function toTelegramReply(message: OutboundMessage): TelegramReplyStep[] {
  const steps: TelegramReplyStep[] = [];
  // Ticket numbers never break across lines on the phone.
  const parts = splitTelegramText(unbreakableTicketNumbers(message.text));
  const choices = message.choices ?? [];
  if (choices.length > 0 && parts.length === 0) {
    throw new TelegramReplyError("telegram.empty_message", "a choice list needs a question text on Telegram");
  }
  parts.forEach((text, index) => {
    const step: TelegramReplyStep = { method: "sendMessage", chatId: message.chatId, text };
    if (choices.length > 0 && index === parts.length - 1) step.replyMarkup = inlineKeyboardOf(choices);
    steps.push(step);
  });
  for (const attachment of message.attachments ?? []) {
    steps.push({ method: fileMethodFor(attachment.kind), chatId: message.chatId, file: fileOf(attachment) });
  }
  if (steps.length === 0) {
    throw new TelegramReplyError("telegram.empty_message", "nothing to send: no text and no attachments");
  }
  return steps;
}

/** One button per row: choice labels are sentences, which do not fit side by side on a phone. */
export function inlineKeyboardOf(choices: readonly { id: string; label: string }[]): InlineKeyboard {
  return {
    inline_keyboard: choices.map((choice) => {
      if (Buffer.byteLength(choice.id, "utf8") > TELEGRAM_CALLBACK_DATA_LIMIT) {
        throw new TelegramReplyError(
          "telegram.choice_id_too_long",
          `choice id "${choice.id}" is longer than Telegram's ${TELEGRAM_CALLBACK_DATA_LIMIT}-byte callback_data`,
        );
      }
      return [{ text: choice.label, callback_data: choice.id }];
    }),
  };
}

/**
 * Splits text into parts of at most `limit` UTF-16 code units (how Telegram counts), preferring a
 * paragraph break, then a line break, then a space, and never cutting a surrogate pair. Parts are
 * trimmed of the separator they were cut at; blank text gives no parts.
 */
export function splitTelegramText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = lastBreak(window, "\n\n", limit);
    if (cut <= 0) cut = lastBreak(window, "\n", limit);
    if (cut <= 0) cut = lastBreak(window, " ", limit);
    if (cut <= 0) {
      cut = limit;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    const part = rest.slice(0, cut).trimEnd();
    if (part.length > 0) parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}

/** Index to cut at so the part before the separator fits in `limit`, or -1. */
function lastBreak(window: string, separator: string, limit: number): number {
  const at = window.lastIndexOf(separator, limit);
  return at > 0 && at <= limit ? at : -1;
}

function fileMethodFor(kind: AttachmentKind): TelegramFileMethod {
  switch (kind) {
    case "image":
      return "sendPhoto";
    case "video":
      return "sendVideo";
    case "audio":
      return "sendAudio";
    case "voice":
      return "sendVoice";
    default:
      return "sendDocument";
  }
}

function fileOf(
  attachment: OutboundAttachment,
): { data: Uint8Array; name: string } | { url: string; name: string } {
  if (attachment.data) return { data: attachment.data, name: attachment.name };
  if (attachment.url) return { url: attachment.url, name: attachment.name };
  throw new TelegramReplyError(
    "telegram.attachment_without_content",
    `attachment "${attachment.name}" has neither bytes nor a URL`,
  );
}

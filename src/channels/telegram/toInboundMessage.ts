import type { CallbackQuery, Message, PhotoSize, Update } from "grammy/types";
import type { AttachmentKind, InboundAttachment, InboundMessage } from "../port.js";

/** A Telegram file as the adapter needs it to fetch the bytes later. */
export interface TelegramFileRef {
  fileId: string;
  size?: number;
}

/** What the converters need besides the update; all IO is behind `fetchFile`, which is never called here. */
export interface InboundContext {
  /** When the adapter received the update; used where Telegram gives no timestamp (callback queries). */
  receivedAt: Date;
  /** Lazy download used for {@link InboundAttachment.fetch}. */
  fetchFile: (file: TelegramFileRef) => Promise<Uint8Array>;
}

/**
 * Translates one Telegram update into the channel-neutral {@link InboundMessage}, or `undefined`
 * when it is not something a customer said in a private chat (groups, channels, edits, service
 * messages, inline queries…).
 *
 * `platformMessageId` is `${chat.id}:${message_id}` for messages and `cb:${callback_query.id}`
 * for button presses, so a redelivered update (same `update_id`) maps to the same id; the runtime
 * de-duplicates durably on (channel, platformMessageId), the adapter itself keeps no memory.
 */
export function toInboundMessage(update: Update, context: InboundContext): InboundMessage | undefined {
  if (update.callback_query) return fromCallbackQuery(update.callback_query, context);
  const message = update.message;
  if (message?.chat.type !== "private" || !message.from || message.from.is_bot) return undefined;
  const attachments = attachmentsOf(message, context);
  const text = message.text ?? message.caption ?? "";
  if (text === "" && attachments.length === 0) return undefined;
  const inbound: InboundMessage = {
    channel: "telegram",
    chatId: String(message.chat.id),
    senderId: String(message.from.id),
    platformMessageId: `${message.chat.id}:${message.message_id}`,
    at: new Date(message.date * 1000),
    text,
    attachments,
  };
  const name = displayName(message.from);
  if (name) inbound.senderName = name;
  if (message.from.language_code) inbound.languageHint = message.from.language_code;
  const payload = startPayloadOf(message.text);
  if (payload !== undefined) {
    inbound.startPayload = payload;
    // The code travels in startPayload; left in the text, "/start K7P2QX" reads as a problem
    // description to the flows (a digit makes it more than a greeting), so pass the bare command.
    inbound.text = "/start";
  }
  return inbound;
}

/**
 * `/start CODE` (what a `t.me/<bot>?start=CODE` deep link sends) → `CODE`; `undefined` when the
 * message is not a /start command or carries no payload.
 */
export function startPayloadOf(text: string | undefined): string | undefined {
  const match = /^\/start(?:@\w+)?(?:\s+(\S.*))?$/s.exec(text?.trim() ?? "");
  const payload = match?.[1]?.trim();
  return payload ? payload : undefined;
}

/** A group the bot was just added to, which gets one polite line pointing to the private chat. */
export interface GroupNotice {
  chatId: string;
  languageHint?: string;
}

/**
 * Detects the service message telling the bot it was added to a group/supergroup (or created
 * with it). Being stateless, the adapter answers exactly this event — it happens once per
 * addition — and ignores every other group message, so a group gets at most one line.
 */
export function toGroupNotice(update: Update, botId: number): GroupNotice | undefined {
  const message = update.message;
  if (!message) return undefined;
  if (message.chat.type !== "group" && message.chat.type !== "supergroup") return undefined;
  const added =
    message.group_chat_created === true ||
    message.supergroup_chat_created === true ||
    (message.new_chat_members ?? []).some((member) => member.id === botId);
  if (!added) return undefined;
  const notice: GroupNotice = { chatId: String(message.chat.id) };
  if (message.from?.language_code) notice.languageHint = message.from.language_code;
  return notice;
}

/** What must be done on Telegram after a button press so it cannot be pressed twice. */
export interface CallbackAcknowledgement {
  callbackQueryId: string;
  /** The message that carried the keyboard, absent for inline-mode messages. */
  chatId?: string;
  messageId?: number;
}

/** The callback query to answer and the keyboard to remove, if the update is a button press. */
export function toCallbackAcknowledgement(update: Update): CallbackAcknowledgement | undefined {
  const query = update.callback_query;
  if (!query) return undefined;
  const ack: CallbackAcknowledgement = { callbackQueryId: query.id };
  if (query.message) {
    ack.chatId = String(query.message.chat.id);
    ack.messageId = query.message.message_id;
  }
  return ack;
}

function fromCallbackQuery(query: CallbackQuery, context: InboundContext): InboundMessage | undefined {
  const message = query.message;
  if (message?.chat.type !== "private" || query.data === undefined) return undefined;
  const inbound: InboundMessage = {
    channel: "telegram",
    chatId: String(message.chat.id),
    senderId: String(query.from.id),
    platformMessageId: `cb:${query.id}`,
    at: context.receivedAt,
    // The pressed button's label reads naturally in a transcript; the id travels in `choice`.
    text: buttonLabel(message, query.data) ?? query.data,
    attachments: [],
    choice: query.data,
  };
  const name = displayName(query.from);
  if (name) inbound.senderName = name;
  if (query.from.language_code) inbound.languageHint = query.from.language_code;
  return inbound;
}

function buttonLabel(message: NonNullable<CallbackQuery["message"]>, data: string): string | undefined {
  if (!("reply_markup" in message) || !message.reply_markup) return undefined;
  for (const row of message.reply_markup.inline_keyboard) {
    for (const button of row) {
      if ("callback_data" in button && button.callback_data === data) return button.text;
    }
  }
  return undefined;
}

function displayName(user: { first_name: string; last_name?: string; username?: string }): string {
  return [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || "";
}

/** Largest rendition: Telegram lists sizes ascending, but compare anyway rather than trust order. */
export function largestPhoto(sizes: readonly PhotoSize[]): PhotoSize | undefined {
  let best: PhotoSize | undefined;
  for (const size of sizes) {
    if (
      !best ||
      size.width * size.height > best.width * best.height ||
      (size.width * size.height === best.width * best.height && (size.file_size ?? 0) > (best.file_size ?? 0))
    ) {
      best = size;
    }
  }
  return best;
}

function attachmentsOf(message: Message, context: InboundContext): InboundAttachment[] {
  const found: InboundAttachment[] = [];
  const add = (
    kind: AttachmentKind,
    file: { file_id: string; file_size?: number },
    extra: { mime?: string | undefined; name?: string | undefined },
  ) => {
    const ref: TelegramFileRef = { fileId: file.file_id };
    if (file.file_size !== undefined) ref.size = file.file_size;
    const attachment: InboundAttachment = { kind, ref: file.file_id, fetch: () => context.fetchFile(ref) };
    if (file.file_size !== undefined) attachment.size = file.file_size;
    if (extra.mime) attachment.mime = extra.mime;
    if (extra.name) attachment.name = extra.name;
    found.push(attachment);
  };
  if (message.photo && message.photo.length > 0) {
    const photo = largestPhoto(message.photo);
    if (photo) add("image", photo, { mime: "image/jpeg" });
  }
  if (message.document) {
    add("document", message.document, { mime: message.document.mime_type, name: message.document.file_name });
  }
  if (message.video)
    add("video", message.video, { mime: message.video.mime_type, name: message.video.file_name });
  if (message.video_note) add("video", message.video_note, { mime: "video/mp4" });
  if (message.voice) add("voice", message.voice, { mime: message.voice.mime_type ?? "audio/ogg" });
  if (message.audio)
    add("audio", message.audio, { mime: message.audio.mime_type, name: message.audio.file_name });
  if (message.sticker) add("sticker", message.sticker, {});
  if (message.location) {
    found.push({ kind: "location", ref: `${message.location.latitude},${message.location.longitude}` });
  }
  return found;
}

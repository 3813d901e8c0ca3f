/**
 * WhatsApp → port: a whatsapp-web.js message as an {@link InboundMessage}, or undefined for what
 * the channel ignores (own messages, status broadcasts, groups, unsupported types, empty ones).
 * The same message always yields the same InboundMessage (the runtime de-duplicates on
 * `platformMessageId`).
 */
import type { AttachmentKind, Choice, InboundAttachment, InboundMessage } from "../port.js";
import { downloadWhatsAppMedia } from "./downloadWhatsAppMedia.js";
import { matchChoice } from "./matchChoice.js";
import { resolveSender } from "./resolveSender.js";
import { stringOrUndefined } from "./valueText.js";
import type { WhatsAppClientLike, WhatsAppMessageLike } from "./whatsAppClientLike.js";
import type { WhatsAppLogger } from "./whatsAppOptions.js";
import { LID_SERVER, PHONE_SERVER, whatsAppServer } from "./whatsAppPhone.js";

/** Message types carrying a downloadable file, and what they are on the port. */
const MEDIA_KINDS: Readonly<Record<string, AttachmentKind>> = {
  image: "image",
  video: "video",
  document: "document",
  ptt: "voice",
  audio: "audio",
  sticker: "sticker",
};

/** Raw-model fields whatsapp-web.js exposes through `Message.rawData`. */
interface RawMessageData {
  size?: unknown;
  mimetype?: unknown;
  filename?: unknown;
  caption?: unknown;
  notifyName?: unknown;
}

/** What the conversion needs besides the message. */
export interface InboundContext {
  log: WhatsAppLogger;
  /** Largest media an attachment's `fetch()` downloads. */
  maxMediaBytes: number;
  /** The choice list last sent to the chat, to read "2" as that choice. */
  lastChoices: ReadonlyMap<string, readonly Choice[]>;
  /** The live client, for `@lid` → phone lookups. */
  client(): WhatsAppClientLike | undefined;
}

/** Converts a message (see the module comment). */
export async function toInboundMessage(
  message: WhatsAppMessageLike,
  ctx: InboundContext,
): Promise<InboundMessage | undefined> {
  const id = message.id._serialized;
  const server = whatsAppServer(message.from);
  const ignore = (why: string) => {
    ctx.log.debug({ id, from: message.from, type: message.type }, `WhatsApp: ignored ${why}`);
    return undefined;
  };
  if (message.fromMe) return ignore("own message");
  if (message.isStatus || message.from === "status@broadcast") return ignore("status broadcast");
  if (server === "g.us" || message.author) return ignore("group message");
  if (server !== PHONE_SERVER && server !== LID_SERVER) return ignore(`message from a ${server || "?"} chat`);

  const raw = (message.rawData ?? {}) as RawMessageData;
  const attachments: InboundAttachment[] = [];
  let text: string;
  const mediaKind = MEDIA_KINDS[message.type];
  if (message.type === "location") {
    // The body of a location message is a base64 thumbnail, not words.
    text = "";
    const location = message.location;
    if (location) {
      const name = location.description ?? location.name ?? location.address;
      attachments.push({
        kind: "location",
        ref: `geo:${location.latitude},${location.longitude}`,
        ...(name ? { name } : {}),
      });
    }
  } else if (mediaKind) {
    // Without downloadable media the body may be a thumbnail: trust only the caption.
    text = message.hasMedia ? message.body : (stringOrUndefined(raw.caption) ?? "");
    attachments.push(mediaAttachment(message, mediaKind, raw, ctx.maxMediaBytes));
  } else if (message.type === "chat" || message.type === "vcard" || message.type === "multi_vcard") {
    text = message.body;
  } else {
    return ignore(`message of type ${message.type}`);
  }
  text = text ?? "";
  if (text.trim() === "" && attachments.length === 0) return ignore("empty message");

  const { senderId, contactName } = await resolveSender(message, server, ctx.client, ctx.log);
  const senderName = stringOrUndefined(raw.notifyName) ?? contactName;
  const choice = attachments.length === 0 ? matchChoice(text, ctx.lastChoices.get(message.from)) : undefined;
  return {
    channel: "whatsapp",
    chatId: message.from,
    senderId,
    platformMessageId: id,
    at: new Date(message.timestamp * 1000),
    text,
    attachments,
    ...(senderName ? { senderName } : {}),
    ...(choice !== undefined ? { choice } : {}),
  };
}

function mediaAttachment(
  message: WhatsAppMessageLike,
  kind: AttachmentKind,
  raw: RawMessageData,
  maxMediaBytes: number,
): InboundAttachment {
  const size = typeof raw.size === "number" && raw.size >= 0 ? raw.size : undefined;
  const mime = stringOrUndefined(raw.mimetype);
  const name = stringOrUndefined(raw.filename);
  const attachment: InboundAttachment = {
    kind,
    ref: message.id._serialized,
    ...(mime ? { mime } : {}),
    ...(name ? { name } : {}),
    ...(size !== undefined ? { size } : {}),
  };
  if (message.hasMedia) attachment.fetch = () => downloadWhatsAppMedia(message, attachment, maxMediaBytes);
  return attachment;
}

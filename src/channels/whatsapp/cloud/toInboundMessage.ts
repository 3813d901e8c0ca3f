/**
 * Cloud API → port: one message of a webhook as an {@link InboundMessage}, or undefined for what
 * the channel ignores (reactions, system notices). Location and shared contacts arrive as text;
 * a type sportello cannot read arrives as an `other` attachment, which the conversation answers
 * politely. Pure: the same webhook message always yields the same InboundMessage (the runtime
 * de-duplicates redeliveries on `platformMessageId`, the `wamid`).
 */
import type { AttachmentKind, Choice, InboundAttachment, InboundMessage } from "../../port.js";
import { matchChoice } from "../matchChoice.js";
import { toE164 } from "../whatsAppPhone.js";
import type { CloudMessage } from "./cloudSchemas.js";

/** Message types carrying a downloadable media, and what they are on the port. */
const MEDIA_TYPES = ["image", "video", "audio", "document", "sticker"] as const;
type MediaType = (typeof MEDIA_TYPES)[number];

/** Never answered: a reaction to a message, or WhatsApp's own notice (number changed…). */
const IGNORED_TYPES = new Set(["reaction", "system", "ephemeral", "request_welcome"]);

/** What the conversion needs besides the message. */
export interface CloudInboundContext {
  /** The profile name WhatsApp gives for the sender, if any. */
  profileName?: string;
  /** The choice list last sent to the chat, to read a typed "2" as that choice. */
  lastChoices: ReadonlyMap<string, readonly Choice[]>;
  /** Downloads a media by its id within the size limit (rejects with a WhatsAppMediaError). */
  download(mediaId: string, attachment: InboundAttachment): Promise<Uint8Array>;
}

/**
 * The chat id of a Cloud API customer: `<digits>@c.us`, as whatsapp-web.js names the same chat,
 * so switching driver keeps every conversation and ticket where it was.
 */
export function chatIdOf(waId: string): string {
  return `${waId.replace(/^\+/u, "")}@c.us`;
}

/** The recipient digits of a chat id (`<digits>@c.us`), or undefined for any other id (`@lid`, groups). */
export function recipientOf(chatId: string): string | undefined {
  const match = /^(\d{6,15})@c\.us$/u.exec(chatId);
  return match?.[1];
}

/** Converts a message (see the module comment). */
export function toInboundMessage(
  message: CloudMessage,
  ctx: CloudInboundContext,
): InboundMessage | undefined {
  if (IGNORED_TYPES.has(message.type)) return undefined;
  const chatId = chatIdOf(message.from);
  const attachments: InboundAttachment[] = [];
  let text = "";
  let choice: string | undefined;

  if (message.type === "text") {
    text = message.text?.body ?? "";
    choice = matchChoice(text, ctx.lastChoices.get(chatId));
  } else if (message.type === "interactive") {
    const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
    if (reply) {
      text = reply.title;
      choice = reply.id;
    } else attachments.push({ kind: "other", ref: message.id });
  } else if (message.type === "button") {
    // A template's quick-reply button: the payload is the choice when one was set.
    text = message.button?.text ?? "";
    choice = message.button?.payload || matchChoice(text, ctx.lastChoices.get(chatId));
  } else if (isMediaType(message.type) && message[message.type]) {
    const media = message[message.type]!;
    text = media.caption ?? "";
    const attachment: InboundAttachment = {
      kind: mediaKind(message.type, media.voice === true),
      ref: media.id,
      ...(media.mime_type ? { mime: media.mime_type.split(";")[0]!.trim() } : {}),
      ...(media.filename ? { name: media.filename } : {}),
    };
    attachment.fetch = () => ctx.download(media.id, attachment);
    attachments.push(attachment);
  } else if (message.type === "location" && message.location) {
    text = locationText(message.location);
  } else if (message.type === "contacts" && message.contacts) {
    text = message.contacts.map(contactText).filter(Boolean).join("\n");
  } else {
    // "unsupported", "order", a poll…: the conversation asks for text, a photo or a document.
    attachments.push({ kind: "other", ref: message.id });
  }
  if (text.trim() === "" && attachments.length === 0) attachments.push({ kind: "other", ref: message.id });

  const senderId = toE164(message.from) ?? message.from;
  return {
    channel: "whatsapp",
    chatId,
    senderId,
    platformMessageId: message.id,
    at: new Date(Number(message.timestamp) * 1000),
    text,
    attachments,
    ...(ctx.profileName ? { senderName: ctx.profileName } : {}),
    ...(choice !== undefined && attachments.length === 0 ? { choice } : {}),
  };
}

function isMediaType(type: string): type is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(type);
}

function mediaKind(type: MediaType, voice: boolean): AttachmentKind {
  if (type === "audio") return voice ? "voice" : "audio";
  return type;
}

function locationText(location: NonNullable<CloudMessage["location"]>): string {
  const place = [location.name, location.address].filter(Boolean).join(", ");
  const at = `${location.latitude},${location.longitude}`;
  return `📍 ${place ? `${place} ` : ""}https://maps.google.com/?q=${at}`;
}

function contactText(contact: NonNullable<CloudMessage["contacts"]>[number]): string {
  const name = contact.name?.formatted_name;
  const phones = (contact.phones ?? []).map((p) => p.phone ?? (p.wa_id ? `+${p.wa_id}` : "")).filter(Boolean);
  const emails = (contact.emails ?? []).map((e) => e.email ?? "").filter(Boolean);
  const company = contact.org?.company;
  const parts = [name, company, ...phones, ...emails].filter(Boolean);
  return parts.length > 0 ? `👤 ${parts.join(", ")}` : "";
}

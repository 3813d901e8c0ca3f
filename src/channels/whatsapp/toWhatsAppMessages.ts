/**
 * Port → WhatsApp: an {@link OutboundMessage} as the WhatsApp messages that carry it, in order:
 * the text (with its numbered choices) in chunks WhatsApp accepts, then one message per
 * attachment. Attachments are fetched here, before anything is sent, so a bad URL never leaves a
 * half-sent message.
 */
import wweb from "whatsapp-web.js";
import { unbreakableTicketNumbers } from "../../text/ticketNumber.js";
import { ChannelSendError, type OutboundAttachment, type OutboundMessage } from "../port.js";
import { renderNumberedChoices } from "./matchChoice.js";
import { splitMessageText } from "./splitMessageText.js";
import { errorText } from "./valueText.js";
import type { WhatsAppMediaLike, WhatsAppSendOptions } from "./whatsAppClientLike.js";

const { MessageMedia } = wweb;

/** One `Client.sendMessage` call: a text chunk, or media with its send options. */
export type WhatsAppPart = { text: string } | { media: WhatsAppMediaLike; options: WhatsAppSendOptions };

/** The parts of `message`; rejects with a {@link ChannelSendError} for an attachment it cannot load. */
export async function toWhatsAppMessages(message: OutboundMessage): Promise<WhatsAppPart[]> {
  // Ticket numbers never break across lines on the phone.
  const text = unbreakableTicketNumbers(renderNumberedChoices(message.text, message.choices ?? []));
  const parts: WhatsAppPart[] = splitMessageText(text).map((chunk) => ({ text: chunk }));
  for (const attachment of message.attachments ?? []) {
    const media = await toMedia(attachment);
    const options: WhatsAppSendOptions = {};
    if (attachment.kind === "document" || attachment.kind === "other") options.sendMediaAsDocument = true;
    if (attachment.kind === "voice") options.sendAudioAsVoice = true;
    parts.push({ media, options });
  }
  return parts;
}

async function toMedia(attachment: OutboundAttachment): Promise<WhatsAppMediaLike> {
  let bytes = attachment.data;
  let mime = attachment.mime;
  if (!bytes && attachment.url) {
    let response: Response;
    try {
      response = await fetch(attachment.url);
    } catch (error) {
      throw new ChannelSendError(
        "whatsapp-attachment-unavailable",
        `could not download attachment ${attachment.name}: ${errorText(error)}`,
        { cause: error },
      );
    }
    if (!response.ok) {
      throw new ChannelSendError(
        "whatsapp-attachment-unavailable",
        `could not download attachment ${attachment.name}: HTTP ${response.status}`,
        { permanent: response.status >= 400 && response.status < 500 },
      );
    }
    bytes = new Uint8Array(await response.arrayBuffer());
    mime ??= response.headers.get("content-type")?.split(";")[0]?.trim() || undefined;
  }
  if (!bytes) {
    throw new ChannelSendError(
      "whatsapp-attachment-empty",
      `attachment ${attachment.name} has neither data nor url`,
      { permanent: true },
    );
  }
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  return new MessageMedia(mime ?? "application/octet-stream", base64, attachment.name);
}

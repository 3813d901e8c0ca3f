/** Downloads an inbound message's media for its attachment's `fetch()`, within a size limit. */
import type { InboundAttachment } from "../port.js";
import { errorText } from "./valueText.js";
import type { WhatsAppMediaLike, WhatsAppMessageLike } from "./whatsAppClientLike.js";
import { WhatsAppMediaError } from "./whatsAppMediaError.js";

/**
 * The media bytes of `message`; fills in the attachment's `mime` and `name` when WhatsApp only
 * tells them with the download. Rejects with a {@link WhatsAppMediaError}: `media-too-large`
 * over `maxBytes` (checked before and after decoding), `media-unavailable` when WhatsApp no
 * longer has it.
 */
export async function downloadWhatsAppMedia(
  message: WhatsAppMessageLike,
  attachment: InboundAttachment,
  maxBytes: number,
): Promise<Uint8Array> {
  const tooLarge = (size: number) =>
    new WhatsAppMediaError(
      "media-too-large",
      `WhatsApp media ${message.id._serialized} is ${size} bytes, over the ${maxBytes}-byte limit`,
      { size, maxBytes },
    );
  if (attachment.size !== undefined && attachment.size > maxBytes) throw tooLarge(attachment.size);
  let media: WhatsAppMediaLike | undefined;
  try {
    media = await message.downloadMedia();
  } catch (error) {
    throw new WhatsAppMediaError(
      "media-unavailable",
      `WhatsApp could not download media ${message.id._serialized}: ${errorText(error)}`,
      { cause: error },
    );
  }
  if (!media) {
    throw new WhatsAppMediaError(
      "media-unavailable",
      `WhatsApp no longer has media ${message.id._serialized} (deleted or expired)`,
    );
  }
  // Check the size from the base64 length before allocating the decoded buffer.
  const estimated = Math.floor((media.data.length * 3) / 4);
  if (estimated - 2 > maxBytes) throw tooLarge(estimated);
  const buffer = Buffer.from(media.data, "base64");
  if (buffer.byteLength > maxBytes) throw tooLarge(buffer.byteLength);
  attachment.mime ??= media.mimetype;
  if (media.filename) attachment.name ??= media.filename;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Which {@link AttachmentKind} a file of a given MIME type travels as. */
import type { AttachmentKind } from "./port.js";

/**
 * Maps a MIME type to the port's attachment kind: images, videos and audio by their top-level
 * type, everything else (and an unknown type) as a document.
 */
export function attachmentKindOf(mime: string | undefined): AttachmentKind {
  if (!mime) return "document";
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("video/")) return "video";
  if (mime.startsWith("audio/")) return "audio";
  return "document";
}

/** Stable codes of {@link WhatsAppMediaError}. */
export type WhatsAppMediaErrorCode = "media-too-large" | "media-unavailable";

/**
 * Thrown by an inbound WhatsApp attachment's `fetch()`. `media-too-large`: the media is bigger
 * than the configured cap (checked from the announced size before downloading, and again on the
 * downloaded bytes); `media-unavailable`: WhatsApp no longer has it (deleted or expired).
 */
export class WhatsAppMediaError extends Error {
  readonly code: WhatsAppMediaErrorCode;
  /** Size in bytes when known. */
  readonly size: number | undefined;
  /** The cap in bytes that was exceeded (for `media-too-large`). */
  readonly maxBytes: number | undefined;
  constructor(
    code: WhatsAppMediaErrorCode,
    message: string,
    details: { size?: number; maxBytes?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = "WhatsAppMediaError";
    this.code = code;
    this.size = details.size;
    this.maxBytes = details.maxBytes;
  }
}

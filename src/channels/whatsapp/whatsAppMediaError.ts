/** Stable codes of {@link WhatsAppMediaError}. */
import { CodedError } from "../../errors.js";
export type WhatsAppMediaErrorCode = "media-too-large" | "media-unavailable";

/**
 * Thrown by an inbound WhatsApp attachment's `fetch()`. `media-too-large`: the media is bigger
 * than the configured cap (checked from the announced size before downloading, and again on the
 * downloaded bytes); `media-unavailable`: WhatsApp no longer has it (deleted or expired).
 */
export class WhatsAppMediaError extends CodedError<WhatsAppMediaErrorCode> {
  /** Size in bytes when known. */
  readonly size: number | undefined;
  /** The cap in bytes that was exceeded (for `media-too-large`). */
  readonly maxBytes: number | undefined;
  constructor(
    code: WhatsAppMediaErrorCode,
    message: string,
    details: { size?: number; maxBytes?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.size = details.size;
    this.maxBytes = details.maxBytes;
  }
}

/** "900 KB", "16 MB": sizes for customer texts, rounded up so "too large" never reads as equal. */
function humanSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.ceil(bytes / 1024))} KB`;
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}

/**
 * The i18next key and parameters for answering a customer whose attachment could not be fetched
 * (`whatsapp.mediaTooLarge` / `whatsapp.mediaUnavailable` in `locales/*.json`); `undefined` for
 * errors that are not a {@link WhatsAppMediaError}.
 */
export function mediaErrorText(
  error: unknown,
):
  | { key: "whatsapp.mediaTooLarge" | "whatsapp.mediaUnavailable"; params: Record<string, string> }
  | undefined {
  if (!(error instanceof WhatsAppMediaError)) return undefined;
  if (error.code === "media-unavailable") return { key: "whatsapp.mediaUnavailable", params: {} };
  return {
    key: "whatsapp.mediaTooLarge",
    params: {
      size: error.size !== undefined ? humanSize(error.size) : "?",
      max: error.maxBytes !== undefined ? humanSize(error.maxBytes) : "?",
    },
  };
}

/** What customers may upload on the web chat: sizes, quotas and accepted types. */

/** Size and type limits of customer uploads. */
export interface UploadLimits {
  /** Largest single file. */
  maxBytes: number;
  /** All files of one chat together. */
  perChatBytes: number;
  /** All uploads together. */
  totalBytes: number;
  /** Whether a type (as detected from the content) is accepted. */
  accepts(mime: string): boolean;
}

/** Office documents and archives: accepted for staff to download, never shown inline. */
export const DOWNLOAD_ONLY_TYPES = new Set([
  "application/zip",
  "application/x-7z-compressed",
  "application/x-rar-compressed",
  "application/vnd.rar",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/vnd.oasis.opendocument.text",
  "application/vnd.oasis.opendocument.spreadsheet",
  "application/vnd.oasis.opendocument.presentation",
]);

/**
 * Photos, videos, audio, PDF, plain text/CSV, office documents and archives. SVG and HTML are
 * refused on purpose: they can carry scripts and would run on our origin.
 */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxBytes: 10 * 1024 * 1024,
  perChatBytes: 100 * 1024 * 1024,
  totalBytes: 5 * 1024 * 1024 * 1024,
  accepts: (mime) =>
    /^image\/(jpeg|png|gif|webp|heic|heif|avif)$/.test(mime) ||
    /^video\/(mp4|webm|quicktime|3gpp)$/.test(mime) ||
    /^audio\/(mpeg|mp4|x-m4a|ogg|opus|webm|wav|x-wav|aac|amr)$/.test(mime) ||
    mime === "application/pdf" ||
    mime === "text/plain" ||
    mime === "text/csv" ||
    DOWNLOAD_ONLY_TYPES.has(mime),
};

import { CodedError } from "../../errors.js";
import type { TelegramDriver } from "./telegramDriver.js";
import { TelegramApiError } from "./telegramDriver.js";
import type { TelegramFileRef } from "./toInboundMessage.js";

/** Telegram's limit for files a bot can download through the public Bot API (20 MB). */
export const TELEGRAM_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024;

/** Why an inbound attachment's bytes could not be fetched; `code` is stable for the runtime. */
export type TelegramMediaErrorCode = "telegram.media_too_large" | "telegram.media_unavailable";

export class TelegramMediaError extends CodedError<TelegramMediaErrorCode> {
  /** Retrying will not help (too large, file gone). */
  readonly permanent: boolean;
  readonly limitBytes: number | undefined;
  constructor(
    code: TelegramMediaErrorCode,
    message: string,
    options: { permanent?: boolean; limitBytes?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.permanent = options.permanent ?? code === "telegram.media_too_large";
    this.limitBytes = options.limitBytes;
  }
}

/**
 * Downloads an inbound file: getFile, then `<apiRoot>/file/bot<token>/<file_path>`, refusing
 * anything over `maxBytes` before downloading when the size is known and while streaming otherwise.
 */
export async function downloadTelegramFile(
  driver: TelegramDriver,
  file: TelegramFileRef,
  options: { apiRoot: string; token: string; maxBytes: number },
): Promise<Uint8Array> {
  const tooLarge = (size: number | undefined) =>
    new TelegramMediaError(
      "telegram.media_too_large",
      `file ${file.fileId} is ${size === undefined ? "over" : `${size} bytes, over`} the ${options.maxBytes}-byte limit`,
      { limitBytes: options.maxBytes },
    );
  if (file.size !== undefined && file.size > options.maxBytes) throw tooLarge(file.size);
  let info: { filePath?: string; size?: number };
  try {
    info = await driver.getFile(file.fileId);
  } catch (error) {
    if (error instanceof TelegramApiError && error.status === 400 && /too big/i.test(error.message)) {
      throw tooLarge(undefined);
    }
    throw new TelegramMediaError("telegram.media_unavailable", `getFile failed for ${file.fileId}`, {
      permanent: error instanceof TelegramApiError && error.status === 400,
      cause: error,
    });
  }
  if (info.size !== undefined && info.size > options.maxBytes) throw tooLarge(info.size);
  if (!info.filePath) {
    throw new TelegramMediaError(
      "telegram.media_unavailable",
      `Telegram gave no file_path for ${file.fileId}`,
    );
  }
  const url = `${options.apiRoot.replace(/\/+$/, "")}/file/bot${options.token}/${info.filePath}`;
  const controller = new AbortController();
  let response: Response;
  try {
    response = await fetch(url, { signal: controller.signal });
  } catch (error) {
    throw new TelegramMediaError("telegram.media_unavailable", `download of ${file.fileId} failed`, {
      cause: error,
    });
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new TelegramMediaError(
      "telegram.media_unavailable",
      `download of ${file.fileId} answered HTTP ${response.status}`,
    );
  }
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    controller.abort();
    throw tooLarge(declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > options.maxBytes) {
      controller.abort();
      throw tooLarge(undefined);
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

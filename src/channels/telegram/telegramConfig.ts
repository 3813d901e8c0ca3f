import { createHash } from "node:crypto";
import type { TelegramAdapterOptions } from "./telegramAdapterOptions.js";
import { TELEGRAM_DRIVER_NAMES, type TelegramDriverName } from "./telegramDriver.js";

/** A Telegram setting that cannot work; `code` is stable, the message names the variable. */
export class TelegramConfigError extends Error {
  readonly code = "telegram.config_invalid";
  constructor(message: string) {
    super(message);
    this.name = "TelegramConfigError";
  }
}

/** Telegram either configured (adapter options) or off with the one line saying how to turn it on. */
export type TelegramConfig =
  | { enabled: true; options: TelegramAdapterOptions }
  | { enabled: false; hint: string };

/**
 * Reads the Telegram settings:
 * `TELEGRAM_BOT_TOKEN` (turns the channel on), `TELEGRAM_DRIVER` (`grammy` default, or `telegraf`),
 * `TELEGRAM_API_ROOT` (self-hosted or fake Bot API server), `TELEGRAM_WEBHOOK_URL` (webhook mode
 * instead of long polling; public https URL ending in `/telegram/webhook`), `TELEGRAM_WEBHOOK_SECRET`
 * (1–256 of `A-Z a-z 0-9 _ -`; derived from the token when unset) and `TELEGRAM_MAX_MEDIA_BYTES`.
 * Throws {@link TelegramConfigError} for a value that is present but invalid.
 */
export function telegramConfigFromEnv(env: Record<string, string | undefined>): TelegramConfig {
  const token = env.TELEGRAM_BOT_TOKEN?.trim();
  if (!token) {
    return {
      enabled: false,
      hint: "Telegram is off: set TELEGRAM_BOT_TOKEN (ask @BotFather for one) to turn it on",
    };
  }
  if (!/^\d+:[\w-]+$/.test(token)) {
    throw new TelegramConfigError(
      "TELEGRAM_BOT_TOKEN does not look like a BotFather token (digits:characters)",
    );
  }
  const options: TelegramAdapterOptions = { token, driver: driverOf(env.TELEGRAM_DRIVER) };
  const apiRoot = env.TELEGRAM_API_ROOT?.trim();
  if (apiRoot) options.apiRoot = httpUrl("TELEGRAM_API_ROOT", apiRoot);
  const webhookUrl = env.TELEGRAM_WEBHOOK_URL?.trim();
  if (webhookUrl) {
    const secretToken = env.TELEGRAM_WEBHOOK_SECRET?.trim() || deriveWebhookSecret(token);
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
      throw new TelegramConfigError(
        "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
      );
    }
    options.webhook = { url: httpUrl("TELEGRAM_WEBHOOK_URL", webhookUrl), secretToken };
  }
  const maxMedia = env.TELEGRAM_MAX_MEDIA_BYTES?.trim();
  if (maxMedia) {
    const bytes = Number(maxMedia);
    if (!Number.isSafeInteger(bytes) || bytes <= 0) {
      throw new TelegramConfigError("TELEGRAM_MAX_MEDIA_BYTES must be a positive whole number of bytes");
    }
    options.maxMediaBytes = bytes;
  }
  return { enabled: true, options };
}

/** A stable secret for the webhook when none is configured: Telegram only needs it to be unguessable. */
export function deriveWebhookSecret(token: string): string {
  return createHash("sha256").update(`sportello-telegram-webhook:${token}`).digest("hex");
}

function driverOf(value: string | undefined): TelegramDriverName {
  const name = value?.trim().toLowerCase() || "grammy";
  const known = TELEGRAM_DRIVER_NAMES.find((candidate) => candidate === name);
  if (!known)
    throw new TelegramConfigError(`TELEGRAM_DRIVER must be one of ${TELEGRAM_DRIVER_NAMES.join(", ")}`);
  return known;
}

function httpUrl(variable: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TelegramConfigError(`${variable} is not a URL: ${value}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TelegramConfigError(`${variable} must be an http(s) URL`);
  }
  return value.replace(/\/+$/, "");
}

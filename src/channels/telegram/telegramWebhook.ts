/**
 * The webhook endpoint's HTTP side, framework-agnostic: request and response shapes, the secret
 * token check and reading the update from the body.
 */
import type { Update } from "grammy/types";
import { headerValue, sameSecret } from "../webhookRequest.js";

/** A webhook request as any HTTP framework can hand it over. */
export interface TelegramWebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON update, or the raw body as string/bytes. */
  body: unknown;
}

/** What the HTTP layer must answer to Telegram. */
export interface TelegramWebhookResponse {
  status: number;
  body?: unknown;
}

/** Framework-agnostic webhook endpoint, to be mounted at `/telegram/webhook`. */
export type TelegramWebhookHandler = (request: TelegramWebhookRequest) => Promise<TelegramWebhookResponse>;

/** What the endpoint needs from the adapter. */
export interface TelegramWebhookDeps {
  /** The secret Telegram must echo in `X-Telegram-Bot-Api-Secret-Token` (none: every request is refused). */
  secretToken: string | undefined;
  /** False before start/after stop: answered 503 so Telegram redelivers. */
  ready(): boolean;
  /** Hands a parsed update to the adapter; rejects when the runtime did not accept it. */
  handle(update: Update): Promise<void>;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * The endpoint: 401 (processing nothing) without the right secret, 503 when not ready, 400 for a
 * body that is not an update, 500 when the update was not accepted, 200 once it was.
 */
export function createTelegramWebhookHandler(deps: TelegramWebhookDeps): TelegramWebhookHandler {
  return async (request) => {
    const secret = deps.secretToken;
    const given = headerValue(request.headers, "x-telegram-bot-api-secret-token");
    if (!secret || given === undefined || !sameSecret(given, secret)) {
      deps.warn({}, "telegram: webhook request with a missing or wrong secret token refused");
      return { status: 401, body: { ok: false, error: "unauthorized" } };
    }
    if (!deps.ready()) return { status: 503, body: { ok: false, error: "not ready" } };
    const update = parseUpdate(request.body);
    if (!update) return { status: 400, body: { ok: false, error: "not a Telegram update" } };
    try {
      await deps.handle(update);
      return { status: 200, body: { ok: true } };
    } catch (error) {
      deps.error({ err: error, updateId: update.update_id }, "telegram: webhook update not accepted");
      return { status: 500, body: { ok: false, error: "not accepted" } };
    }
  };
}

function parseUpdate(body: unknown): Update | undefined {
  let value = body;
  try {
    if (typeof value === "string") value = JSON.parse(value);
    else if (value instanceof Uint8Array) value = JSON.parse(Buffer.from(value).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const updateId = (value as { update_id?: unknown }).update_id;
  return typeof updateId === "number" && Number.isInteger(updateId) ? (value as Update) : undefined;
}

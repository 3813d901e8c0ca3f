/**
 * The Cloud API webhook's HTTP side, framework-agnostic: Meta's subscription check (GET with
 * `hub.challenge`) and the update POST, refused unless `X-Hub-Signature-256` is the HMAC-SHA256
 * of the raw body with the app secret. The POST is answered 200 only after every message and
 * status in it was handled (stored durably), so Meta redelivers whatever was not.
 */
import { createHmac } from "node:crypto";
import { headerValue, sameSecret } from "../../webhookRequest.js";
import { type CloudWebhook, cloudWebhookSchema } from "./cloudSchemas.js";

/** A webhook request as any HTTP framework can hand it over. */
export interface CloudWebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: the signature is over these bytes. */
  rawBody?: string | Uint8Array;
  /** The query string's values (GET). */
  query?: Record<string, unknown>;
}

/** What to answer Meta; error bodies carry a stable code. */
export interface CloudWebhookResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CloudWebhookDeps {
  appSecret: string;
  verifyToken: string;
  /** False before start / after stop: 503, Meta redelivers. */
  ready(): boolean;
  /** Handles one checked body; rejects when something in it was not stored. */
  handle(body: CloudWebhook): Promise<void>;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const refusal = (status: number, code: string, message: string): CloudWebhookResponse => ({
  status,
  body: { error: { code, message } },
});

/** GET: Meta's verification request; answers the challenge only for the right verify token. */
export function verifySubscription(
  query: Record<string, unknown> | undefined,
  verifyToken: string,
): CloudWebhookResponse {
  const mode = query?.["hub.mode"];
  const token = query?.["hub.verify_token"];
  const challenge = query?.["hub.challenge"];
  if (mode !== "subscribe" || typeof challenge !== "string" || challenge === "")
    return refusal(400, "whatsapp-bad-verification", "expected hub.mode=subscribe and a hub.challenge");
  if (typeof token !== "string" || !sameSecret(token, verifyToken))
    return refusal(403, "whatsapp-bad-verify-token", "hub.verify_token does not match WHATSAPP_VERIFY_TOKEN");
  return { status: 200, body: challenge, headers: { "content-type": "text/plain; charset=utf-8" } };
}

/** `sha256=<hex>` of `body` with `secret`, as Meta signs a webhook. */
export function signatureOf(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** POST: the signed update. */
export function createCloudWebhookHandler(deps: CloudWebhookDeps) {
  return async (request: CloudWebhookRequest): Promise<CloudWebhookResponse> => {
    const given = headerValue(request.headers, "x-hub-signature-256");
    const raw = request.rawBody;
    if (given === undefined || raw === undefined) {
      deps.warn({}, "whatsapp: webhook request without X-Hub-Signature-256 refused");
      return refusal(401, "whatsapp-signature-missing", "X-Hub-Signature-256 is required");
    }
    if (!sameSecret(given, signatureOf(raw, deps.appSecret))) {
      deps.warn({}, "whatsapp: webhook request with a wrong signature refused");
      return refusal(403, "whatsapp-bad-signature", "X-Hub-Signature-256 does not match the app secret");
    }
    if (!deps.ready()) return refusal(503, "whatsapp-not-ready", "the WhatsApp channel is not running");
    let json: unknown;
    try {
      json = JSON.parse(typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8"));
    } catch {
      return refusal(400, "bad-json", "the body is not JSON");
    }
    const parsed = cloudWebhookSchema.safeParse(json);
    if (!parsed.success) return refusal(400, "whatsapp-bad-update", "not a WhatsApp Business Account update");
    try {
      await deps.handle(parsed.data);
      return { status: 200, body: { ok: true } };
    } catch (error) {
      deps.error({ err: error }, "whatsapp: webhook update not stored; Meta will redeliver it");
      return refusal(500, "whatsapp-not-accepted", "the update was not stored; send it again");
    }
  };
}

/**
 * WhatsApp on the official Business Platform (Cloud API), the `cloud` driver beside
 * whatsapp-web.js: customer messages arrive by webhook (see `cloudWebhook`), are translated by
 * `toInboundMessage` and handed to the runtime in chat order; the webhook is answered only once
 * every message and status in it is stored. Sending goes through `toCloudMessages` and the Graph
 * API (`graphApi`), resuming a half-sent message by `outboxId`; failures become the port's
 * ChannelSendError (`cloudSendError`). A rejected token puts the channel in `error` (so /health
 * is degraded, naming the driver) until a call succeeds again.
 */
import { setTimeout as delay } from "node:timers/promises";
import pino from "pino";
import type {
  ChannelAdapter,
  ChannelState,
  Choice,
  DeliveryStatusHandler,
  DeliveryStatusUpdate,
  InboundAttachment,
  InboundHandler,
  OutboundAttachment,
  OutboundMessage,
  SendResult,
} from "../../port.js";
import { ChannelSendError } from "../../port.js";
import { WhatsAppMediaError } from "../whatsAppMediaError.js";
import { DEFAULT_MAX_MEDIA_BYTES } from "../whatsAppOptions.js";
import {
  type CloudAdapterOptions,
  DEFAULT_GRAPH_URL,
  DEFAULT_GRAPH_VERSION,
  SERVICE_WINDOW_MS,
} from "./cloudOptions.js";
import { type CloudStatus, type CloudWebhook, messagesValue } from "./cloudSchemas.js";
import { isTemporaryCode, toCloudSendError } from "./cloudSendError.js";
import {
  type CloudWebhookRequest,
  type CloudWebhookResponse,
  createCloudWebhookHandler,
  verifySubscription,
} from "./cloudWebhook.js";
import { createGraphApi } from "./graphApi.js";
import { GraphApiError, isTokenError } from "./graphApiError.js";
import { mediaPayload, toCloudMessages } from "./toCloudMessages.js";
import { chatIdOf, recipientOf, toInboundMessage } from "./toInboundMessage.js";

export type { CloudAdapterOptions } from "./cloudOptions.js";

/** The Cloud API channel: a port adapter plus its two webhook endpoints. */
export interface WhatsAppCloudAdapter extends ChannelAdapter {
  readonly driverName: "cloud";
  /** POST /whatsapp/webhook. */
  webhookHandler(): (request: CloudWebhookRequest) => Promise<CloudWebhookResponse>;
  /** GET /whatsapp/webhook (Meta's subscription check). */
  verificationHandler(): (request: CloudWebhookRequest) => Promise<CloudWebhookResponse>;
}

const LIST_BUTTON = { it: "Scegli", en: "Choose" } as const;
const MEMORY_LIMIT = 5_000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MEMORY_LIMIT) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

/** Creates the Cloud API channel (see the module comment). */
export function createWhatsAppCloudAdapter(options: CloudAdapterOptions): WhatsAppCloudAdapter {
  const log = options.logger ?? pino({ name: "whatsapp-cloud" });
  const baseUrl = options.baseUrl ?? DEFAULT_GRAPH_URL;
  const api = createGraphApi({
    baseUrl,
    version: options.graphVersion ?? DEFAULT_GRAPH_VERSION,
    phoneNumberId: options.phoneNumberId,
    accessToken: options.accessToken,
  });
  const maxMediaBytes = options.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  const maxInlineWaitMs = options.maxInlineWaitMs ?? 5_000;
  const idle: ChannelState = {
    status: "connected",
    detail: `phone number id ${options.phoneNumberId} via the Cloud API (driver cloud, webhook)`,
  };
  let state: ChannelState = { status: "off", hint: "WhatsApp Cloud API driver not started" };
  let running = false;
  let onMessage: InboundHandler | undefined;
  let onStatus: DeliveryStatusHandler | undefined;
  const chatQueues = new Map<string, Promise<void>>();
  const lastChoices = new Map<string, readonly Choice[]>();
  const sentParts = new Map<string, { parts: number; ids: string[] }>();

  const tokenRejected = (error: unknown) => {
    state = {
      status: "error",
      error: `WhatsApp Cloud API (driver cloud): Meta rejected the access token (${error instanceof Error ? error.message : String(error)}); create a new permanent token and set WHATSAPP_ACCESS_TOKEN`,
    };
    log.error({ err: error }, state.error);
  };
  let connected: ChannelState = idle;
  const succeeded = () => {
    if (running && state.status === "error") state = connected;
  };

  /** Runs `task` after every earlier task of the same chat, so one customer's messages stay in order. */
  const inChatOrder = (chatId: string, task: () => Promise<void>): Promise<void> => {
    const next = (chatQueues.get(chatId) ?? Promise.resolve()).then(task);
    const tail = next.catch(() => undefined);
    chatQueues.set(chatId, tail);
    void tail.then(() => {
      if (chatQueues.get(chatId) === tail) chatQueues.delete(chatId);
    });
    return next;
  };

  const download = async (mediaId: string, attachment: InboundAttachment): Promise<Uint8Array> => {
    const tooLarge = (size: number) =>
      new WhatsAppMediaError(
        "media-too-large",
        `WhatsApp media ${mediaId} is ${size} bytes, over the ${maxMediaBytes}-byte limit`,
        { size, maxBytes: maxMediaBytes },
      );
    try {
      const info = await api.mediaInfo(mediaId);
      if (info.size !== undefined && info.size > maxMediaBytes) throw tooLarge(info.size);
      const { bytes, tooLarge: over } = await api.download(info.url, maxMediaBytes);
      if (over !== undefined) throw tooLarge(over);
      attachment.mime ??= info.mime?.split(";")[0]?.trim();
      attachment.size ??= bytes.byteLength;
      succeeded();
      return bytes;
    } catch (error) {
      if (error instanceof WhatsAppMediaError) throw error;
      if (isTokenError(error)) tokenRejected(error);
      throw new WhatsAppMediaError("media-unavailable", `WhatsApp media ${mediaId}: ${String(error)}`, {
        cause: error,
      });
    }
  };

  const toStatus = (status: CloudStatus): DeliveryStatusUpdate | undefined => {
    if (!["sent", "delivered", "read", "failed"].includes(status.status)) return undefined;
    const first = status.errors?.[0];
    return {
      channel: "whatsapp",
      chatId: chatIdOf(status.recipient_id),
      platformMessageId: status.id,
      status: status.status as DeliveryStatusUpdate["status"],
      at: new Date(Number(status.timestamp) * 1000),
      ...(status.status === "failed"
        ? {
            error: {
              code: String(first?.code ?? "unknown"),
              message:
                [first?.title, first?.message, first?.error_data?.details]
                  .filter((part, index, all) => part && all.indexOf(part) === index)
                  .join(": ") || "failed",
              // Only a known passing trouble is worth sending again; anything else reaches staff.
              permanent: first ? !isTemporaryCode(first.code) : true,
            },
          }
        : {}),
    };
  };

  const handle = async (body: CloudWebhook): Promise<void> => {
    const handler = onMessage;
    if (!handler) throw new Error("whatsapp cloud adapter received an update before start()");
    const work: Promise<void>[] = [];
    for (const entry of body.entry) {
      for (const change of entry.changes) {
        const value = messagesValue(change);
        if (!value) continue;
        if (value.metadata.phone_number_id !== options.phoneNumberId) {
          log.warn(
            { phoneNumberId: value.metadata.phone_number_id },
            "whatsapp: update for another phone number ignored",
          );
          continue;
        }
        const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name]));
        for (const message of value.messages ?? []) {
          const profileName = names.get(message.from);
          const inbound = toInboundMessage(message, {
            ...(profileName ? { profileName } : {}),
            lastChoices,
            download,
          });
          if (!inbound) {
            log.debug(
              { id: message.id, type: message.type },
              "whatsapp: ignored a reaction or system message",
            );
            continue;
          }
          work.push(
            inChatOrder(inbound.chatId, async () => {
              await handler(inbound);
              if (options.readReceipts)
                await api
                  .markRead(message.id)
                  .catch((error: unknown) => log.debug({ err: error }, "whatsapp: read receipt failed"));
            }),
          );
        }
        for (const status of value.statuses ?? []) {
          const update = toStatus(status);
          if (update && onStatus) work.push(onStatus(update));
        }
      }
    }
    // Every item is tried; the webhook fails (and Meta redelivers) if any was not stored.
    const results = await Promise.allSettled(work);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };

  /** Sends one payload; a rate limit with a short advised wait is waited out here, once. */
  const sendWithShortWaits = async (payload: Record<string, unknown>): Promise<string> => {
    try {
      return await api.sendMessage(payload);
    } catch (error) {
      const wait = error instanceof GraphApiError ? error.retryAfterMs : undefined;
      if (
        wait === undefined ||
        wait > maxInlineWaitMs ||
        toCloudSendError(error).code !== "whatsapp.rate_limited"
      )
        throw error;
      log.warn({ waitMs: wait }, "whatsapp: rate limited by the Cloud API; waiting as advised");
      await delay(wait);
      return api.sendMessage(payload);
    }
  };

  const fileBytes = async (attachment: OutboundAttachment): Promise<{ bytes: Uint8Array; mime: string }> => {
    let bytes = attachment.data;
    let mime = attachment.mime;
    if (!bytes && attachment.url) {
      const response = await fetch(attachment.url).catch((error: unknown) => {
        throw new ChannelSendError(
          "whatsapp-attachment-unavailable",
          `could not download ${attachment.name}: ${String(error)}`,
        );
      });
      if (!response.ok)
        throw new ChannelSendError(
          "whatsapp-attachment-unavailable",
          `could not download ${attachment.name}: HTTP ${response.status}`,
          {
            permanent: response.status >= 400 && response.status < 500,
          },
        );
      bytes = new Uint8Array(await response.arrayBuffer());
      mime ??= response.headers.get("content-type")?.split(";")[0]?.trim() || undefined;
    }
    if (!bytes)
      throw new ChannelSendError(
        "whatsapp-attachment-empty",
        `attachment ${attachment.name} has neither data nor url`,
        {
          permanent: true,
        },
      );
    return { bytes, mime: mime ?? "application/octet-stream" };
  };

  const adapter: WhatsAppCloudAdapter = {
    name: "whatsapp",
    driverName: "cloud",
    serviceWindowMs: SERVICE_WINDOW_MS,
    reportsDeliveryStatus: true,

    async start(handler, statusHandler) {
      onMessage = handler;
      onStatus = statusHandler;
      running = true;
      connected = idle;
      state = connected;
      // The token is checked now, not at the first customer message: a revoked one shows in /health.
      await api.phoneNumber().then(
        (display) => {
          if (!display || !running) return;
          connected = { status: "connected", detail: `${display} via the Cloud API (driver cloud, webhook)` };
          state = connected;
        },
        (error: unknown) => {
          if (isTokenError(error)) tokenRejected(error);
          else
            log.warn(
              { err: error },
              "whatsapp: could not check the Cloud API token at start; messages are still received",
            );
        },
      );
      log.info(
        { phoneNumberId: options.phoneNumberId, baseUrl },
        "whatsapp: Cloud API driver ready; messages arrive at /whatsapp/webhook",
      );
    },

    async stop() {
      running = false;
      await Promise.all(chatQueues.values());
      onMessage = undefined;
      onStatus = undefined;
      state = { status: "off", hint: "WhatsApp Cloud API driver stopped" };
    },

    state() {
      return state;
    },

    async send(message: OutboundMessage): Promise<SendResult> {
      const to = recipientOf(message.chatId);
      if (!to)
        throw new ChannelSendError(
          "whatsapp-bad-chat-id",
          `"${message.chatId}" cannot be reached through the Cloud API (a phone chat <digits>@c.us is needed)`,
          { permanent: true },
        );
      const parts = toCloudMessages(message, to, { listButton: LIST_BUTTON[message.language ?? "it"] });
      const key = message.outboxId;
      const progress = (key !== undefined ? sentParts.get(key) : undefined) ?? { parts: 0, ids: [] };
      for (let index = progress.parts; index < parts.length; index++) {
        const part = parts[index]!;
        try {
          let payload: Record<string, unknown>;
          if ("payload" in part) payload = part.payload;
          else {
            const { bytes, mime } = await fileBytes(part.upload);
            const mediaId = await api.uploadMedia(bytes, mime, part.upload.name);
            payload = mediaPayload(to, part.type, mediaId, part.upload);
          }
          progress.ids.push(await sendWithShortWaits(payload));
          progress.parts = index + 1;
          if (key !== undefined) remember(sentParts, key, progress);
          succeeded();
        } catch (error) {
          if (isTokenError(error)) tokenRejected(error);
          throw toCloudSendError(error);
        }
      }
      // Whole: a later send of the same row (WhatsApp reported it failed) sends it all again.
      if (key !== undefined) sentParts.delete(key);
      // A template carries its choices numbered in its text: a typed "2" answers it too.
      if (message.choices && message.choices.length > 0)
        remember(lastChoices, message.chatId, message.choices);
      else lastChoices.delete(message.chatId);
      const last = progress.ids.at(-1);
      return last !== undefined ? { platformMessageId: last, platformMessageIds: [...progress.ids] } : {};
    },

    webhookHandler() {
      return createCloudWebhookHandler({
        appSecret: options.appSecret,
        verifyToken: options.verifyToken,
        ready: () => running && onMessage !== undefined,
        handle,
        warn: (details, text) => log.warn(details, text),
        error: (details, text) => log.error(details, text),
      });
    },

    verificationHandler() {
      return async (request) => verifySubscription(request.query, options.verifyToken);
    },
  };
  return adapter;
}

export { GraphApiError };

/**
 * The web chat channel: customers on `/` (or in the embedded widget) write through HTTP, and
 * receive messages over Server-Sent Events. The adapter only translates HTTP ↔ port; the HTTP
 * routes live in `src/server/chatRoutes.ts` and call {@link WebChannel.receive} and
 * {@link WebChannel.subscribe}.
 *
 * Identity: the browser keeps a random secret session token (localStorage, so it also works
 * inside a third-party iframe where cookies are blocked); the chat id is derived from it by
 * hashing, so the chat id the staff sees never lets anyone read that customer's stream.
 *
 * The contract (options, events, errors) is in `webChannelContract`, the per-chat events and
 * streams in `webChatBacklog`, stored files in `uploadStore`.
 */
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import type {
  ChannelState,
  InboundAttachment,
  InboundHandler,
  OutboundMessage,
  SendResult,
} from "../port.js";
import { ChannelSendError } from "../port.js";
import { createUploadStore, DEFAULT_UPLOAD_LIMITS, UploadError } from "./uploadStore.js";
import {
  type WebChannel,
  WebChannelError,
  type WebChannelOptions,
  type WebChatEvent,
  webEventId,
} from "./webChannelContract.js";
import { WebChatBacklog } from "./webChatBacklog.js";

export { attachmentKindOf } from "../attachmentKind.js";
export {
  DEFAULT_UPLOAD_LIMITS,
  type StoredUpload,
  sanitizeFileName,
  type UploadLimits,
} from "./uploadStore.js";
export {
  type WebChannel,
  WebChannelError,
  type WebChannelOptions,
  type WebChatEvent,
  type WebFanout,
  type WebHistoryLine,
  type WebInbound,
  webEventId,
} from "./webChannelContract.js";

/** Pending uploads older than this are deleted (their request died mid-way). */
const ABANDONED_UPLOAD_MS = 60 * 60 * 1000;

const TOKEN_RE = /^[A-Za-z0-9_-]{22,128}$/;

/** Creates the web channel (name `web`). */
export function createWebChannel(options: WebChannelOptions): WebChannel {
  const now = options.now ?? (() => new Date());
  const limits = options.uploadLimits ?? DEFAULT_UPLOAD_LIMITS;
  const uploadDir = path.join(options.dataDir, "uploads");
  let handler: InboundHandler | null = null;
  let state: ChannelState = { status: "off", hint: "web channel not started" };
  const chats = new WebChatBacklog(options.backlogSize ?? 100, options.maxChats ?? 2000);
  /** Events that came from another instance (not this process's own accepted messages). */
  const remote = new WeakSet<WebChatEvent>();
  let unsubscribeFanout: (() => void) | null = null;

  function publish(chatId: string, event: Omit<WebChatEvent, "id">): WebChatEvent {
    // A line with neither an outbox row nor a client id (sent directly) gets a one-off id.
    const id =
      event.outboxId || event.clientId
        ? webEventId({ ...event, outboxId: event.outboxId, clientId: event.clientId })
        : `x-${randomBytes(8).toString("hex")}`;
    const full = chats.show(chatId, { id, ...event });
    options.fanout?.publish(chatId, full).catch(() => {
      // The other instances miss it live; their streams get it from the history on reload.
    });
    return full;
  }

  function chatIdFor(token: string): string {
    if (!TOKEN_RE.test(token)) throw new WebChannelError("bad-token", 400, "Missing or malformed chat token");
    return `w${createHash("sha256").update(token).digest("hex").slice(0, 24)}`;
  }

  function uploadUrl(id: string, name: string): string {
    return `/chat/files/${id}/${encodeURIComponent(name)}`;
  }

  const uploads = createUploadStore({ dir: uploadDir, limits, now });
  let sweeper: NodeJS.Timeout | null = null;
  const readUpload = (id: string) => uploads.read(id);

  const channel: WebChannel = {
    name: "web",
    uploadLimits: limits,
    chatIdFor,

    async start(onMessage) {
      handler = onMessage;
      unsubscribeFanout ??=
        options.fanout?.subscribe((chatId, event) => {
          // Only chats this process holds: the others load their history when first streamed.
          if (!chats.has(chatId)) return;
          const shown = chats.show(chatId, event);
          if (shown === event) remote.add(event);
        }) ?? null;
      // Creates the folder, loads the quota counters and removes uploads a crash left behind.
      await uploads.sweep(ABANDONED_UPLOAD_MS);
      sweeper = setInterval(
        () => void uploads.sweep(ABANDONED_UPLOAD_MS).catch(() => undefined),
        ABANDONED_UPLOAD_MS,
      );
      sweeper.unref();
      state = { status: "connected", detail: "web chat on /" };
    },

    async stop() {
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
      handler = null;
      unsubscribeFanout?.();
      unsubscribeFanout = null;
      state = { status: "off", hint: "web channel stopped" };
    },

    state: () => state,

    async send(message: OutboundMessage): Promise<SendResult> {
      if (message.channel !== "web") {
        throw new ChannelSendError("wrong-channel", `web channel asked to send to ${message.channel}`, {
          permanent: true,
        });
      }
      // Replaying the same outbox row (a retry after a crash) must not show the message twice.
      if (message.outboxId) {
        const existing = chats.peek(message.chatId)?.backlog.find((e) => e.outboxId === message.outboxId);
        if (existing) return { platformMessageId: existing.id };
      }
      const attachments: WebChatEvent["attachments"] = [];
      for (const a of message.attachments ?? []) {
        if (a.data) {
          const mime = a.mime ?? "application/octet-stream";
          const stored = await uploads.put(message.chatId, {
            name: a.name,
            mime,
            kind: a.kind,
            data: a.data,
          });
          attachments.push({ kind: a.kind, name: stored.name, mime, url: uploadUrl(stored.id, stored.name) });
        } else if (a.url && /^https?:\/\//.test(a.url)) {
          attachments.push({ kind: a.kind, name: a.name, mime: a.mime, url: a.url });
        }
      }
      const event = publish(message.chatId, {
        direction: "out",
        text: message.text,
        at: now().toISOString(),
        ...(message.choices?.length ? { choices: message.choices } : {}),
        ...(attachments.length ? { attachments } : {}),
        ...(message.outboxId ? { outboxId: message.outboxId } : {}),
      });
      return { platformMessageId: event.id };
    },

    async receive(input) {
      if (!handler) throw new WebChannelError("not-ready", 503, "The chat is not running");
      const chatId = chatIdFor(input.token);
      if (!/^[A-Za-z0-9-]{8,64}$/.test(input.clientId)) {
        throw new WebChannelError("bad-message-id", 400, "Missing or malformed message id");
      }
      const text = input.text.trim();
      const uploads = input.uploads ?? [];
      if (!text && !input.choice && uploads.length === 0) {
        throw new WebChannelError("empty-message", 400, "Empty message");
      }
      if (text.length > 4000) throw new WebChannelError("text-too-long", 413, "Message too long");
      const entry = chats.chat(chatId);
      if (
        entry.backlog.some((e) => e.direction === "in" && e.clientId === input.clientId && !remote.has(e))
      ) {
        return { duplicate: true };
      }
      const at = now();
      const attachments: InboundAttachment[] = uploads.map((u) => ({
        kind: u.kind,
        mime: u.mime,
        name: u.name,
        size: u.size,
        ref: `web-upload:${u.id}`,
        fetch: async () => {
          const stored = await readUpload(u.id);
          if (!stored) throw new WebChannelError("upload-missing", 404, `Upload ${u.id} is gone`);
          return stored.bytes;
        },
      }));
      // Published before the runtime runs, so the customer's line precedes the bot's answers on
      // replay, and a concurrent double submit already finds it above.
      const event = publish(chatId, {
        direction: "in",
        text,
        at: at.toISOString(),
        clientId: input.clientId,
        ...(uploads.length
          ? {
              attachments: uploads.map((u) => ({
                kind: u.kind,
                name: u.name,
                mime: u.mime,
                url: uploadUrl(u.id, u.name),
              })),
            }
          : {}),
      });
      try {
        // Scoped by chat so one browser can never collide with (and de-duplicate away) another's message.
        await handler({
          channel: "web",
          chatId,
          senderId: chatId,
          platformMessageId: `${chatId}:${input.clientId}`,
          at,
          text,
          attachments,
          ...(input.choice ? { choice: input.choice } : {}),
          ...(input.languageHint ? { languageHint: input.languageHint } : {}),
        });
      } catch (error) {
        // Not accepted: forget it so the customer's retry with the same id is not taken for a duplicate.
        const index = entry.backlog.indexOf(event);
        if (index >= 0) entry.backlog.splice(index, 1);
        if (error instanceof WebChannelError) throw error;
        // The runtime could not store it (database full, gone…): the page keeps the text and
        // the customer sends it again; nothing was acknowledged, so nothing is lost.
        throw new WebChannelError(
          "unavailable",
          503,
          "The message could not be stored right now; please send it again in a moment",
        );
      }
      return { duplicate: false };
    },

    restore: (chatId) => chats.restore(chatId, options.history),
    subscribe: (chatId, listener, lastEventId) => chats.subscribe(chatId, listener, lastEventId),

    async saveUpload(chatId, file) {
      try {
        return await uploads.save(chatId, file);
      } catch (error) {
        if (error instanceof UploadError) throw new WebChannelError(error.code, error.status, error.message);
        throw error;
      }
    },

    keepUploads: (ids) => uploads.keep(ids),
    discardUploads: (ids) => uploads.discard(ids),

    readUpload,
  };
  return channel;
}

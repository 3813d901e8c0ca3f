/**
 * The web chat channel: customers on `/` (or in the embedded widget) write through HTTP, and
 * receive messages over Server-Sent Events. The adapter only translates HTTP ↔ port; the HTTP
 * routes live in `src/server/chatRoutes.ts` and call {@link WebChannel.receive} and
 * {@link WebChannel.subscribe}.
 *
 * Identity: the browser keeps a random secret session token (localStorage, so it also works
 * inside a third-party iframe where cookies are blocked); the chat id is derived from it by
 * hashing, so the chat id the staff sees never lets anyone read that customer's stream.
 */
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import type {
  AttachmentKind,
  ChannelAdapter,
  ChannelState,
  Choice,
  InboundAttachment,
  InboundHandler,
  OutboundMessage,
  SendResult,
} from "../port.js";
import { ChannelSendError } from "../port.js";
import {
  createUploadStore,
  DEFAULT_UPLOAD_LIMITS,
  type StoredUpload,
  UploadError,
  type UploadLimits,
} from "./uploadStore.js";

export { attachmentKindOf } from "../attachmentKind.js";
export {
  DEFAULT_UPLOAD_LIMITS,
  type StoredUpload,
  sanitizeFileName,
  type UploadLimits,
} from "./uploadStore.js";

/** Pending uploads older than this are deleted (their request died mid-way). */
const ABANDONED_UPLOAD_MS = 60 * 60 * 1000;

/** One entry of a chat as the browser shows it. */
export interface WebChatEvent {
  /**
   * The SSE event id (Last-Event-ID on reconnect), stable across restarts and instances:
   * `o-<outbox row>` for outbound, `i-<client message id>` for inbound messages, so a page or
   * stream replaying after a restart or from another instance never shows a line twice.
   */
  id: string;
  direction: "in" | "out";
  text: string;
  at: string;
  choices?: Choice[];
  attachments?: { kind: AttachmentKind; name: string; mime?: string; url: string }[];
  /** Client message id of an inbound message, so the sender's own tab can drop its optimistic copy. */
  clientId?: string;
  /** Outbox row of an outbound message; a redelivery of the same row is not shown twice. */
  outboxId?: string;
}

/** What the HTTP layer hands over for one customer message. */
export interface WebInbound {
  token: string;
  /** Client-generated UUID; a double submit carries the same id and is dropped. */
  clientId: string;
  text: string;
  choice?: string;
  languageHint?: string;
  uploads?: StoredUpload[];
}

/** Error with a stable code and the HTTP status the routes should answer with. */
export class WebChannelError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = "WebChannelError";
    this.code = code;
    this.status = status;
  }
}

export interface WebChannelOptions {
  /** Uploads go to `<dataDir>/uploads/`. */
  dataDir: string;
  /** Events kept per chat for reconnects and page reloads. */
  backlogSize?: number;
  /** Chats whose backlog is kept in memory (least recently used are dropped). */
  maxChats?: number;
  uploadLimits?: UploadLimits;
  now?: () => Date;
  /**
   * The chat's stored transcript (the runtime's messages), newest last. Used once per chat and
   * process, so a page reloaded after a restart still shows the conversation.
   */
  history?: (chatId: string) => Promise<WebHistoryLine[]>;
  /**
   * Shares chat events with the other instances of a deployment (several processes behind a
   * load balancer): whatever one instance sends or receives reaches streams held by another.
   */
  fanout?: WebFanout;
}

/** The channel's link to the other instances (LISTEN/NOTIFY on PostgreSQL). */
export interface WebFanout {
  publish(chatId: string, event: WebChatEvent): Promise<void>;
  /** Calls `handler` with every event any instance published (this one's included). */
  subscribe(handler: (chatId: string, event: WebChatEvent) => void): () => void;
}

/** One stored line of a chat, for {@link WebChannelOptions.history}. */
export interface WebHistoryLine {
  direction: "in" | "out";
  text: string;
  at: Date | string;
  choices?: Choice[];
  /** Outbound: the outbox row (gives the line the same id it had when it was sent). */
  outboxId?: string;
  /** Inbound: the browser's message id. */
  clientId?: string;
}

/** The stable event id of a chat line (see {@link WebChatEvent.id}). */
export function webEventId(line: {
  direction: "in" | "out";
  outboxId?: string | undefined;
  clientId?: string | undefined;
  text: string;
  at: string;
}): string {
  if (line.direction === "out" && line.outboxId) return `o-${line.outboxId}`;
  if (line.direction === "in" && line.clientId) return `i-${line.clientId}`;
  return `h-${createHash("sha256").update(`${line.direction}|${line.at}|${line.text}`).digest("hex").slice(0, 20)}`;
}

/** The web channel adapter plus what the chat routes need. */
export interface WebChannel extends ChannelAdapter {
  readonly name: "web";
  readonly uploadLimits: UploadLimits;
  /** The chat id that belongs to a session token; throws `bad-token` for malformed tokens. */
  chatIdFor(token: string): string;
  /** Passes a customer message to the runtime; resolves when the runtime accepted it. */
  receive(input: WebInbound): Promise<{ duplicate: boolean }>;
  /**
   * Streams a chat's events: first the backlog after `lastEventId` (all of it when absent or
   * from an earlier process), then live ones. Returns the unsubscribe function.
   */
  subscribe(chatId: string, listener: (event: WebChatEvent) => void, lastEventId?: string): () => void;
  /** Loads the chat's stored history into the backlog if this process has not seen the chat yet. */
  restore(chatId: string): Promise<void>;
  /**
   * Stores an upload streamed from the request (type from its content, size and quotas
   * checked); throws 413/415 {@link WebChannelError}s. It stays pending until
   * {@link WebChannel.keepUploads} (message accepted) or {@link WebChannel.discardUploads}.
   */
  saveUpload(
    chatId: string,
    file: { name: string; mime: string; stream: NodeJS.ReadableStream; truncated?: () => boolean },
  ): Promise<StoredUpload>;
  keepUploads(ids: string[]): Promise<void>;
  /** Deletes uploads of a message that was refused (or was a duplicate). */
  discardUploads(ids: string[]): Promise<void>;
  /** Reads a stored upload; null when unknown. */
  readUpload(id: string): Promise<{ meta: StoredUpload; bytes: Uint8Array } | null>;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{22,128}$/;

/** Creates the web channel (name `web`). */
export function createWebChannel(options: WebChannelOptions): WebChannel {
  const now = options.now ?? (() => new Date());
  const limits = options.uploadLimits ?? DEFAULT_UPLOAD_LIMITS;
  const backlogSize = options.backlogSize ?? 100;
  const maxChats = options.maxChats ?? 2000;
  const uploadDir = path.join(options.dataDir, "uploads");
  let handler: InboundHandler | null = null;
  let state: ChannelState = { status: "off", hint: "web channel not started" };
  /** Map order doubles as LRU order: touched chats are re-inserted at the end. */
  const chats = new Map<
    string,
    { backlog: WebChatEvent[]; listeners: Set<(e: WebChatEvent) => void>; restored: boolean }
  >();
  /** Events that came from another instance (not this process's own accepted messages). */
  const remote = new WeakSet<WebChatEvent>();
  let unsubscribeFanout: (() => void) | null = null;

  function chat(chatId: string) {
    let entry = chats.get(chatId);
    if (entry) {
      chats.delete(chatId);
    } else {
      entry = { backlog: [], listeners: new Set(), restored: false };
    }
    chats.set(chatId, entry);
    while (chats.size > maxChats) {
      const oldest = [...chats.entries()].find(([, c]) => c.listeners.size === 0);
      if (!oldest) break;
      chats.delete(oldest[0]);
    }
    return entry;
  }

  /** Adds an event to a chat's backlog and live streams, once per id. */
  function show(chatId: string, full: WebChatEvent): WebChatEvent {
    const entry = chat(chatId);
    const existing = entry.backlog.find((e) => e.id === full.id);
    if (existing) return existing;
    entry.backlog.push(full);
    if (entry.backlog.length > backlogSize) entry.backlog.splice(0, entry.backlog.length - backlogSize);
    for (const listener of entry.listeners) listener(full);
    return full;
  }

  function publish(chatId: string, event: Omit<WebChatEvent, "id">): WebChatEvent {
    // A line with neither an outbox row nor a client id (sent directly) gets a one-off id.
    const id =
      event.outboxId || event.clientId
        ? webEventId({ ...event, outboxId: event.outboxId, clientId: event.clientId })
        : `x-${randomBytes(8).toString("hex")}`;
    const full = show(chatId, { id, ...event });
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
          const shown = show(chatId, event);
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
        const existing = chats.get(message.chatId)?.backlog.find((e) => e.outboxId === message.outboxId);
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
      const entry = chat(chatId);
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

    async restore(chatId) {
      const entry = chat(chatId);
      // Once per chat and process: later lines reach the backlog as they are sent or received.
      if (entry.restored || !options.history) return;
      entry.restored = true;
      const lines = (await options.history(chatId)).slice(-backlogSize);
      // Lines are merged by their stable ids: what this process already holds is not added twice.
      const held = new Set(entry.backlog.map((e) => e.id));
      const stored: WebChatEvent[] = [];
      for (const line of lines) {
        const at = new Date(line.at).toISOString();
        const event: WebChatEvent = {
          id: webEventId({ ...line, at }),
          direction: line.direction,
          text: line.text,
          at,
          ...(line.choices?.length ? { choices: line.choices } : {}),
          ...(line.clientId ? { clientId: line.clientId } : {}),
          ...(line.outboxId ? { outboxId: line.outboxId } : {}),
        };
        if (!held.has(event.id)) stored.push(event);
      }
      entry.backlog.unshift(...stored);
      if (entry.backlog.length > backlogSize) entry.backlog.splice(0, entry.backlog.length - backlogSize);
    },

    subscribe(chatId, listener, lastEventId) {
      const entry = chat(chatId);
      let replay = entry.backlog;
      // Ids are stable: resume after the last one the browser had; an id this process does not
      // hold (evicted, or from long ago) replays the backlog, and the page drops what it shows.
      const index = lastEventId ? entry.backlog.findIndex((e) => e.id === lastEventId) : -1;
      if (index >= 0) replay = entry.backlog.slice(index + 1);
      for (const event of replay) listener(event);
      entry.listeners.add(listener);
      return () => {
        entry.listeners.delete(listener);
      };
    },

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

/**
 * The web chat channel's contract: its options, the chat events the browser sees, what the HTTP
 * routes hand over, and the errors they answer with.
 */
import { createHash } from "node:crypto";
import { CodedError } from "../../errors.js";
import type { AttachmentKind, ChannelAdapter, Choice } from "../port.js";
import type { UploadLimits } from "./uploadLimits.js";
import type { StoredUpload, UploadErrorCode } from "./uploadStore.js";

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

/** Codes of {@link WebChannelError} (an upload's own refusals pass through with their code). */
export type WebChannelErrorCode =
  | "bad-multipart"
  | "bad-token"
  | "not-ready"
  | "bad-message-id"
  | "empty-message"
  | "text-too-long"
  | "upload-missing"
  | "unavailable"
  | UploadErrorCode;

/** Error with a stable code and the HTTP status the routes should answer with. */
export class WebChannelError extends CodedError<WebChannelErrorCode> {
  readonly status: number;
  constructor(code: WebChannelErrorCode, status: number, message: string) {
    super(code, message);
    this.status = status;
  }
}

/** Settings of `createWebChannel`. */
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

/**
 * WhatsApp customer channel on whatsapp-web.js (WhatsApp Web driven through a headless system
 * Chromium). The adapter only translates WhatsApp ↔ the channel port; de-duplication of
 * redelivered messages is the runtime's job (keyed on `platformMessageId`), so translation is a
 * pure function of the message and the same message always yields the same InboundMessage.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pino from "pino";
import qrcodeTerminal from "qrcode-terminal";
import wweb from "whatsapp-web.js";
import {
  type AttachmentKind,
  type ChannelAdapter,
  ChannelSendError,
  type ChannelState,
  type Choice,
  type InboundAttachment,
  type InboundHandler,
  type InboundMessage,
  type OutboundAttachment,
  type OutboundMessage,
  type SendResult,
} from "../port.js";
import { matchChoice, renderNumberedChoices } from "./matchChoice.js";
import { DEFAULT_RECONNECT_BACKOFF, type ReconnectBackoff, reconnectDelay } from "./reconnectDelay.js";
import { splitMessageText } from "./splitMessageText.js";
import type {
  WhatsAppClientLike,
  WhatsAppMediaLike,
  WhatsAppMessageLike,
  WhatsAppSendOptions,
} from "./whatsAppClientLike.js";
import { WhatsAppConfigError } from "./whatsAppConfigError.js";
import { WhatsAppMediaError } from "./whatsAppMediaError.js";
import { LID_SERVER, PHONE_SERVER, pairingDigits, toE164, whatsAppServer } from "./whatsAppPhone.js";

const { Client, LocalAuth, MessageMedia } = wweb;

/** Chromium used when `CHROME_PATH` is not set (Debian/Ubuntu `chromium` package). */
export const DEFAULT_CHROME_PATH = "/usr/bin/chromium";
/** Default cap on inbound media the adapter will download (WhatsApp itself allows up to 2 GB documents). */
export const DEFAULT_MAX_MEDIA_BYTES = 16 * 1024 * 1024;
/** How long to let whatsapp-web.js show a fresh QR on its own after a LOGOUT before relaunching. */
export const DEFAULT_LOGOUT_GRACE_MS = 60_000;
/** Folder under the data folder where LocalAuth keeps the linked-device session. */
export const SESSION_FOLDER = "whatsapp-session";
/** Folder under the data folder where the WhatsApp Web build is cached (default would be the cwd). */
export const WEB_CACHE_FOLDER = "whatsapp-web-cache";

/** pino-compatible logger subset. */
export interface WhatsAppLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options for {@link createWhatsAppAdapter}. */
export interface WhatsAppAdapterOptions {
  /** Data folder; the session lives in `<dataDir>/whatsapp-session` (LocalAuth). */
  dataDir: string;
  /** System Chromium (`CHROME_PATH`), default {@link DEFAULT_CHROME_PATH}. */
  chromePath?: string;
  /** Link by pairing code for this phone (any international format) instead of the QR. */
  pairWithPhone?: string;
  /** Largest inbound media `fetch()` will download, default {@link DEFAULT_MAX_MEDIA_BYTES}. */
  maxMediaBytes?: number;
  logger?: WhatsAppLogger;
  /** Builds the client; tests pass a fake. Default: the real whatsapp-web.js `Client`. */
  clientFactory?: (options: wweb.ClientOptions) => WhatsAppClientLike;
  /** Shows a QR to the operator; default prints it small in the terminal. */
  printQr?: (qr: string) => void;
  /** Waits before a reconnect attempt; must settle early when `signal` aborts. Injected by tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
  backoff?: Partial<ReconnectBackoff>;
  /** See {@link DEFAULT_LOGOUT_GRACE_MS}. */
  logoutGraceMs?: number;
  /** Overrides root detection for `--no-sandbox` (default: `process.getuid() === 0`). */
  runningAsRoot?: boolean;
}

/**
 * whatsapp-web.js `Client` options for our settings: LocalAuth under the data folder, system
 * Chromium headless, `--no-sandbox` only when running as root (Chromium refuses to start as root
 * with its sandbox), pairing by phone number when asked. Builds a fresh LocalAuth each call
 * because an auth strategy binds to exactly one Client.
 */
export function buildClientOptions(options: WhatsAppAdapterOptions): wweb.ClientOptions {
  const root = options.runningAsRoot ?? process.getuid?.() === 0;
  const args = [
    ...(root ? ["--no-sandbox", "--disable-setuid-sandbox"] : []),
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
  ];
  const clientOptions: wweb.ClientOptions = {
    authStrategy: new LocalAuth({ dataPath: path.resolve(options.dataDir, SESSION_FOLDER) }),
    puppeteer: {
      executablePath: options.chromePath ?? DEFAULT_CHROME_PATH,
      headless: true,
      args,
    },
    webVersionCache: { type: "local", path: path.resolve(options.dataDir, WEB_CACHE_FOLDER) },
  };
  if (options.pairWithPhone !== undefined) {
    const digits = pairingDigits(options.pairWithPhone);
    if (!digits) {
      throw new WhatsAppConfigError(
        "whatsapp-bad-pairing-phone",
        `WHATSAPP_PAIR_PHONE "${options.pairWithPhone}" is not a phone number in international format (e.g. +393331234567)`,
      );
    }
    clientOptions.pairWithPhoneNumber = { phoneNumber: digits, showNotification: true };
  }
  return clientOptions;
}

/** Renders a QR string as small terminal art (also usable by a status command). */
export function renderTerminalQr(qr: string): Promise<string> {
  return new Promise((resolve) => qrcodeTerminal.generate(qr, { small: true }, resolve));
}

/** Message types carrying a downloadable file, and what they are on the port. */
const MEDIA_KINDS: Readonly<Record<string, AttachmentKind>> = {
  image: "image",
  video: "video",
  document: "document",
  ptt: "voice",
  audio: "audio",
  sticker: "sticker",
};

/** Raw-model fields whatsapp-web.js exposes through `Message.rawData`. */
interface RawMessageData {
  size?: unknown;
  mimetype?: unknown;
  filename?: unknown;
  caption?: unknown;
  notifyName?: unknown;
}

/** Keeps the "last choices per chat" and "parts already sent per outbox row" maps bounded. */
const MEMORY_LIMIT = 5_000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MEMORY_LIMIT) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

function defaultPrintQr(qr: string): void {
  qrcodeTerminal.generate(qr, { small: true }, (art) => process.stdout.write(`${art}\n`));
}

/** Why WhatsApp dropped the session, in words an operator can act on. */
function explainDisconnect(reason: string): string {
  switch (reason) {
    case "LOGOUT":
      return "the linked device was logged out (removed from the phone's Linked devices, or WhatsApp ended the session)";
    case "CONFLICT":
      return "WhatsApp Web was opened with this session somewhere else";
    case "UNPAIRED":
    case "UNPAIRED_IDLE":
      return "the phone no longer recognises this linked device";
    case "TIMEOUT":
      return "the phone did not answer in time (offline or no battery?)";
    case "DEPRECATED_VERSION":
      return "WhatsApp rejected this WhatsApp Web version (update whatsapp-web.js)";
    case "PROXYBLOCK":
    case "SMB_TOS_BLOCK":
    case "TOS_BLOCK":
      return "WhatsApp blocked this connection (check the number is not banned)";
    default:
      return `WhatsApp Web reported state ${reason}`;
  }
}

class WhatsAppAdapter implements ChannelAdapter {
  readonly name = "whatsapp" as const;

  readonly #options: WhatsAppAdapterOptions;
  readonly #log: WhatsAppLogger;
  readonly #factory: (options: wweb.ClientOptions) => WhatsAppClientLike;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #backoff: ReconnectBackoff;
  readonly #maxMediaBytes: number;
  readonly #chromePath: string;

  #state: ChannelState = { status: "off", hint: "WhatsApp adapter not started" };
  #client: WhatsAppClientLike | undefined;
  /** Bumped for every client; events from an older client are ignored. */
  #generation = 0;
  #stopped = true;
  #onMessage: InboundHandler | undefined;
  #attempt = 0;
  #reconnect: AbortController | undefined;
  #lastQr: string | undefined;
  #pairingCode: string | undefined;
  /** Last choice list sent per chat: in memory only, see README "Choices". */
  readonly #lastChoices = new Map<string, readonly Choice[]>();
  /** Tail of the inbound delivery chain per chat. */
  readonly #chatQueues = new Map<string, Promise<void>>();
  /** Parts of a multi-part outbound already delivered, keyed by outboxId, so a retry resumes. */
  readonly #sentParts = new Map<string, { parts: number; lastId?: string }>();

  constructor(options: WhatsAppAdapterOptions) {
    // Validate settings now so a bad WHATSAPP_PAIR_PHONE fails at start-up, not on first launch.
    buildClientOptions(options);
    this.#options = options;
    this.#log = options.logger ?? pino({ name: "whatsapp" });
    this.#factory = options.clientFactory ?? ((clientOptions) => new Client(clientOptions));
    this.#sleep = options.sleep ?? defaultSleep;
    this.#backoff = { ...DEFAULT_RECONNECT_BACKOFF, ...options.backoff };
    this.#maxMediaBytes = options.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES;
    this.#chromePath = options.chromePath ?? DEFAULT_CHROME_PATH;
  }

  state(): ChannelState {
    return this.#state;
  }

  /** Launches WhatsApp Web and returns at once; progress (QR, connected, error) shows in `state()`. */
  async start(onMessage: InboundHandler): Promise<void> {
    this.#onMessage = onMessage;
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#attempt = 0;
    this.#launch();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelReconnect();
    this.#generation++;
    const client = this.#client;
    this.#client = undefined;
    await this.#destroyQuietly(client);
    this.#state = { status: "off", hint: "WhatsApp adapter stopped" };
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const server = whatsAppServer(message.chatId);
    if (server !== PHONE_SERVER && server !== LID_SERVER) {
      throw new ChannelSendError(
        "whatsapp-bad-chat-id",
        `"${message.chatId}" is not a WhatsApp private chat id (<digits>@c.us or <id>@lid)`,
        { permanent: true },
      );
    }
    const client = this.#client;
    if (!client || this.#state.status !== "connected") {
      throw new ChannelSendError(
        "whatsapp-not-connected",
        `WhatsApp is not connected (${this.#state.status})`,
        {
          retryAfterMs: 30_000,
        },
      );
    }

    const text = renderNumberedChoices(message.text, message.choices ?? []);
    const parts: Array<() => Promise<{ id: { _serialized: string } }>> = splitMessageText(text).map(
      (chunk) => () => client.sendMessage(message.chatId, chunk),
    );
    // Prepare every attachment before sending anything so a bad URL never leaves a half-sent message.
    for (const attachment of message.attachments ?? []) {
      const media = await this.#toMedia(attachment);
      const sendOptions: WhatsAppSendOptions = {};
      if (attachment.kind === "document" || attachment.kind === "other")
        sendOptions.sendMediaAsDocument = true;
      if (attachment.kind === "voice") sendOptions.sendAudioAsVoice = true;
      parts.push(() => client.sendMessage(message.chatId, media, sendOptions));
    }

    const key = message.outboxId;
    const progress = (key !== undefined ? this.#sentParts.get(key) : undefined) ?? { parts: 0 };
    for (let index = progress.parts; index < parts.length; index++) {
      try {
        const sent = await parts[index]!();
        progress.parts = index + 1;
        progress.lastId = sent.id._serialized;
        if (key !== undefined) remember(this.#sentParts, key, progress);
      } catch (error) {
        throw new ChannelSendError(
          "whatsapp-send-failed",
          `WhatsApp could not deliver part ${index + 1}/${parts.length} to ${message.chatId}: ${errorText(error)}`,
          { cause: error },
        );
      }
    }

    // A plain message after a list means the list is no longer the open question.
    if (message.choices && message.choices.length > 0)
      remember(this.#lastChoices, message.chatId, message.choices);
    else this.#lastChoices.delete(message.chatId);
    return progress.lastId !== undefined ? { platformMessageId: progress.lastId } : {};
  }

  async #toMedia(attachment: OutboundAttachment): Promise<WhatsAppMediaLike> {
    let bytes = attachment.data;
    let mime = attachment.mime;
    if (!bytes && attachment.url) {
      let response: Response;
      try {
        response = await fetch(attachment.url);
      } catch (error) {
        throw new ChannelSendError(
          "whatsapp-attachment-unavailable",
          `could not download attachment ${attachment.name}: ${errorText(error)}`,
          { cause: error },
        );
      }
      if (!response.ok) {
        throw new ChannelSendError(
          "whatsapp-attachment-unavailable",
          `could not download attachment ${attachment.name}: HTTP ${response.status}`,
          { permanent: response.status >= 400 && response.status < 500 },
        );
      }
      bytes = new Uint8Array(await response.arrayBuffer());
      mime ??= response.headers.get("content-type")?.split(";")[0]?.trim() || undefined;
    }
    if (!bytes) {
      throw new ChannelSendError(
        "whatsapp-attachment-empty",
        `attachment ${attachment.name} has neither data nor url`,
        { permanent: true },
      );
    }
    const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
    return new MessageMedia(mime ?? "application/octet-stream", base64, attachment.name);
  }

  #setState(state: ChannelState): void {
    this.#state = state;
  }

  #launch(): void {
    const generation = ++this.#generation;
    this.#lastQr = undefined;
    this.#pairingCode = undefined;
    this.#setState({ status: "starting" });
    let client: WhatsAppClientLike;
    try {
      client = this.#factory(buildClientOptions(this.#options));
    } catch (error) {
      this.#launchFailed(generation, error);
      return;
    }
    this.#client = client;
    this.#wire(client, generation);
    this.#log.info({ attempt: this.#attempt }, "WhatsApp: starting WhatsApp Web");
    let initializing: Promise<void>;
    try {
      initializing = client.initialize();
    } catch (error) {
      this.#launchFailed(generation, error);
      return;
    }
    initializing.catch((error: unknown) => this.#launchFailed(generation, error));
  }

  #launchFailed(generation: number, error: unknown): void {
    if (this.#stopped || generation !== this.#generation) return;
    const chromeHint = existsSync(this.#chromePath)
      ? ""
      : ` Chromium was not found at ${this.#chromePath}: install it or set CHROME_PATH.`;
    const message = `could not start WhatsApp Web: ${errorText(error)}.${chromeHint}`;
    this.#log.error({ err: error, chromePath: this.#chromePath }, `WhatsApp: ${message}`);
    this.#setState({ status: "error", error: message });
    // Close the half-started browser now rather than leaving it open through a long backoff.
    const failed = this.#client;
    this.#client = undefined;
    void this.#destroyQuietly(failed);
    this.#scheduleReconnect(generation, "start failed");
  }

  #wire(client: WhatsAppClientLike, generation: number): void {
    const current = () => !this.#stopped && generation === this.#generation;

    client.on("qr", (qr: string) => {
      if (!current()) return;
      this.#cancelReconnect();
      this.#lastQr = qr;
      this.#setState({
        status: "waiting-for-qr",
        qr,
        ...(this.#pairingCode ? { pairingCode: this.#pairingCode } : {}),
      });
      this.#log.info(
        {},
        "WhatsApp: not linked. On the phone open WhatsApp → Settings → Linked devices → Link a device and scan this QR",
      );
      (this.#options.printQr ?? defaultPrintQr)(qr);
    });

    client.on("code", (code: string) => {
      if (!current()) return;
      this.#cancelReconnect();
      this.#pairingCode = code;
      this.#setState({ status: "waiting-for-qr", qr: this.#lastQr ?? "", pairingCode: code });
      this.#log.info(
        { pairingCode: code },
        `WhatsApp: pairing code ${code}. On the phone open WhatsApp → Settings → Linked devices → Link a device → Link with phone number instead, and type it`,
      );
    });

    client.on("authenticated", () => {
      if (!current()) return;
      this.#cancelReconnect();
      this.#setState({ status: "starting" });
      this.#log.info({}, "WhatsApp: session authenticated, loading chats");
    });

    client.on("auth_failure", (reason: unknown) => {
      if (!current()) return;
      const sessionDir = path.resolve(this.#options.dataDir, SESSION_FOLDER);
      const message = `WhatsApp could not restore the saved session (${String(reason)}). Stop sportello, delete ${sessionDir} and start again to link the account with a new QR.`;
      this.#log.error({ reason, sessionDir }, message);
      this.#setState({ status: "error", error: message });
    });

    client.on("ready", () => {
      if (!current()) return;
      this.#cancelReconnect();
      this.#attempt = 0;
      this.#lastQr = undefined;
      this.#pairingCode = undefined;
      const linked = toE164(client.info?.wid?.user ?? "");
      this.#setState({ status: "connected", ...(linked ? { detail: `linked to ${linked}` } : {}) });
      this.#log.info({ linked }, "WhatsApp: connected");
    });

    client.on("disconnected", (reason: unknown) => {
      if (!current()) return;
      const why = String(reason);
      const explanation = explainDisconnect(why);
      this.#log.warn({ reason: why }, `WhatsApp: disconnected: ${explanation}`);
      if (why === "LOGOUT") {
        this.#log.error(
          { sessionDir: path.resolve(this.#options.dataDir, SESSION_FOLDER) },
          "WhatsApp: the account was logged out. Re-link it: scan the new QR shown here and on the status page (WhatsApp → Settings → Linked devices → Link a device)",
        );
      }
      this.#setState({ status: "error", error: `disconnected: ${explanation}; reconnecting` });
      this.#scheduleReconnect(generation, why);
    });

    client.on("message", (message: WhatsAppMessageLike) => {
      if (!current()) return;
      // One chat's messages reach the runtime one at a time and in order ("problem" before "2");
      // different chats proceed in parallel. `#receive` never rejects.
      const key = message.from;
      const next = (this.#chatQueues.get(key) ?? Promise.resolve()).then(() => this.#receive(message));
      this.#chatQueues.set(key, next);
      void next.then(() => {
        if (this.#chatQueues.get(key) === next) this.#chatQueues.delete(key);
      });
    });
  }

  #scheduleReconnect(generation: number, reason: string): void {
    if (this.#stopped || generation !== this.#generation || this.#reconnect) return;
    this.#attempt++;
    const backoffMs = reconnectDelay(this.#attempt, this.#backoff, this.#options.random);
    // After a LOGOUT whatsapp-web.js reloads the page and shows a fresh QR by itself; give it time
    // before tearing the browser down (its own logout clean-up is still running).
    const delayMs =
      reason === "LOGOUT"
        ? Math.max(backoffMs, this.#options.logoutGraceMs ?? DEFAULT_LOGOUT_GRACE_MS)
        : backoffMs;
    const controller = new AbortController();
    this.#reconnect = controller;
    this.#log.info(
      { attempt: this.#attempt, delayMs, reason },
      `WhatsApp: reconnecting in ${Math.round(delayMs / 1000)} s (attempt ${this.#attempt})`,
    );
    void this.#sleep(delayMs, controller.signal)
      .catch(() => undefined)
      .then(async () => {
        if (this.#reconnect === controller) this.#reconnect = undefined;
        if (controller.signal.aborted || this.#stopped || generation !== this.#generation) return;
        const old = this.#client;
        this.#client = undefined;
        this.#generation++;
        await this.#destroyQuietly(old);
        if (this.#stopped) return;
        this.#launch();
      });
  }

  #cancelReconnect(): void {
    this.#reconnect?.abort();
    this.#reconnect = undefined;
  }

  async #destroyQuietly(client: WhatsAppClientLike | undefined): Promise<void> {
    if (!client) return;
    try {
      await client.destroy();
    } catch (error) {
      this.#log.debug({ err: error }, "WhatsApp: destroying the old client failed (already closed?)");
    }
  }

  async #receive(message: WhatsAppMessageLike): Promise<void> {
    let inbound: InboundMessage | undefined;
    try {
      inbound = await this.#toInbound(message);
    } catch (error) {
      this.#log.error(
        { err: error, id: message.id?._serialized },
        "WhatsApp: could not read an incoming message",
      );
      return;
    }
    if (!inbound) return;
    try {
      await this.#onMessage?.(inbound);
    } catch (error) {
      this.#log.error(
        { err: error, platformMessageId: inbound.platformMessageId },
        "WhatsApp: the runtime did not accept an incoming message",
      );
    }
  }

  async #toInbound(message: WhatsAppMessageLike): Promise<InboundMessage | undefined> {
    const id = message.id._serialized;
    const server = whatsAppServer(message.from);
    const ignore = (why: string) => {
      this.#log.debug({ id, from: message.from, type: message.type }, `WhatsApp: ignored ${why}`);
      return undefined;
    };
    if (message.fromMe) return ignore("own message");
    if (message.isStatus || message.from === "status@broadcast") return ignore("status broadcast");
    if (server === "g.us" || message.author) return ignore("group message");
    if (server !== PHONE_SERVER && server !== LID_SERVER)
      return ignore(`message from a ${server || "?"} chat`);

    const raw = (message.rawData ?? {}) as RawMessageData;
    const attachments: InboundAttachment[] = [];
    let text: string;
    const mediaKind = MEDIA_KINDS[message.type];
    if (message.type === "location") {
      // The body of a location message is a base64 thumbnail, not words.
      text = "";
      const location = message.location;
      if (location) {
        const name = location.description ?? location.name ?? location.address;
        attachments.push({
          kind: "location",
          ref: `geo:${location.latitude},${location.longitude}`,
          ...(name ? { name } : {}),
        });
      }
    } else if (mediaKind) {
      // Without downloadable media the body may be a thumbnail: trust only the caption.
      text = message.hasMedia ? message.body : (stringOrUndefined(raw.caption) ?? "");
      attachments.push(this.#mediaAttachment(message, mediaKind, raw));
    } else if (message.type === "chat" || message.type === "vcard" || message.type === "multi_vcard") {
      text = message.body;
    } else {
      return ignore(`message of type ${message.type}`);
    }
    text = text ?? "";
    if (text.trim() === "" && attachments.length === 0) return ignore("empty message");

    const { senderId, contactName } = await this.#sender(message, server);
    const senderName = stringOrUndefined(raw.notifyName) ?? contactName;
    const choice =
      attachments.length === 0 ? matchChoice(text, this.#lastChoices.get(message.from)) : undefined;
    return {
      channel: "whatsapp",
      chatId: message.from,
      senderId,
      platformMessageId: id,
      at: new Date(message.timestamp * 1000),
      text,
      attachments,
      ...(senderName ? { senderName } : {}),
      ...(choice !== undefined ? { choice } : {}),
    };
  }

  #mediaAttachment(
    message: WhatsAppMessageLike,
    kind: AttachmentKind,
    raw: RawMessageData,
  ): InboundAttachment {
    const size = typeof raw.size === "number" && raw.size >= 0 ? raw.size : undefined;
    const mime = stringOrUndefined(raw.mimetype);
    const name = stringOrUndefined(raw.filename);
    const attachment: InboundAttachment = {
      kind,
      ref: message.id._serialized,
      ...(mime ? { mime } : {}),
      ...(name ? { name } : {}),
      ...(size !== undefined ? { size } : {}),
    };
    if (message.hasMedia) attachment.fetch = () => this.#download(message, attachment);
    return attachment;
  }

  async #download(message: WhatsAppMessageLike, attachment: InboundAttachment): Promise<Uint8Array> {
    const max = this.#maxMediaBytes;
    const tooLarge = (size: number) =>
      new WhatsAppMediaError(
        "media-too-large",
        `WhatsApp media ${message.id._serialized} is ${size} bytes, over the ${max}-byte limit`,
        { size, maxBytes: max },
      );
    if (attachment.size !== undefined && attachment.size > max) throw tooLarge(attachment.size);
    let media: WhatsAppMediaLike | undefined;
    try {
      media = await message.downloadMedia();
    } catch (error) {
      throw new WhatsAppMediaError(
        "media-unavailable",
        `WhatsApp could not download media ${message.id._serialized}: ${errorText(error)}`,
        { cause: error },
      );
    }
    if (!media) {
      throw new WhatsAppMediaError(
        "media-unavailable",
        `WhatsApp no longer has media ${message.id._serialized} (deleted or expired)`,
      );
    }
    // Check the size from the base64 length before allocating the decoded buffer.
    const estimated = Math.floor((media.data.length * 3) / 4);
    if (estimated - 2 > max) throw tooLarge(estimated);
    const buffer = Buffer.from(media.data, "base64");
    if (buffer.byteLength > max) throw tooLarge(buffer.byteLength);
    attachment.mime ??= media.mimetype;
    if (media.filename) attachment.name ??= media.filename;
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /** E.164 phone of the sender; `@lid` senders are resolved through their contact. */
  async #sender(
    message: WhatsAppMessageLike,
    server: string,
  ): Promise<{ senderId: string; contactName?: string }> {
    if (server === PHONE_SERVER) {
      const phone = toE164(message.from);
      if (phone) return { senderId: phone };
      this.#log.warn(
        { from: message.from },
        "WhatsApp: sender id is not a valid phone number; using it as is",
      );
      return { senderId: message.from };
    }

    const lidUser = message.from.split("@")[0]!.split(":")[0]!;
    let contactName: string | undefined;
    try {
      const contact = await message.getContact();
      contactName = stringOrUndefined(contact.pushname) ?? stringOrUndefined(contact.name);
      // A privacy-only contact may carry its lid digits as "number": never mistake them for a phone.
      const candidates = [
        contact.id?.server === PHONE_SERVER ? contact.id.user : undefined,
        contact.number !== lidUser ? contact.number : undefined,
      ];
      for (const candidate of candidates) {
        const phone = candidate ? toE164(candidate) : undefined;
        if (phone) return { senderId: phone, ...(contactName ? { contactName } : {}) };
      }
    } catch (error) {
      this.#log.warn(
        { err: error, from: message.from },
        "WhatsApp: could not load the contact of a @lid sender",
      );
    }
    try {
      const [pair] = (await this.#client?.getContactLidAndPhone?.([message.from])) ?? [];
      const phone = pair?.pn ? toE164(pair.pn) : undefined;
      if (phone) return { senderId: phone, ...(contactName ? { contactName } : {}) };
    } catch (error) {
      this.#log.warn({ err: error, from: message.from }, "WhatsApp: lid → phone lookup failed");
    }
    this.#log.warn(
      { from: message.from },
      "WhatsApp: could not resolve a @lid sender to a phone number; using the lid as sender id",
    );
    return { senderId: message.from, ...(contactName ? { contactName } : {}) };
  }
}

/**
 * Creates the WhatsApp channel adapter. Throws {@link WhatsAppConfigError} for unusable settings
 * (e.g. a pairing phone that is not a number). Inbound media larger than `maxMediaBytes` still
 * arrives (attachment with `size`), but its `fetch()` rejects with a {@link WhatsAppMediaError}
 * whose code is `media-too-large`, so the flow can answer politely instead of dropping it.
 */
export function createWhatsAppAdapter(options: WhatsAppAdapterOptions): ChannelAdapter {
  return new WhatsAppAdapter(options);
}

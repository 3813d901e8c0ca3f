/**
 * WhatsApp customer channel on whatsapp-web.js (WhatsApp Web driven through a headless system
 * Chromium). The adapter only translates WhatsApp ↔ the channel port; de-duplication of
 * redelivered messages is the runtime's job (keyed on `platformMessageId`), so translation is a
 * pure function of the message and the same message always yields the same InboundMessage.
 *
 * The parts: the connection (`whatsAppSession`), WhatsApp → port (`toInboundMessage`) and
 * port → WhatsApp (`toWhatsAppMessages`); this module delivers between them.
 */
import {
  type ChannelAdapter,
  ChannelSendError,
  type ChannelState,
  type Choice,
  type InboundHandler,
  type InboundMessage,
  type OutboundMessage,
  type SendResult,
} from "../port.js";
import { toInboundMessage } from "./toInboundMessage.js";
import { toWhatsAppMessages } from "./toWhatsAppMessages.js";
import { errorText } from "./valueText.js";
import type { WhatsAppMessageLike } from "./whatsAppClientLike.js";
import { buildClientOptions } from "./whatsAppClientOptions.js";
import { DEFAULT_MAX_MEDIA_BYTES, type WhatsAppAdapterOptions } from "./whatsAppOptions.js";
import { LID_SERVER, PHONE_SERVER, whatsAppServer } from "./whatsAppPhone.js";
import { WhatsAppSession } from "./whatsAppSession.js";

export { buildClientOptions, renderTerminalQr } from "./whatsAppClientOptions.js";
export {
  DEFAULT_CHROME_PATH,
  DEFAULT_LOGOUT_GRACE_MS,
  DEFAULT_MAX_MEDIA_BYTES,
  SESSION_FOLDER,
  WEB_CACHE_FOLDER,
  type WhatsAppAdapterOptions,
  type WhatsAppLogger,
} from "./whatsAppOptions.js";

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

class WhatsAppAdapter implements ChannelAdapter {
  readonly name = "whatsapp" as const;

  readonly #session: WhatsAppSession;
  readonly #maxMediaBytes: number;
  #onMessage: InboundHandler | undefined;
  /** Last choice list sent per chat: in memory only, see README "Choices". */
  readonly #lastChoices = new Map<string, readonly Choice[]>();
  /** Tail of the inbound delivery chain per chat. */
  readonly #chatQueues = new Map<string, Promise<void>>();
  /** Parts of a multi-part outbound already delivered, keyed by outboxId, so a retry resumes. */
  readonly #sentParts = new Map<string, { parts: number; lastId?: string }>();

  constructor(options: WhatsAppAdapterOptions) {
    // Validate settings now so a bad WHATSAPP_PAIR_PHONE fails at start-up, not on first launch.
    buildClientOptions(options);
    this.#session = new WhatsAppSession(options);
    this.#maxMediaBytes = options.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  }

  state(): ChannelState {
    return this.#session.state;
  }

  /** Launches WhatsApp Web and returns at once; progress (QR, connected, error) shows in `state()`. */
  async start(onMessage: InboundHandler): Promise<void> {
    this.#onMessage = onMessage;
    this.#session.start((message) => this.#enqueue(message));
  }

  async stop(): Promise<void> {
    await this.#session.stop();
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
    const client = this.#session.client;
    const state = this.#session.state;
    if (!client || state.status !== "connected") {
      throw new ChannelSendError("whatsapp-not-connected", `WhatsApp is not connected (${state.status})`, {
        retryAfterMs: 30_000,
      });
    }

    const parts = await toWhatsAppMessages(message);
    const key = message.outboxId;
    const progress = (key !== undefined ? this.#sentParts.get(key) : undefined) ?? { parts: 0 };
    for (let index = progress.parts; index < parts.length; index++) {
      const part = parts[index]!;
      try {
        const sent =
          "text" in part
            ? await client.sendMessage(message.chatId, part.text)
            : await client.sendMessage(message.chatId, part.media, part.options);
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

  /**
   * One chat's messages reach the runtime one at a time and in order ("problem" before "2");
   * different chats proceed in parallel. `#receive` never rejects.
   */
  #enqueue(message: WhatsAppMessageLike): void {
    const key = message.from;
    const next = (this.#chatQueues.get(key) ?? Promise.resolve()).then(() => this.#receive(message));
    this.#chatQueues.set(key, next);
    void next.then(() => {
      if (this.#chatQueues.get(key) === next) this.#chatQueues.delete(key);
    });
  }

  async #receive(message: WhatsAppMessageLike): Promise<void> {
    const log = this.#session.log;
    let inbound: InboundMessage | undefined;
    try {
      inbound = await toInboundMessage(message, {
        log,
        maxMediaBytes: this.#maxMediaBytes,
        lastChoices: this.#lastChoices,
        client: () => this.#session.client,
      });
    } catch (error) {
      log.error({ err: error, id: message.id?._serialized }, "WhatsApp: could not read an incoming message");
      return;
    }
    if (!inbound) return;
    try {
      await this.#onMessage?.(inbound);
    } catch (error) {
      log.error(
        { err: error, platformMessageId: inbound.platformMessageId },
        "WhatsApp: the runtime did not accept an incoming message",
      );
    }
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

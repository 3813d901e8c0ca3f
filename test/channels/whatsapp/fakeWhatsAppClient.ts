/**
 * Hand-written stand-in for whatsapp-web.js's `Client`: an EventEmitter with the same methods and
 * events the adapter uses, plus helpers to play WhatsApp's side (emit a QR, deliver a message).
 */
import { EventEmitter } from "node:events";
import type wweb from "whatsapp-web.js";
import type {
  WhatsAppClientLike,
  WhatsAppContactLike,
  WhatsAppLocationLike,
  WhatsAppMediaLike,
  WhatsAppMessageLike,
  WhatsAppSendOptions,
} from "../../../src/channels/whatsapp/whatsAppClientLike.js";

/** One call to `sendMessage`. */
export interface SentMessage {
  chatId: string;
  content: string | WhatsAppMediaLike;
  options: WhatsAppSendOptions | undefined;
}

/** What a test wants an incoming message to look like; everything else gets a plausible default. */
export interface FakeMessageInit {
  id?: string;
  from?: string;
  fromMe?: boolean;
  author?: string;
  body?: string;
  type?: string;
  hasMedia?: boolean;
  timestamp?: number;
  isStatus?: boolean;
  location?: WhatsAppLocationLike;
  rawData?: Record<string, unknown>;
  media?: WhatsAppMediaLike | undefined;
  contact?: WhatsAppContactLike;
}

/** A message whose `downloadMedia` / `getContact` calls are counted. */
export interface FakeMessage extends WhatsAppMessageLike {
  downloads: number;
  contactLookups: number;
}

let sequence = 0;

/** Builds a `Message`-shaped object like whatsapp-web.js hands to the `message` event. */
export function fakeMessage(init: FakeMessageInit = {}): FakeMessage {
  sequence++;
  const from = init.from ?? "393331234567@c.us";
  const message: FakeMessage = {
    id: { _serialized: init.id ?? `false_${from}_3EB0${sequence.toString(16).padStart(16, "0")}` },
    from,
    fromMe: init.fromMe ?? false,
    ...(init.author !== undefined ? { author: init.author } : {}),
    body: init.body ?? "",
    type: init.type ?? "chat",
    hasMedia: init.hasMedia ?? false,
    timestamp: init.timestamp ?? 1_790_000_000,
    isStatus: init.isStatus ?? false,
    broadcast: false,
    ...(init.location ? { location: init.location } : {}),
    rawData: { id: init.id, ...init.rawData },
    downloads: 0,
    contactLookups: 0,
    async downloadMedia() {
      message.downloads++;
      return init.media;
    },
    async getContact() {
      message.contactLookups++;
      const user = from.split("@")[0]!;
      return init.contact ?? { number: user, id: { user, server: "c.us", _serialized: from }, pushname: "" };
    },
  };
  return message;
}

/** Fake `Client`: records calls, lets the test emit WhatsApp's events. */
export class FakeWhatsAppClient extends EventEmitter implements WhatsAppClientLike {
  readonly options: wweb.ClientOptions;
  readonly sent: SentMessage[] = [];
  initializeCalls = 0;
  destroyCalls = 0;
  info: { wid?: { user?: string } } | undefined;
  /** When set, the next `sendMessage` calls fail with it (one failure per entry). */
  readonly sendFailures: Error[] = [];
  /** When set, `initialize` rejects with it. */
  initializeError: Error | undefined;
  lidToPhone = new Map<string, string>();
  /** Free flag for tests that script a one-off failure. */
  failedOnce = false;

  constructor(options: wweb.ClientOptions) {
    super();
    this.options = options;
  }

  async initialize(): Promise<void> {
    this.initializeCalls++;
    if (this.initializeError) throw this.initializeError;
  }

  async destroy(): Promise<void> {
    this.destroyCalls++;
  }

  async sendMessage(
    chatId: string,
    content: string | WhatsAppMediaLike,
    options?: WhatsAppSendOptions,
  ): Promise<{ id: { _serialized: string } }> {
    const failure = this.sendFailures.shift();
    if (failure) throw failure;
    this.sent.push({ chatId, content, options });
    return { id: { _serialized: `true_${chatId}_SENT${this.sent.length}` } };
  }

  async getContactLidAndPhone(userIds: string[]): Promise<{ lid: string; pn: string }[]> {
    return userIds.map((lid) => ({ lid, pn: this.lidToPhone.get(lid) ?? "" }));
  }

  /** WhatsApp Web reached the chat list. */
  becomeReady(user = "390212345678"): void {
    this.info = { wid: { user } };
    this.emit("authenticated");
    this.emit("ready");
  }

  /** Delivers an incoming message as whatsapp-web.js would. */
  deliver(message: WhatsAppMessageLike): void {
    this.emit("message", message);
  }
}

/**
 * The one channel-neutral port every customer channel (WhatsApp, Telegram, web, local terminal)
 * translates to and from. Flows and the runtime only ever see these shapes; an adapter only
 * translates platform ↔ port and never decides anything about the conversation.
 */
import { CodedError } from "../errors.js";

/** Channels a customer can write from. `local` is the terminal chat and the story runner. */
export type ChannelName = "whatsapp" | "telegram" | "web" | "email" | "local" | "phone";

export const CHANNEL_NAMES: readonly ChannelName[] = [
  "whatsapp",
  "telegram",
  "web",
  "email",
  "local",
  "phone",
];

/**
 * What a channel is like, as far as the core cares: the runtime and the flows branch on these,
 * never on a channel's name. Known by name (see {@link channelCapabilities}), not asked of a
 * running adapter, so a stored chat or ticket of a channel that is off resolves too.
 */
export interface ChannelCapabilities {
  /**
   * The customer gets one reply per message they send (an e-mail, a voicemail): the flow asks
   * what it needs at once instead of one question at a time.
   */
  readonly oneReplyPerTurn: boolean;
  /** The sender id is the caller's phone number when in E.164 (`+…`): customers are matched by it. */
  readonly senderIsPhone: boolean;
  /** The sender id is an e-mail address: customers are matched by it, and it is a way to reach them. */
  readonly senderIsEmail: boolean;
  /** A message is a recorded voicemail (a phone line): no dialogue can follow it. */
  readonly voicemail: boolean;
  /**
   * Chats are mail threads (chat id `address#thread`, see `channels/email/threading.ts`): a
   * turn's replies go out as one mail in the thread, automatic mails are limited per thread and
   * sender, and a failed delivery names the address.
   */
  readonly mailThreads: boolean;
}

const CHAT: ChannelCapabilities = {
  oneReplyPerTurn: false,
  senderIsPhone: false,
  senderIsEmail: false,
  voicemail: false,
  mailThreads: false,
};

/** The capabilities of every channel, by name. */
export const channelCapabilities: Readonly<Record<ChannelName, ChannelCapabilities>> = {
  whatsapp: { ...CHAT, senderIsPhone: true },
  telegram: CHAT,
  web: CHAT,
  local: CHAT,
  email: { ...CHAT, oneReplyPerTurn: true, senderIsEmail: true, mailThreads: true },
  phone: { ...CHAT, oneReplyPerTurn: true, senderIsPhone: true, voicemail: true },
};

/**
 * The capabilities of a channel by its stored name; a name this version does not know (a row
 * left by another version) has none.
 */
export function capabilitiesOf(channel: string): ChannelCapabilities {
  return Object.hasOwn(channelCapabilities, channel) ? channelCapabilities[channel as ChannelName] : CHAT;
}

/** What kind of media an attachment is; `voice` is a recorded voice note (WhatsApp `ptt`, Telegram voice). */
export type AttachmentKind =
  | "image"
  | "video"
  | "audio"
  | "voice"
  | "document"
  | "sticker"
  | "location"
  | "other";

/** An attachment as it arrives: metadata now, bytes only when somebody asks for them. */
export interface InboundAttachment {
  kind: AttachmentKind;
  mime?: string;
  name?: string;
  /** Size in bytes when the platform tells it before download. */
  size?: number;
  /** Platform reference (Telegram file_id, WhatsApp message id…) kept with the transcript. */
  ref?: string;
  /** Downloads the bytes on demand (Telegram getFile, WhatsApp downloadMedia). */
  fetch?: () => Promise<Uint8Array>;
}

/** One message from a customer, already translated from the platform. */
export interface InboundMessage {
  channel: ChannelName;
  /** The conversation: one chat per customer per channel (private chats only). */
  chatId: string;
  /** Who wrote: phone in E.164 for WhatsApp, numeric user id for Telegram. */
  senderId: string;
  /** Unique per channel; used for durable de-duplication of redeliveries. */
  platformMessageId: string;
  at: Date;
  text: string;
  attachments: InboundAttachment[];
  /** Display name the platform gives, if any (never trusted for identity). */
  senderName?: string;
  /** Set when the message is the answer to a choice list (button press / callback query). */
  choice?: string;
  /** Telegram deep-link payload (`/start CODE`) or similar customer code hint. */
  startPayload?: string;
  /** Language hint from the platform (Telegram language_code, browser Accept-Language). */
  languageHint?: string;
  /**
   * Set when the channel recognised an automatic message (an e-mail auto-reply, bounce or list
   * mail; the value is the reason): it is kept in the chat's transcript, on the ticket the chat
   * follows, and never answered.
   */
  automated?: string;
}

/**
 * Prefix of a chat whose sender the channel could not verify (an e-mail whose From fails its
 * domain's DMARC check): the runtime never takes such a sender for a known customer, and the
 * board flags its tickets. The rest of the chat id is the channel's own.
 */
export const UNVERIFIED_CHAT_PREFIX = "unverified:";

/** Whether a chat's sender is unverified (see {@link UNVERIFIED_CHAT_PREFIX}). */
export function isUnverifiedChat(chatId: string): boolean {
  return chatId.startsWith(UNVERIFIED_CHAT_PREFIX);
}

/** An option in a choice list: `id` comes back as {@link InboundMessage.choice}. */
export interface Choice {
  id: string;
  label: string;
}

/** Attachment sent to a customer (e.g. a file a technician shared in the Slack thread). */
export interface OutboundAttachment {
  kind: AttachmentKind;
  name: string;
  mime?: string;
  /** Either inline bytes or a URL the adapter can fetch. */
  data?: Uint8Array;
  url?: string;
}

/** One message to a customer, rendered text already in the customer's language. */
export interface OutboundMessage {
  channel: ChannelName;
  chatId: string;
  text: string;
  choices?: Choice[];
  attachments?: OutboundAttachment[];
  /** Stable id of the stored outbound row; adapters may use it as an idempotency key. */
  outboxId?: string;
  /** A title for channels that have one (the e-mail subject); others ignore it. */
  subject?: string;
  /**
   * Send as this approved template instead of free text: set by the outbox for a channel with a
   * {@link ChannelAdapter.serviceWindowMs} when the customer last wrote longer ago than that.
   */
  template?: OutboundTemplate;
  /** The customer's language when the outbox knows it (e.g. for a list button's label). */
  language?: "it" | "en";
}

/** A pre-approved message template (WhatsApp Business Platform) and its body parameters. */
export interface OutboundTemplate {
  name: string;
  /** The template's language code as approved (`it`, `en`, `en_US`…). */
  language: string;
  /** Body parameters `{{1}}`, `{{2}}`… in order. */
  parameters: string[];
}

/** What the platform says became of a message sent earlier (WhatsApp Cloud API statuses). */
export interface DeliveryStatusUpdate {
  channel: ChannelName;
  chatId: string;
  /** The id {@link ChannelAdapter.send} returned for the message. */
  platformMessageId: string;
  status: "sent" | "delivered" | "read" | "failed";
  at: Date;
  /** For `failed`: the platform's code and words, and whether trying again could ever help. */
  error?: { code: string; message: string; permanent: boolean };
}

/** Receives delivery statuses; resolves once the status is durably recorded. */
export type DeliveryStatusHandler = (update: DeliveryStatusUpdate) => Promise<void>;

/** What an adapter reports about its platform connection. */
export type ChannelState =
  | { status: "off"; hint: string }
  | { status: "starting" }
  | { status: "waiting-for-qr"; qr: string; pairingCode?: string }
  | { status: "connected"; detail?: string }
  | { status: "error"; error: string };

/** Receives inbound messages from an adapter; resolves once the message is durably accepted. */
export type InboundHandler = (message: InboundMessage) => Promise<void>;

/** Result of a send: the platform's id for the delivered message, if it gives one. */
export interface SendResult {
  platformMessageId?: string;
  /** Every part's id when the message went as several (statuses come back per part). */
  platformMessageIds?: string[];
}

/**
 * A customer channel. `start` connects and begins calling `onMessage`; `send` delivers one
 * message and throws {@link ChannelSendError} when it could not (the runtime retries).
 */
export interface ChannelAdapter {
  readonly name: ChannelName;
  /**
   * Set on a channel where free text reaches a customer only within this long after their last
   * message (WhatsApp Business Platform: 24 hours); outside it the outbox sends a template.
   */
  readonly serviceWindowMs?: number;
  /** True when the channel reports delivery statuses for the ids `send` returns. */
  readonly reportsDeliveryStatus?: boolean;
  start(onMessage: InboundHandler, onStatus?: DeliveryStatusHandler): Promise<void>;
  stop(): Promise<void>;
  send(message: OutboundMessage): Promise<SendResult>;
  state(): ChannelState;
}

/**
 * Error thrown by {@link ChannelAdapter.send}; `retryAfterMs` when the platform asked to slow down.
 * Its codes belong to each channel (`telegram.rate_limited`, `whatsapp-not-connected`…).
 */
export class ChannelSendError extends CodedError<string> {
  readonly retryAfterMs: number | undefined;
  readonly permanent: boolean;
  constructor(
    code: string,
    message: string,
    options: { retryAfterMs?: number; permanent?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
    this.permanent = options.permanent ?? false;
  }
}

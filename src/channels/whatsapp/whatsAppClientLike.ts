/**
 * The slice of whatsapp-web.js's `Client` surface the adapter uses. The real `Client` satisfies
 * it (checked by a test), and tests pass a hand-written fake with the same shape, so the adapter
 * never needs a browser to be exercised.
 */

/** `MessageId` as whatsapp-web.js exposes it; `_serialized` is unique per message. */
export interface WhatsAppMessageIdLike {
  _serialized: string;
}

/** Downloaded media: whatsapp-web.js `MessageMedia` (base64 payload). */
export interface WhatsAppMediaLike {
  mimetype: string;
  /** Base64-encoded bytes. */
  data: string;
  filename?: string | null;
  filesize?: number | null;
}

/** `Contact` fields used to resolve `@lid` senders to a phone number. */
export interface WhatsAppContactLike {
  /** Phone digits without "+" (empty or a lid user for privacy-only contacts). */
  number?: string;
  id?: { user: string; server: string; _serialized: string };
  /** Name the person set for themselves. */
  pushname?: string;
  /** Name saved in the linked phone's address book. */
  name?: string;
}

/** `Location` of a location message. */
export interface WhatsAppLocationLike {
  latitude: string | number;
  longitude: string | number;
  name?: string;
  address?: string;
  description?: string;
}

/** A received `Message` (only what the adapter reads). */
export interface WhatsAppMessageLike {
  id: WhatsAppMessageIdLike;
  /** Chat the message came from: `<digits>@c.us`, `<id>@lid`, `<id>@g.us`, `status@broadcast`… */
  from: string;
  fromMe: boolean;
  /** Set for group messages: the member who wrote. */
  author?: string;
  /** Text, or the caption of a media message. */
  body: string;
  /** 'chat', 'image', 'video', 'document', 'ptt', 'audio', 'sticker', 'location', … */
  type: string;
  hasMedia: boolean;
  /** Unix seconds. */
  timestamp: number;
  isStatus: boolean;
  broadcast?: boolean;
  location?: WhatsAppLocationLike;
  /** WhatsApp Web's raw model: carries `size`, `mimetype`, `filename` of media before download. */
  rawData?: object;
  /** Resolves `undefined` when WhatsApp no longer has the media. */
  downloadMedia(): Promise<WhatsAppMediaLike | undefined>;
  getContact(): Promise<WhatsAppContactLike>;
}

/** Options of `Client.sendMessage` the adapter uses. */
export interface WhatsAppSendOptions {
  caption?: string;
  sendMediaAsDocument?: boolean;
  sendAudioAsVoice?: boolean;
  linkPreview?: boolean;
}

/**
 * The whatsapp-web.js `Client` surface: events `qr`, `code`, `authenticated`, `auth_failure`,
 * `ready`, `message`, `disconnected`.
 */
export interface WhatsAppClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: mirrors whatsapp-web.js's EventEmitter signature
  on(event: string, listener: (...args: any[]) => void): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  sendMessage(
    chatId: string,
    content: string | WhatsAppMediaLike,
    options?: WhatsAppSendOptions,
  ): Promise<{ id: WhatsAppMessageIdLike }>;
  /** Pairing by phone number (whatsapp-web.js also does this itself via `pairWithPhoneNumber`). */
  requestPairingCode?(phoneNumber: string, showNotification?: boolean): Promise<string>;
  /** Resolves `@lid` ids to phone ids (`pn` is `<digits>@c.us`). */
  getContactLidAndPhone?(userIds: string[]): Promise<{ lid: string; pn: string }[]>;
  /** Connection info once ready: `wid.user` is the linked number's digits. */
  info?: { wid?: { user?: string } };
}

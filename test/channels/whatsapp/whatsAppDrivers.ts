/**
 * The customer's phone for the WhatsApp story, on either driver: `web` plays WhatsApp Web through
 * the hand-written whatsapp-web.js client fake; `cloud` plays Meta through the fake Graph API,
 * posting signed webhooks to the Cloud API adapter. The story speaks only this interface, so the
 * same conversations run against both drivers (as the Telegram suite runs grammY and telegraf).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { ChannelAdapter } from "../../../src/channels/port.js";
import { createWhatsAppCloudAdapter } from "../../../src/channels/whatsapp/cloud/cloudAdapter.js";
import { createWhatsAppAdapter } from "../../../src/channels/whatsapp/whatsAppAdapter.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { eventually } from "../../support/eventually.js";
import { FakeGraphApi } from "../../support/fakeGraphApi.js";
import { type FakeMessage, FakeWhatsAppClient, fakeMessage } from "./fakeWhatsAppClient.js";

export const WHATSAPP_DRIVERS = ["web", "cloud"] as const;
export type WhatsAppDriverName = (typeof WHATSAPP_DRIVERS)[number];

/** What the customer sees of one bot message: its text and the options offered with it. */
export interface PhoneMessage {
  text: string;
  /** Choice labels: reply buttons or list rows (cloud), the numbered lines (web). */
  options: string[];
  /** How the options travel: `numbered` text, `buttons`, a `list`; `none` without options. */
  form: "numbered" | "buttons" | "list" | "none";
  media: boolean;
}

/** One message the customer sent, to send again as a redelivery. */
export interface Sent {
  id: string;
  redeliver(): Promise<void>;
}

export interface WhatsAppPhone {
  readonly driver: WhatsAppDriverName;
  readonly adapter: ChannelAdapter;
  /** The whatsapp-web.js client fake (web only), for what only WhatsApp Web has (`@lid` chats). */
  readonly webClient?: FakeWhatsAppClient;
  /** After the runtime started: links the account (web) — the channel is connected afterwards. */
  connect(): Promise<void>;
  /** The chat id sportello keeps for a customer's WhatsApp number (digits). */
  chatId(digits: string): string;
  write(digits: string, text: string): Promise<Sent>;
  /** Answers the last choices: taps the option (cloud), types the option's words (web). */
  choose(digits: string, label: string): Promise<Sent>;
  photo(digits: string, bytes: Uint8Array, caption: string): Promise<Sent & { downloads(): number }>;
  voice(digits: string, bytes: Uint8Array): Promise<Sent>;
  /** Bot messages to this customer, oldest first. */
  sent(digits: string): PhoneMessage[];
  close(): Promise<void>;
}

/** A numbered list at the end of a web message: its labels. */
function numbered(text: string): string[] {
  const lines = text.split("\n");
  const options: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = /^(\d+)\. (.*)$/u.exec(lines[i]!);
    if (!match) break;
    options.unshift(match[2]!);
  }
  return options;
}

/**
 * Builds the phone for `driver`. `dropped(id)` counts the runtime's "duplicate delivery dropped"
 * log lines for a message id (web redeliveries are fire-and-forget, so the story waits for that).
 */
export async function createPhone(
  driver: WhatsAppDriverName,
  options: { now: () => Date; dropped: (id: string) => number },
): Promise<WhatsAppPhone> {
  return driver === "web" ? webPhone(options.dropped) : cloudPhone(options.now);
}

function webPhone(dropped: (id: string) => number): WhatsAppPhone {
  const dataDir = mkdtempSync(join(tmpdir(), "sportello-whatsapp-story-"));
  const clients: FakeWhatsAppClient[] = [];
  const adapter = createWhatsAppAdapter({
    dataDir,
    logger: silentLogger,
    printQr: () => {},
    clientFactory: (options) => {
      const fake = new FakeWhatsAppClient(options);
      clients.push(fake);
      return fake;
    },
    // A reconnect is never expected here; never wait for real.
    sleep: async () => {},
  });
  const client = () => clients[0]!;
  const deliver = (message: FakeMessage): Sent & { downloads(): number } => {
    client().deliver(message);
    return {
      id: message.id._serialized,
      downloads: () => message.downloads,
      async redeliver() {
        const before = dropped(message.id._serialized);
        client().deliver(message);
        await eventually(() => dropped(message.id._serialized) > before, `${message.id._serialized} dropped`);
      },
    };
  };
  const chatId = (digits: string) => `${digits}@c.us`;
  return {
    driver: "web",
    adapter,
    get webClient() {
      return client();
    },
    async connect() {
      expect(clients).toHaveLength(1);
      expect(adapter.state().status).toBe("starting");
      client().emit("qr", "2@FAKEQR,key1,key2,key3");
      expect(adapter.state()).toMatchObject({ status: "waiting-for-qr", qr: "2@FAKEQR,key1,key2,key3" });
      client().becomeReady();
      expect(adapter.state()).toMatchObject({ status: "connected", detail: "linked to +390212345678" });
    },
    chatId,
    async write(digits, text) {
      return deliver(fakeMessage({ from: chatId(digits), body: text }));
    },
    async choose(digits, label) {
      return deliver(fakeMessage({ from: chatId(digits), body: label }));
    },
    async photo(digits, bytes, caption) {
      return deliver(
        fakeMessage({
          from: chatId(digits),
          type: "image",
          hasMedia: true,
          body: caption,
          rawData: { mimetype: "image/jpeg", size: bytes.byteLength },
          media: { mimetype: "image/jpeg", data: Buffer.from(bytes).toString("base64"), filename: null },
        }),
      );
    },
    async voice(digits, bytes) {
      return deliver(
        fakeMessage({
          from: chatId(digits),
          type: "ptt",
          hasMedia: true,
          rawData: { mimetype: "audio/ogg; codecs=opus", size: bytes.byteLength },
          media: { mimetype: "audio/ogg; codecs=opus", data: Buffer.from(bytes).toString("base64") },
        }),
      );
    },
    sent(digits) {
      return client()
        .sent.filter((s) => s.chatId === chatId(digits))
        .map((s) => {
          if (typeof s.content !== "string") return { text: "", options: [], form: "none", media: true };
          const options = numbered(s.content);
          return { text: s.content, options, form: options.length ? "numbered" : "none", media: false };
        });
    },
    async close() {
      expect(client().destroyCalls).toBe(1);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function cloudPhone(now: () => Date): Promise<WhatsAppPhone> {
  const api = await FakeGraphApi.start();
  api.now = now;
  const adapter = createWhatsAppCloudAdapter({
    phoneNumberId: api.phoneNumberId,
    accessToken: api.token,
    appSecret: api.appSecret,
    verifyToken: api.verifyToken,
    baseUrl: api.baseUrl,
    logger: silentLogger,
  });
  const webhook = adapter.webhookHandler();
  api.target = (rawBody, headers) => webhook({ headers, rawBody });
  const post = async (message: { id: string; body: Record<string, unknown> }): Promise<Sent> => {
    const answer = await api.post(message.body);
    expect(answer, JSON.stringify(answer)).toMatchObject({ status: 200 });
    return {
      id: message.id,
      async redeliver() {
        // Meta sends the same body again; 200 comes once it was handled (here: dropped).
        expect(await api.post(message.body)).toMatchObject({ status: 200 });
      },
    };
  };
  const downloadsOf = (mediaId: string) => () =>
    api.calls.filter((c) => c.path === `/download/${mediaId}`).length;
  return {
    driver: "cloud",
    adapter,
    async connect() {
      expect(adapter.state()).toMatchObject({ status: "connected" });
    },
    chatId: (digits) => `${digits}@c.us`,
    write: (digits, text) => post(api.text(digits, text)),
    choose: (digits, label) => post(api.tap(digits, label)),
    async photo(digits, bytes, caption) {
      const mediaId = api.addMedia(bytes, "image/jpeg");
      const sent = await post(
        api.message(digits, "image", { image: { id: mediaId, mime_type: "image/jpeg", caption } }),
      );
      return { ...sent, downloads: downloadsOf(mediaId) };
    },
    async voice(digits, bytes) {
      const mediaId = api.addMedia(bytes, "audio/ogg; codecs=opus");
      return post(
        api.message(digits, "audio", {
          audio: { id: mediaId, mime_type: "audio/ogg; codecs=opus", voice: true },
        }),
      );
    },
    sent(digits) {
      return api.sentTo(digits).map((s) => {
        const interactive = (s.payload.interactive as { type?: string } | undefined)?.type;
        const form = interactive === "button" ? "buttons" : interactive === "list" ? "list" : "none";
        return {
          text: s.text,
          options: s.options,
          form,
          media: ["image", "document", "audio", "video"].includes(s.type),
        };
      });
    },
    close: () => api.close(),
  };
}

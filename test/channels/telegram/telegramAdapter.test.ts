import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChannelSendError, type InboundMessage } from "../../../src/channels/port.js";
import { TelegramMediaError } from "../../../src/channels/telegram/downloadTelegramFile.js";
import {
  createTelegramAdapter,
  type TelegramAdapter,
  type TelegramAdapterOptions,
} from "../../../src/channels/telegram/telegramAdapter.js";
import { TELEGRAM_DRIVER_NAMES } from "../../../src/channels/telegram/telegramDriver.js";
import { eventually } from "../../support/eventually.js";
import { FAKE_BOT, FAKE_CUSTOMER, FakeTelegramApi } from "../../support/fakeTelegramApi.js";

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text));
}

/** A promise plus its resolver, to hold `onMessage` open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe.each(TELEGRAM_DRIVER_NAMES)("Telegram adapter on %s", (driver) => {
  let api: FakeTelegramApi;
  let adapter: TelegramAdapter | undefined;
  let received: InboundMessage[];

  beforeEach(async () => {
    api = await FakeTelegramApi.start();
    received = [];
    adapter = undefined;
  });

  afterEach(async () => {
    await adapter?.stop();
    await api.close();
  });

  const create = (extra: Partial<TelegramAdapterOptions> = {}): TelegramAdapter => {
    adapter = createTelegramAdapter({
      token: api.token,
      driver,
      apiRoot: api.apiRoot,
      pollingTimeoutSeconds: 1,
      ...extra,
    });
    return adapter;
  };

  const startPolling = async (
    extra: Partial<TelegramAdapterOptions> = {},
    onMessage: (message: InboundMessage) => Promise<void> = async (message) => {
      received.push(message);
    },
  ): Promise<TelegramAdapter> => {
    const started = create(extra);
    await started.start(onMessage);
    expect(started.state()).toEqual({
      status: "connected",
      detail: `@${FAKE_BOT.username} via ${driver} (long polling)`,
    });
    return started;
  };

  describe("receiving", () => {
    it("translates a private text message into an InboundMessage", async () => {
      await startPolling();
      const update = api.enqueueText("Buongiorno, la stampante non stampa");
      await eventually(() => received.length === 1, "the text message");
      const message = update.message as { message_id: number; date: number };
      expect(received[0]).toEqual({
        channel: "telegram",
        chatId: String(FAKE_CUSTOMER.id),
        senderId: String(FAKE_CUSTOMER.id),
        platformMessageId: `${FAKE_CUSTOMER.id}:${message.message_id}`,
        at: new Date(message.date * 1000),
        text: "Buongiorno, la stampante non stampa",
        attachments: [],
        senderName: "Mario Rossi",
        languageHint: "it",
      });
    });

    it("carries the deep-link customer code of /start", async () => {
      await startPolling();
      api.enqueueText("/start C00042");
      api.enqueueText("/start");
      await eventually(() => received.length === 2, "both /start messages");
      expect(received[0]?.startPayload).toBe("C00042");
      expect(received[1]?.startPayload).toBeUndefined();
      expect(received[1]?.text).toBe("/start");
    });

    it("picks the largest photo size, keeps the caption, and downloads lazily with getFile", async () => {
      await startPolling();
      const small = bytes("small-thumbnail");
      const large = bytes("the full resolution photo bytes");
      const medium = bytes("medium");
      api.enqueuePhoto(
        [
          { width: 90, height: 67, bytes: small },
          { width: 1280, height: 960, bytes: large },
          { width: 320, height: 240, bytes: medium },
        ],
        "Ecco l'errore",
      );
      await eventually(() => received.length === 1, "the photo");
      const [photo] = received[0]?.attachments ?? [];
      expect(received[0]?.text).toBe("Ecco l'errore");
      expect(photo).toMatchObject({ kind: "image", size: large.byteLength, mime: "image/jpeg" });
      expect(api.callsOf("getFile")).toHaveLength(0);

      const downloaded = await photo?.fetch?.();
      expect(Buffer.from(downloaded ?? []).toString()).toBe("the full resolution photo bytes");
      expect(api.callsOf("getFile").map((call) => call.params.file_id)).toEqual([photo?.ref]);
      expect(api.callsOf("file")).toHaveLength(1);
    });

    it("turns a voice note into a voice attachment", async () => {
      await startPolling();
      api.enqueueVoice(bytes("OggS-voice"));
      await eventually(() => received.length === 1, "the voice note");
      const [voice] = received[0]?.attachments ?? [];
      expect(received[0]?.text).toBe("");
      expect(voice).toMatchObject({ kind: "voice", mime: "audio/ogg" });
      expect(Buffer.from((await voice?.fetch?.()) ?? []).toString()).toBe("OggS-voice");
    });

    it("refuses to download files over maxMediaBytes, known size or not", async () => {
      await startPolling({ maxMediaBytes: 10 });
      api.enqueueDocument(bytes("x".repeat(50)), "big.pdf", "application/pdf");
      // Size unknown up front (Telegram reported a smaller one): the download itself is capped.
      api.enqueueDocument(bytes("y".repeat(50)), "liar.pdf", "application/pdf", 5);
      await eventually(() => received.length === 2, "both documents");

      const [known] = received[0]?.attachments ?? [];
      expect(known).toMatchObject({ kind: "document", name: "big.pdf", mime: "application/pdf" });
      const knownError = await known?.fetch?.().catch((error: unknown) => error);
      expect(knownError).toBeInstanceOf(TelegramMediaError);
      expect(knownError).toMatchObject({ code: "telegram.media_too_large", permanent: true });
      expect(api.callsOf("getFile")).toHaveLength(0);

      const [unknown] = received[1]?.attachments ?? [];
      const unknownError = await unknown?.fetch?.().catch((error: unknown) => error);
      expect(unknownError).toMatchObject({ code: "telegram.media_too_large" });
    });

    it("turns a button press into a choice, answers it and removes the keyboard after onMessage", async () => {
      let callsWhenAccepted = -1;
      await startPolling({}, async (message) => {
        received.push(message);
        callsWhenAccepted = api.calls.length;
      });
      const update = api.enqueueCallbackQuery("slot-2", {
        messageId: 55,
        keyboard: { "slot-1": "Domattina", "slot-2": "Nel pomeriggio" },
      });
      const query = update.callback_query as { id: string };
      await eventually(() => api.callsOf("editMessageReplyMarkup").length === 1, "the keyboard removal");

      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        chatId: String(FAKE_CUSTOMER.id),
        senderId: String(FAKE_CUSTOMER.id),
        platformMessageId: `cb:${query.id}`,
        choice: "slot-2",
        text: "Nel pomeriggio",
        attachments: [],
      });
      expect(api.callsOf("answerCallbackQuery").map((call) => call.params.callback_query_id)).toEqual([
        query.id,
      ]);
      const edit = api.callsOf("editMessageReplyMarkup")[0];
      expect(edit?.params).toMatchObject({ chat_id: String(FAKE_CUSTOMER.id), message_id: 55 });
      expect(
        (edit?.params.reply_markup as { inline_keyboard?: unknown[] } | undefined)?.inline_keyboard,
      ).toEqual([]);
      const answeredAt = api.calls.findIndex((call) => call.method === "answerCallbackQuery");
      expect(answeredAt).toBeGreaterThanOrEqual(callsWhenAccepted);
    });

    it("maps a redelivered update (same update_id) to the same platformMessageId; the runtime de-duplicates", async () => {
      await startPolling();
      const update = api.enqueueTwice({ message: api.privateMessage({ text: "Non si accende" }) });
      await eventually(() => received.length === 2, "both deliveries");
      const message = update.message as { message_id: number };
      expect(received.map((m) => m.platformMessageId)).toEqual([
        `${FAKE_CUSTOMER.id}:${message.message_id}`,
        `${FAKE_CUSTOMER.id}:${message.message_id}`,
      ]);
    });

    it("ignores group messages and posts one polite line only when added to a group", async () => {
      await startPolling();
      const groupId = -1009876;
      api.enqueueGroupMessage("ciao bot", groupId);
      api.enqueueBotAddedToGroup(groupId, "en");
      api.enqueueGroupMessage("c'è nessuno?", groupId);
      api.enqueueText("Ciao in privato");
      await eventually(() => received.length === 1 && api.pendingUpdates.length === 0, "all updates handled");
      await eventually(() => api.callsOf("sendMessage").length >= 1, "the group notice");

      expect(received.map((m) => m.text)).toEqual(["Ciao in privato"]);
      const notices = api.callsOf("sendMessage");
      expect(notices).toHaveLength(1);
      expect(String(notices[0]?.params.chat_id)).toBe(String(groupId));
      expect(notices[0]?.params.text).toBe(
        `Hi! I don't answer in groups: for support please write to me in a private chat here: https://t.me/${FAKE_BOT.username}`,
      );
    });

    it("hands one chat's messages over in order, one at a time, and confirms them only after onMessage resolved", async () => {
      const events: string[] = [];
      const first = gate();
      await startPolling({}, async (message) => {
        events.push(`start ${message.text}`);
        if (message.text === "uno") await first.promise;
        received.push(message);
        events.push(`end ${message.text}`);
      });
      const one = api.enqueueText("uno");
      api.enqueueText("due");
      try {
        await eventually(() => events.length === 1, "the first message");
        // Held open: neither update may have been confirmed to Telegram yet.
        expect(events).toEqual(["start uno"]);
        expect(api.pendingUpdates.map((update) => update.update_id)).toContain(one.update_id);
        expect(
          api.callsOf("getUpdates").every((call) => Number(call.params.offset ?? 0) <= one.update_id),
        ).toBe(true);
      } finally {
        first.open(); // also on failure, or stop() in afterEach would wait for the held handler forever
      }
      await eventually(() => received.length === 2, "both messages");
      expect(events).toEqual(["start uno", "end uno", "start due", "end due"]);
      await eventually(() => api.pendingUpdates.length === 0, "the confirmation of both updates");
    });

    it("offers an update again until the runtime accepts it", async () => {
      let attempts = 0;
      await startPolling({ acceptRetryDelayMs: 10 }, async (message) => {
        attempts += 1;
        if (attempts < 3) throw new Error("database is down");
        received.push(message);
      });
      api.enqueueText("riprova");
      await eventually(() => received.length === 1, "the accepted message");
      expect(attempts).toBe(3);
    });
  });

  describe("sending", () => {
    it("splits long text on paragraph boundaries into messages of at most 4096 characters", async () => {
      const sender = await startPolling();
      const paragraphs = Array.from(
        { length: 12 },
        (_, i) => `Paragrafo ${i + 1}: ${"parola ".repeat(120).trim()}`,
      );
      const text = paragraphs.join("\n\n");
      expect(text.length).toBeGreaterThan(4096 * 2);

      const result = await sender.send({ channel: "telegram", chatId: String(FAKE_CUSTOMER.id), text });
      const sent = api.callsOf("sendMessage").map((call) => String(call.params.text));
      expect(sent.length).toBeGreaterThanOrEqual(3);
      for (const part of sent) expect(part.length).toBeLessThanOrEqual(4096);
      expect(sent.join("\n\n")).toBe(text);
      expect(result.platformMessageId).toMatch(new RegExp(`^${FAKE_CUSTOMER.id}:\\d+$`));
    });

    it("renders choices as an inline keyboard with the choice ids as callback data", async () => {
      const sender = await startPolling();
      await sender.send({
        channel: "telegram",
        chatId: String(FAKE_CUSTOMER.id),
        text: "Quando possiamo richiamarti?",
        choices: [
          { id: "slot-1", label: "Domattina" },
          { id: "slot-2", label: "Nel pomeriggio" },
        ],
      });
      const [call] = api.callsOf("sendMessage");
      expect(call?.params.text).toBe("Quando possiamo richiamarti?");
      expect(call?.params.reply_markup).toEqual({
        inline_keyboard: [
          [{ text: "Domattina", callback_data: "slot-1" }],
          [{ text: "Nel pomeriggio", callback_data: "slot-2" }],
        ],
      });
    });

    it("round-trips a choice: keyboard sent, button pressed once, keyboard gone", async () => {
      const bot = await startPolling();
      await bot.send({
        channel: "telegram",
        chatId: String(FAKE_CUSTOMER.id),
        text: "Riesci comunque a lavorare?",
        choices: [
          { id: "can-work", label: "Sì, riesco a lavorare" },
          { id: "blocked", label: "No, sono bloccato" },
        ],
      });
      api.pressButton("No, sono bloccato");
      await eventually(() => received.length === 1, "the choice");
      expect(received[0]).toMatchObject({ choice: "blocked", text: "No, sono bloccato" });
      await eventually(() => api.callsOf("editMessageReplyMarkup").length === 1, "the keyboard removal");
      expect(api.sentTo()[0]?.reply_markup).toBeUndefined();
      expect(() => api.pressButton("Sì, riesco a lavorare")).toThrow(/no visible button/);
    });

    it("sends attachments from bytes (multipart) and from a URL", async () => {
      const sender = await startPolling();
      await sender.send({
        channel: "telegram",
        chatId: String(FAKE_CUSTOMER.id),
        text: "Ecco lo schema e il manuale",
        attachments: [
          { kind: "image", name: "schema.png", mime: "image/png", data: bytes("PNG-bytes") },
          { kind: "document", name: "manuale.pdf", url: "https://example.com/manuale.pdf" },
        ],
      });
      expect(api.callsOf("sendMessage")).toHaveLength(1);
      const [photo] = api.callsOf("sendPhoto");
      expect(photo?.files).toHaveLength(1);
      expect(Buffer.from(photo?.files[0]?.bytes ?? []).toString()).toBe("PNG-bytes");
      expect(photo?.files[0]?.name).toBe("schema.png");
      const [document] = api.callsOf("sendDocument");
      expect(document?.params.document).toBe("https://example.com/manuale.pdf");
    });

    it("waits out a short 429 retry_after inside send, so nothing is lost", async () => {
      const sender = await startPolling();
      api.failNext("sendMessage", { retryAfter: 1 });
      const result = await sender.send({
        channel: "telegram",
        chatId: String(FAKE_CUSTOMER.id),
        text: "Ciao",
      });
      const calls = api.callsOf("sendMessage");
      expect(calls).toHaveLength(2);
      expect(calls.map((call) => call.params.text)).toEqual(["Ciao", "Ciao"]);
      expect(result.platformMessageId).toBeDefined();
    });

    it("throws ChannelSendError with retryAfterMs on a long 429 and resumes a split message without repeating parts", async () => {
      const sender = await startPolling();
      const text = ["A".repeat(4000), "B".repeat(4000), "C".repeat(4000)].join("\n\n");
      api.failNext("sendMessage", { skip: 1, retryAfter: 30 });
      const message = {
        channel: "telegram" as const,
        chatId: String(FAKE_CUSTOMER.id),
        text,
        outboxId: "out-1",
      };

      const error = await sender.send(message).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ChannelSendError);
      expect(error).toMatchObject({ code: "telegram.rate_limited", retryAfterMs: 30_000, permanent: false });

      await sender.send(message); // the outbox retry, after honouring retryAfterMs
      const delivered = api
        .callsOf("sendMessage")
        .map((call) => String(call.params.text)[0])
        .join("");
      // A, then B refused with 429, then B and C: each part reached the customer exactly once.
      expect(delivered).toBe("ABBC");
    });

    it("reports a blocked bot (403) as a permanent error", async () => {
      const sender = await startPolling();
      api.failNext("sendMessage", { errorCode: 403 });
      const error = await sender
        .send({ channel: "telegram", chatId: String(FAKE_CUSTOMER.id), text: "Ciao" })
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ChannelSendError);
      expect(error).toMatchObject({ code: "telegram.blocked", permanent: true });
    });
  });

  describe("connection", () => {
    it("reports a bad token as an error state without throwing from start()", async () => {
      api.invalidToken = true;
      const broken = create();
      await expect(broken.start(async () => {})).resolves.toBeUndefined();
      const state = broken.state();
      expect(state.status).toBe("error");
      expect(state.status === "error" && state.error).toMatch(/token/i);
      expect(api.callsOf("getUpdates")).toHaveLength(0);
    });

    it("goes to error when the token is revoked while polling", async () => {
      const running = await startPolling({ reconnectDelayMs: 60_000 });
      api.invalidToken = true;
      await eventually(() => running.state().status === "error", "the error state");
      const state = running.state();
      expect(state.status === "error" && state.error).toMatch(/rejected the bot token/);
    });

    it("stops polling cleanly: nothing is fetched or handed over after stop()", async () => {
      const running = await startPolling();
      api.enqueueText("prima");
      await eventually(() => received.length === 1, "the first message");
      await running.stop();
      expect(running.state().status).toBe("off");
      const polls = api.callsOf("getUpdates").length;
      api.enqueueText("dopo");
      // The stopped poller let go of the Bot API: nothing in flight, no connection left to poll on.
      await api.idle();
      expect(api.callsOf("getUpdates")).toHaveLength(polls);
      expect(received.map((m) => m.text)).toEqual(["prima"]);
      // The handled update was confirmed on the way out, the new one is left for the next start.
      expect(api.pendingUpdates.map((update) => (update.message as { text: string }).text)).toEqual(["dopo"]);
    });

    it("reports an unreachable Bot API as an error state", async () => {
      const unreachable = create({ apiRoot: "http://127.0.0.1:9", reconnectDelayMs: 60_000 });
      await unreachable.start(async () => {});
      const state = unreachable.state();
      expect(state.status).toBe("error");
      expect(state.status === "error" && state.error).toMatch(/cannot reach the Telegram Bot API/);
    });
  });

  describe("webhook mode", () => {
    let server: Server;
    const secretToken = "s3cret_Token-1";

    beforeEach(async () => {
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const startWebhook = async (onMessage?: (message: InboundMessage) => Promise<void>) => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/webhook`;
      const hooked = create({ webhook: { url, secretToken } });
      const handler = hooked.webhookHandler();
      server.on("request", (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
          void handler({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") }).then(
            (answer) => {
              res.writeHead(answer.status, { "content-type": "application/json" });
              res.end(JSON.stringify(answer.body ?? {}));
            },
          );
        });
      });
      await hooked.start(
        onMessage ??
          (async (message) => {
            received.push(message);
          }),
      );
      return { hooked, url };
    };

    it("registers the webhook with its secret and processes what Telegram pushes", async () => {
      const { hooked, url } = await startWebhook();
      expect(hooked.state()).toEqual({
        status: "connected",
        detail: `@${FAKE_BOT.username} via ${driver} (webhook)`,
      });
      expect(api.webhook).toEqual({ url, secretToken });
      expect(api.callsOf("setWebhook")[0]?.params.allowed_updates).toEqual(["message", "callback_query"]);

      const status = await api.deliverWebhook({ message: api.privateMessage({ text: "via webhook" }) });
      expect(status).toBe(200);
      expect(received.map((m) => m.text)).toEqual(["via webhook"]);
      expect(api.callsOf("getUpdates")).toHaveLength(0);
    });

    it("refuses a wrong or missing secret with 401 and processes nothing", async () => {
      const { url } = await startWebhook();
      const update = JSON.stringify({ update_id: 1, message: api.privateMessage({ text: "forged" }) });
      const wrong = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "guess" },
        body: update,
      });
      const missing = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: update,
      });
      expect([wrong.status, missing.status]).toEqual([401, 401]);
      expect(received).toEqual([]);
    });

    it("answers 500 when the runtime did not accept the update, so Telegram redelivers it", async () => {
      let attempts = 0;
      await startWebhook(async (message) => {
        attempts += 1;
        if (attempts === 1) throw new Error("database is down");
        received.push(message);
      });
      const update = { message: api.privateMessage({ text: "again" }) };
      expect(await api.deliverWebhook(update)).toBe(500);
      expect(await api.deliverWebhook(update)).toBe(200);
      expect(received.map((m) => m.text)).toEqual(["again"]);
    });
  });
});

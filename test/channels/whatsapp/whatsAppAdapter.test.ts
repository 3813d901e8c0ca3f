import { describe, expect, it } from "vitest";
import { ChannelSendError, type InboundMessage } from "../../../src/channels/port.js";
import {
  createWhatsAppAdapter,
  type WhatsAppAdapterOptions,
  type WhatsAppLogger,
} from "../../../src/channels/whatsapp/whatsAppAdapter.js";
import { WhatsAppMediaError } from "../../../src/channels/whatsapp/whatsAppMediaError.js";
import { FakeWhatsAppClient, fakeMessage } from "./fakeWhatsAppClient.js";

interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  obj: object;
  msg: string;
}

interface PendingSleep {
  ms: number;
  signal: AbortSignal;
  wake: () => void;
}

/** Lets queued promise callbacks and the adapter's async handlers run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setup(
  overrides: Partial<WhatsAppAdapterOptions> = {},
  prepareClient: (client: FakeWhatsAppClient) => void = () => {},
) {
  const clients: FakeWhatsAppClient[] = [];
  const logs: LogLine[] = [];
  const sleeps: PendingSleep[] = [];
  const qrsPrinted: string[] = [];
  const received: InboundMessage[] = [];
  const logger: WhatsAppLogger = {
    debug: (obj, msg = "") => logs.push({ level: "debug", obj, msg }),
    info: (obj, msg = "") => logs.push({ level: "info", obj, msg }),
    warn: (obj, msg = "") => logs.push({ level: "warn", obj, msg }),
    error: (obj, msg = "") => logs.push({ level: "error", obj, msg }),
  };
  const adapter = createWhatsAppAdapter({
    dataDir: "/var/lib/sportello",
    chromePath: "/usr/bin/chromium",
    logger,
    clientFactory: (options) => {
      const client = new FakeWhatsAppClient(options);
      prepareClient(client);
      clients.push(client);
      return client;
    },
    printQr: (qr) => qrsPrinted.push(qr),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        sleeps.push({ ms, signal, wake: resolve });
        signal.addEventListener("abort", () => resolve(), { once: true });
      }),
    random: () => 0.5,
    ...overrides,
  });
  const client = () => clients.at(-1)!;
  const start = async () => {
    await adapter.start(async (message) => {
      received.push(message);
    });
    await settle();
  };
  const connect = async () => {
    await start();
    client().becomeReady();
    await settle();
  };
  return { adapter, clients, client, logs, sleeps, qrsPrinted, received, start, connect };
}

describe("WhatsApp adapter: connection states", () => {
  it("is off before start, starting while WhatsApp Web loads, and initializes one client", async () => {
    const t = setup();
    expect(t.adapter.name).toBe("whatsapp");
    expect(t.adapter.state().status).toBe("off");
    await t.start();
    expect(t.adapter.state()).toEqual({ status: "starting" });
    expect(t.clients).toHaveLength(1);
    expect(t.client().initializeCalls).toBe(1);
  });

  it("qr → waiting-for-qr with the QR string, printed for the operator", async () => {
    const t = setup();
    await t.start();
    t.client().emit("qr", "2@ABCDEF,key1,key2,key3");
    expect(t.adapter.state()).toEqual({ status: "waiting-for-qr", qr: "2@ABCDEF,key1,key2,key3" });
    expect(t.qrsPrinted).toEqual(["2@ABCDEF,key1,key2,key3"]);
    expect(t.logs.some((l) => l.level === "info" && l.msg.includes("Linked devices"))).toBe(true);
  });

  it("pairing code → waiting-for-qr carrying the code, and the phone goes to the client options", async () => {
    const t = setup({ pairWithPhone: "+39 333 123 4567" });
    await t.start();
    expect(t.client().options.pairWithPhoneNumber).toEqual({
      phoneNumber: "393331234567",
      showNotification: true,
    });
    t.client().emit("code", "8W2WZ3TS");
    expect(t.adapter.state()).toEqual({ status: "waiting-for-qr", qr: "", pairingCode: "8W2WZ3TS" });
    expect(t.logs.some((l) => l.msg.includes("8W2WZ3TS"))).toBe(true);
  });

  it("refuses a pairing phone that is not a number", () => {
    expect(() => setup({ pairWithPhone: "call me" })).toThrowError(
      expect.objectContaining({ code: "whatsapp-bad-pairing-phone" }),
    );
  });

  it("ready → connected, naming the linked number", async () => {
    const t = setup();
    await t.connect();
    expect(t.adapter.state()).toEqual({ status: "connected", detail: "linked to +390212345678" });
  });

  it("auth_failure → error telling the operator what to delete and re-link", async () => {
    const t = setup();
    await t.start();
    t.client().emit("auth_failure", "session corrupted");
    const state = t.adapter.state();
    expect(state.status).toBe("error");
    expect(state.status === "error" && state.error).toContain("/var/lib/sportello/whatsapp-session");
    expect(state.status === "error" && state.error).toContain("session corrupted");
  });

  it("initialize failing (no Chromium) → error state with a hint, then a retry with backoff", async () => {
    const t = setup({ chromePath: "/nonexistent/chromium" }, (client) => {
      client.initializeError = new Error("Failed to launch the browser process! spawn ENOENT");
    });
    await t.start();
    const state = t.adapter.state();
    expect(state.status).toBe("error");
    expect(state.status === "error" && state.error).toContain("Failed to launch the browser process");
    expect(state.status === "error" && state.error).toContain("CHROME_PATH");
    expect(t.sleeps).toHaveLength(1);
    // The half-started browser is closed at once, not after the backoff.
    expect(t.clients[0]!.destroyCalls).toBe(1);
    t.sleeps[0]!.wake();
    await settle();
    expect(t.clients).toHaveLength(2);
    expect(t.sleeps).toHaveLength(2);
    expect(t.sleeps[1]!.ms).toBeGreaterThan(t.sleeps[0]!.ms);
  });

  it("disconnected → logs why, waits with growing backoff, relaunches a fresh client; ready resets the backoff", async () => {
    const t = setup({ backoff: { initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2 } });
    await t.connect();
    const first = t.client();

    first.emit("disconnected", "CONFLICT");
    expect(t.adapter.state().status).toBe("error");
    expect(
      t.logs.some((l) => l.level === "warn" && (l.obj as { reason?: string }).reason === "CONFLICT"),
    ).toBe(true);
    expect(t.sleeps.map((s) => s.ms)).toEqual([750]);
    expect(t.clients).toHaveLength(1);

    t.sleeps[0]!.wake();
    await settle();
    expect(t.clients).toHaveLength(2);
    expect(first.destroyCalls).toBe(1);
    expect(t.client().initializeCalls).toBe(1);
    expect(t.adapter.state()).toEqual({ status: "starting" });

    // Events from the old client no longer count.
    first.emit("ready");
    expect(t.adapter.state()).toEqual({ status: "starting" });

    // Second drop before reaching ready: the delay doubles.
    t.client().emit("disconnected", "TIMEOUT");
    expect(t.sleeps.map((s) => s.ms)).toEqual([750, 1500]);
    t.sleeps[1]!.wake();
    await settle();
    expect(t.clients).toHaveLength(3);

    t.client().becomeReady();
    await settle();
    expect(t.adapter.state().status).toBe("connected");
    t.client().emit("disconnected", "UNPAIRED");
    expect(t.sleeps.map((s) => s.ms)).toEqual([750, 1500, 750]);
  });

  it("LOGOUT → tells the operator to re-link; a QR from the reloaded page cancels the relaunch", async () => {
    const t = setup({ logoutGraceMs: 45_000 });
    await t.connect();
    t.client().emit("disconnected", "LOGOUT");
    expect(t.logs.some((l) => l.level === "error" && l.msg.includes("Re-link"))).toBe(true);
    expect(t.sleeps[0]!.ms).toBe(45_000);

    t.client().emit("qr", "2@NEWQR");
    expect(t.sleeps[0]!.signal.aborted).toBe(true);
    await settle();
    expect(t.clients).toHaveLength(1);
    expect(t.adapter.state()).toEqual({ status: "waiting-for-qr", qr: "2@NEWQR" });
    expect(t.qrsPrinted).toEqual(["2@NEWQR"]);
  });

  it("LOGOUT without a new QR in the grace period → fresh client, whose QR is shown", async () => {
    const t = setup({ logoutGraceMs: 45_000 });
    await t.connect();
    t.client().emit("disconnected", "LOGOUT");
    t.sleeps[0]!.wake();
    await settle();
    expect(t.clients).toHaveLength(2);
    t.client().emit("qr", "2@AFTERLOGOUT");
    expect(t.adapter.state()).toEqual({ status: "waiting-for-qr", qr: "2@AFTERLOGOUT" });
  });

  it("stop cancels a pending reconnect and destroys the client", async () => {
    const t = setup();
    await t.connect();
    t.client().emit("disconnected", "CONFLICT");
    await t.adapter.stop();
    expect(t.sleeps[0]!.signal.aborted).toBe(true);
    await settle();
    expect(t.clients).toHaveLength(1);
    expect(t.client().destroyCalls).toBe(1);
    expect(t.adapter.state().status).toBe("off");
  });
});

describe("WhatsApp adapter: inbound", () => {
  it("text message → InboundMessage with E.164 sender and the chat id", async () => {
    const t = setup();
    await t.connect();
    t.client().deliver(
      fakeMessage({
        id: "false_393331234567@c.us_3EB0AAAA",
        from: "393331234567@c.us",
        body: "La stampante non stampa",
        timestamp: 1_790_000_000,
        rawData: { notifyName: "Mario" },
      }),
    );
    await settle();
    expect(t.received).toEqual([
      {
        channel: "whatsapp",
        chatId: "393331234567@c.us",
        senderId: "+393331234567",
        platformMessageId: "false_393331234567@c.us_3EB0AAAA",
        at: new Date(1_790_000_000_000),
        text: "La stampante non stampa",
        attachments: [],
        senderName: "Mario",
      },
    ]);
  });

  it("@lid sender → phone resolved through getContact", async () => {
    const t = setup();
    await t.connect();
    const message = fakeMessage({
      from: "123456789012345@lid",
      body: "ciao",
      contact: {
        number: "393339876543",
        id: { user: "123456789012345", server: "lid", _serialized: "123456789012345@lid" },
        pushname: "Giulia",
      },
    });
    t.client().deliver(message);
    await settle();
    expect(message.contactLookups).toBe(1);
    expect(t.received[0]).toMatchObject({
      chatId: "123456789012345@lid",
      senderId: "+393339876543",
      senderName: "Giulia",
    });
  });

  it("@lid sender whose contact only knows the lid → client lid/phone lookup, else the lid is kept and logged", async () => {
    const t = setup();
    await t.connect();
    const lidOnly = {
      number: "111222333444555",
      id: { user: "111222333444555", server: "lid", _serialized: "x" },
    };
    t.client().lidToPhone.set("111222333444555@lid", "41791234567@c.us");
    t.client().deliver(fakeMessage({ from: "111222333444555@lid", body: "hello", contact: lidOnly }));
    t.client().deliver(
      fakeMessage({
        from: "999888777666555@lid",
        body: "hello",
        contact: { ...lidOnly, number: "999888777666555" },
      }),
    );
    await settle();
    expect(t.received.map((m) => m.senderId)).toEqual(["+41791234567", "999888777666555@lid"]);
    expect(t.logs.some((l) => l.level === "warn" && l.msg.includes("could not resolve a @lid"))).toBe(true);
  });

  it("own messages, status broadcasts, groups, channels and system messages are ignored", async () => {
    const t = setup();
    await t.connect();
    t.client().deliver(fakeMessage({ fromMe: true, body: "sent from the phone" }));
    t.client().deliver(fakeMessage({ from: "status@broadcast", isStatus: true, body: "my status" }));
    t.client().deliver(fakeMessage({ from: "status@broadcast", body: "status without the flag" }));
    t.client().deliver(
      fakeMessage({ from: "120363012345678901@g.us", author: "393331234567@c.us", body: "hi all" }),
    );
    t.client().deliver(fakeMessage({ from: "120363012345678901@newsletter", body: "news" }));
    t.client().deliver(fakeMessage({ type: "e2e_notification", body: "" }));
    t.client().deliver(fakeMessage({ type: "revoked", body: "" }));
    t.client().deliver(fakeMessage({ body: "the only real one" }));
    await settle();
    expect(t.received.map((m) => m.text)).toEqual(["the only real one"]);
  });

  it("voice note (ptt) → voice attachment whose fetch downloads the bytes", async () => {
    const t = setup();
    await t.connect();
    const audio = Buffer.from("OggS fake opus bytes");
    const message = fakeMessage({
      type: "ptt",
      hasMedia: true,
      rawData: { mimetype: "audio/ogg; codecs=opus", size: audio.length },
      media: { mimetype: "audio/ogg; codecs=opus", data: audio.toString("base64") },
    });
    t.client().deliver(message);
    await settle();
    const [inbound] = t.received;
    expect(inbound?.text).toBe("");
    expect(inbound?.attachments).toHaveLength(1);
    const attachment = inbound!.attachments[0]!;
    expect(attachment).toMatchObject({ kind: "voice", mime: "audio/ogg; codecs=opus", size: audio.length });
    expect(message.downloads).toBe(0);
    expect(Buffer.from(await attachment.fetch!()).equals(audio)).toBe(true);
    expect(message.downloads).toBe(1);
  });

  it("image with caption → image attachment, caption as text; fetch decodes base64", async () => {
    const t = setup();
    await t.connect();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
    t.client().deliver(
      fakeMessage({
        type: "image",
        hasMedia: true,
        body: "errore sullo schermo",
        rawData: { mimetype: "image/png", size: png.length },
        media: { mimetype: "image/png", data: png.toString("base64"), filename: null },
      }),
    );
    await settle();
    const inbound = t.received[0]!;
    expect(inbound.text).toBe("errore sullo schermo");
    expect(inbound.attachments[0]).toMatchObject({ kind: "image", mime: "image/png" });
    expect(Array.from(await inbound.attachments[0]!.fetch!())).toEqual(Array.from(png));
  });

  it("maps video, document (with file name), audio and sticker; location has no thumbnail text", async () => {
    const t = setup();
    await t.connect();
    const media = { mimetype: "application/octet-stream", data: "AA==" };
    t.client().deliver(fakeMessage({ type: "video", hasMedia: true, media }));
    t.client().deliver(
      fakeMessage({
        type: "document",
        hasMedia: true,
        media,
        rawData: { filename: "fattura.pdf", mimetype: "application/pdf" },
      }),
    );
    t.client().deliver(fakeMessage({ type: "audio", hasMedia: true, media }));
    t.client().deliver(fakeMessage({ type: "sticker", hasMedia: true, media }));
    t.client().deliver(
      fakeMessage({
        type: "location",
        body: "/9j/4AAQSkZJRgABAQAAAQABAAD",
        location: { latitude: "45.4642", longitude: "9.19", description: "Ufficio" },
      }),
    );
    await settle();
    expect(t.received.map((m) => m.attachments[0]?.kind)).toEqual([
      "video",
      "document",
      "audio",
      "sticker",
      "location",
    ]);
    expect(t.received[1]!.attachments[0]).toMatchObject({ name: "fattura.pdf", mime: "application/pdf" });
    expect(t.received[4]!.text).toBe("");
    expect(t.received[4]!.attachments[0]).toEqual({
      kind: "location",
      ref: "geo:45.4642,9.19",
      name: "Ufficio",
    });
  });

  it("media over the cap still arrives, but fetch fails with media-too-large without downloading", async () => {
    const t = setup({ maxMediaBytes: 1000 });
    await t.connect();
    const message = fakeMessage({
      type: "video",
      hasMedia: true,
      rawData: { mimetype: "video/mp4", size: 5_000_000 },
      media: { mimetype: "video/mp4", data: "AAAA" },
    });
    t.client().deliver(message);
    await settle();
    const attachment = t.received[0]!.attachments[0]!;
    expect(attachment.size).toBe(5_000_000);
    const error = await attachment.fetch!().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WhatsAppMediaError);
    expect(error).toMatchObject({ code: "media-too-large", size: 5_000_000, maxBytes: 1000 });
    expect(message.downloads).toBe(0);
  });

  it("media with no announced size is checked after download", async () => {
    const t = setup({ maxMediaBytes: 10 });
    await t.connect();
    t.client().deliver(
      fakeMessage({
        type: "document",
        hasMedia: true,
        media: { mimetype: "application/pdf", data: Buffer.alloc(64).toString("base64") },
      }),
    );
    t.client().deliver(fakeMessage({ type: "image", hasMedia: true, media: undefined }));
    await settle();
    await expect(t.received[0]!.attachments[0]!.fetch!()).rejects.toMatchObject({ code: "media-too-large" });
    await expect(t.received[1]!.attachments[0]!.fetch!()).rejects.toMatchObject({
      code: "media-unavailable",
    });
  });

  it("the same WhatsApp message delivered twice gives the same InboundMessage (runtime de-duplicates)", async () => {
    const t = setup();
    await t.connect();
    const message = fakeMessage({ id: "false_393331234567@c.us_3EB0DUP", body: "aiuto" });
    t.client().deliver(message);
    t.client().deliver(message);
    await settle();
    expect(t.received).toHaveLength(2);
    expect(t.received[0]!.platformMessageId).toBe("false_393331234567@c.us_3EB0DUP");
    expect(t.received[1]).toEqual(t.received[0]);
  });

  it("delivers one chat's messages in order, waiting for the runtime; other chats are not held up", async () => {
    const t = setup();
    const calls: string[] = [];
    let release: () => void = () => {};
    const firstAccepted = new Promise<void>((resolve) => {
      release = resolve;
    });
    await t.adapter.start(async (message) => {
      calls.push(`start ${message.text}`);
      if (message.text === "problem") await firstAccepted;
      calls.push(`done ${message.text}`);
    });
    t.client().becomeReady();
    t.client().deliver(fakeMessage({ from: "393331111111@c.us", body: "problem" }));
    t.client().deliver(fakeMessage({ from: "393331111111@c.us", body: "2" }));
    t.client().deliver(fakeMessage({ from: "393332222222@c.us", body: "other chat" }));
    await settle();
    expect(calls).toEqual(["start problem", "start other chat", "done other chat"]);
    release();
    await settle();
    expect(calls).toEqual([
      "start problem",
      "start other chat",
      "done other chat",
      "done problem",
      "start 2",
      "done 2",
    ]);
  });

  it("a failing inbound handler is logged, not thrown into whatsapp-web.js", async () => {
    const t = setup();
    await t.adapter.start(async () => {
      throw new Error("database down");
    });
    t.client().becomeReady();
    t.client().deliver(fakeMessage({ body: "hi" }));
    await settle();
    expect(t.logs.some((l) => l.level === "error" && l.msg.includes("did not accept"))).toBe(true);
  });
});

describe("WhatsApp adapter: outbound", () => {
  const chatId = "393331234567@c.us";
  const choices = [
    { id: "same", label: "Stesso problema di prima" },
    { id: "new", label: "Nuovo problema" },
    { id: "human", label: "Parla con un tecnico" },
  ];

  it("renders a choice list as numbered text and returns the platform id", async () => {
    const t = setup();
    await t.connect();
    const result = await t.adapter.send({
      channel: "whatsapp",
      chatId,
      text: "Come posso aiutarti?",
      choices,
    });
    expect(t.client().sent).toEqual([
      {
        chatId,
        content:
          "Come posso aiutarti?\n\n1. Stesso problema di prima\n2. Nuovo problema\n3. Parla con un tecnico",
        options: undefined,
      },
    ]);
    expect(result).toEqual({ platformMessageId: `true_${chatId}_SENT1` });
  });

  it('a reply "2" or the option\'s words after a list comes back with choice set', async () => {
    const t = setup();
    await t.connect();
    await t.adapter.send({ channel: "whatsapp", chatId, text: "Come posso aiutarti?", choices });
    t.client().deliver(fakeMessage({ from: chatId, body: " 2 " }));
    t.client().deliver(fakeMessage({ from: chatId, body: "nuovo problema" }));
    t.client().deliver(fakeMessage({ from: chatId, body: "TECNICO" }));
    t.client().deliver(fakeMessage({ from: chatId, body: "la stampante fa un rumore strano da ieri sera" }));
    t.client().deliver(fakeMessage({ from: "393330000000@c.us", body: "2" }));
    await settle();
    const sameChat = t.received.filter((m) => m.chatId === chatId).map((m) => [m.text, m.choice]);
    expect(sameChat).toEqual([
      [" 2 ", "new"],
      ["nuovo problema", "new"],
      ["TECNICO", "human"],
      ["la stampante fa un rumore strano da ieri sera", undefined],
    ]);
    // The list was sent to another chat: this customer's "2" is only text.
    expect(t.received.find((m) => m.chatId === "393330000000@c.us")?.choice).toBeUndefined();
  });

  it('a plain message after a list closes it: a later "2" is just text', async () => {
    const t = setup();
    await t.connect();
    await t.adapter.send({ channel: "whatsapp", chatId, text: "Scegli:", choices });
    await t.adapter.send({ channel: "whatsapp", chatId, text: "Quanti computer sono coinvolti?" });
    t.client().deliver(fakeMessage({ from: chatId, body: "2" }));
    await settle();
    expect(t.received[0]!.choice).toBeUndefined();
  });

  it("splits long text under 4000 characters per message", async () => {
    const t = setup();
    await t.connect();
    const paragraph = `${"parola ".repeat(300).trim()}\n\n`;
    const text = paragraph.repeat(5);
    await t.adapter.send({ channel: "whatsapp", chatId, text });
    const parts = t.client().sent.map((s) => s.content as string);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4000);
    expect(parts.join(" ").replace(/\s+/g, " ")).toBe(text.replace(/\s+/g, " ").trim());
  });

  it("sends attachments as MessageMedia from bytes (documents as documents)", async () => {
    const t = setup();
    await t.connect();
    const pdf = new TextEncoder().encode("%PDF-1.7 fake");
    await t.adapter.send({
      channel: "whatsapp",
      chatId,
      text: "Ecco il rapporto",
      attachments: [{ kind: "document", name: "rapporto.pdf", mime: "application/pdf", data: pdf }],
    });
    const [text, media] = t.client().sent;
    expect(text?.content).toBe("Ecco il rapporto");
    expect(media?.options).toEqual({ sendMediaAsDocument: true });
    expect(media?.content).toMatchObject({
      mimetype: "application/pdf",
      filename: "rapporto.pdf",
      data: Buffer.from(pdf).toString("base64"),
    });
    expect(media?.content.constructor.name).toBe("MessageMedia");
  });

  it("send failure → ChannelSendError; a retry with the same outboxId does not repeat delivered parts", async () => {
    const t = setup();
    await t.connect();
    const message = {
      channel: "whatsapp" as const,
      chatId,
      text: "Il tuo ticket",
      attachments: [
        { kind: "image" as const, name: "foto.jpg", mime: "image/jpeg", data: new Uint8Array([1, 2]) },
      ],
      outboxId: "out-42",
    };
    t.client().sendFailures.push(new Error("Evaluation failed: t: t"));
    const error = await t.adapter.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ code: "whatsapp-send-failed", permanent: false });
    expect(t.client().sent).toHaveLength(0);

    // Next try: the text goes out, the attachment fails; the retry after that sends only the attachment.
    const client = t.client();
    const realSend = client.sendMessage.bind(client);
    client.sendMessage = async (target, content, options) => {
      if (typeof content !== "string" && client.sent.length === 1 && !client.failedOnce) {
        client.failedOnce = true;
        throw new Error("media upload failed");
      }
      return realSend(target, content, options);
    };
    await expect(t.adapter.send(message)).rejects.toMatchObject({ code: "whatsapp-send-failed" });
    expect(client.sent.map((s) => typeof s.content)).toEqual(["string"]);
    const result = await t.adapter.send(message);
    expect(client.sent.map((s) => typeof s.content)).toEqual(["string", "object"]);
    expect(result.platformMessageId).toBe(`true_${chatId}_SENT2`);
  });

  it("refuses to send while not connected (retryable) and to a non-private chat (permanent)", async () => {
    const t = setup();
    await t.start();
    await expect(t.adapter.send({ channel: "whatsapp", chatId, text: "x" })).rejects.toMatchObject({
      code: "whatsapp-not-connected",
      permanent: false,
    });
    t.client().becomeReady();
    await expect(
      t.adapter.send({ channel: "whatsapp", chatId: "120363012345678901@g.us", text: "x" }),
    ).rejects.toMatchObject({ code: "whatsapp-bad-chat-id", permanent: true });
  });
});

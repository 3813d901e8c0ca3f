/**
 * The WhatsApp Cloud API driver against the fake Graph API, on the real runtime and a real
 * database: the signed webhook (refused without the app secret's signature, answered only once
 * stored, redeliveries processed once), every inbound type, buttons and lists both ways, files,
 * the 24-hour window and its templates, delivery statuses, a permanent failure shown to staff,
 * rate limits and a revoked token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createWhatsAppCloudAdapter,
  type WhatsAppCloudAdapter,
} from "../../../src/channels/whatsapp/cloud/cloudAdapter.js";
import * as store from "../../../src/data/supportStore.js";
import type { StaffAction } from "../../../src/desk/port.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { asciiTicketNumbers } from "../../../src/text/ticketNumber.js";
import { eventually } from "../../support/eventually.js";
import { type CloudSent, FakeGraphApi } from "../../support/fakeGraphApi.js";
import { createHarness, type Harness } from "../../support/harness.js";
import { countOf, rowOf, rowsOf } from "../../support/rows.js";

const PROBLEM = "Non capisco come si fa il reso nel programma, la funzione non va";
const TICKET = /LT\u20112027\u2011\d{5}/;
const PHOTO = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, 7, 7]);

let api: FakeGraphApi;
let adapter: WhatsAppCloudAdapter;
let h: Harness;
/** Media kept in memory, counting what was stored. */
const media = (() => {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    async put(bytes: Uint8Array, name: string) {
      const ref = `mem-${files.size + 1}-${name}`;
      files.set(ref, new Uint8Array(bytes));
      return ref;
    },
    async get(ref: string) {
      const bytes = files.get(ref);
      if (!bytes) throw new Error(`no media ${ref}`);
      return bytes;
    },
  };
})();
let nextPhone = 3_331_000_000;

beforeAll(async () => {
  api = await FakeGraphApi.start();
  adapter = createWhatsAppCloudAdapter({
    phoneNumberId: api.phoneNumberId,
    accessToken: api.token,
    appSecret: api.appSecret,
    verifyToken: api.verifyToken,
    baseUrl: api.baseUrl,
    maxMediaBytes: 1024,
    readReceipts: true,
    logger: silentLogger,
  });
  const webhook = adapter.webhookHandler();
  api.target = (rawBody, headers) => webhook({ headers, rawBody });
  h = await createHarness({ channels: [adapter], mediaStore: media });
  api.now = () => h.clock.now();
  expect(adapter.state()).toEqual({
    status: "connected",
    detail: "+39 02 1234 5678 via the Cloud API (driver cloud, webhook)",
  });
});

afterAll(async () => {
  await h?.stop();
  await api?.close();
});

/** A verified standard-plan customer known by phone; returns their WhatsApp id (digits). */
async function customer(language: "it" | "en" = "it"): Promise<string> {
  const digits = `39${nextPhone++}`;
  await h.db.transaction((tx) =>
    store.createCustomer(tx, {
      company: "Bar Roma",
      contactName: "Mario Rossi",
      phone: `+${digits}`,
      language,
      plans: ["standard"],
      verified: true,
    }),
  );
  return digits;
}

async function deliver(message: { body: Record<string, unknown> }): Promise<void> {
  const answer = await api.post(message.body);
  expect(answer, JSON.stringify(answer)).toMatchObject({ status: 200 });
}

async function botSays(to: string, fragment: string | RegExp): Promise<CloudSent> {
  const find = () =>
    api
      .sentTo(to)
      .find((s) => (typeof fragment === "string" ? s.text.includes(fragment) : fragment.test(s.text)));
  await eventually(
    () => find(),
    () => `the bot to say ${String(fragment)}; it said ${JSON.stringify(api.sentTo(to).map((s) => s.text))}`,
  );
  return find()!;
}

async function perform(action: StaffAction) {
  const result = await h.runtime.perform(action);
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
}

/** Problem → tap "Sì" → tap "No, sono bloccato": the ticket number. */
async function openTicket(to: string): Promise<string> {
  await deliver(api.text(to, PROBLEM));
  await botSays(to, "Uso del software");
  await deliver(api.tap(to, "Sì"));
  await botSays(to, "Riesci comunque a lavorare");
  await deliver(api.tap(to, "No, sono bloccato"));
  const opened = await botSays(to, TICKET);
  return asciiTicketNumbers(TICKET.exec(opened.text)![0]);
}

const inboundCount = (to: string) =>
  countOf(h.db, "Message", `"channel" = 'whatsapp' AND "chatId" = ? AND "direction" = 'in'`, `${to}@c.us`);

describe("the webhook", () => {
  it("answers Meta's verification challenge only with the right verify token", async () => {
    const verify = adapter.verificationHandler();
    const query = {
      "hub.mode": "subscribe",
      "hub.challenge": "1158201444",
      "hub.verify_token": api.verifyToken,
    };
    expect(await verify({ headers: {}, query })).toMatchObject({ status: 200, body: "1158201444" });
    expect(await verify({ headers: {}, query: { ...query, "hub.verify_token": "guess" } })).toMatchObject({
      status: 403,
      body: { error: { code: "whatsapp-bad-verify-token" } },
    });
    expect(await verify({ headers: {}, query: { "hub.mode": "subscribe" } })).toMatchObject({ status: 400 });
  });

  it("refuses an unsigned or wrongly signed update without storing it, accepts the signed one", async () => {
    const to = await customer();
    const message = api.text(to, PROBLEM);
    expect(await api.post(message.body, { signature: null })).toMatchObject({
      status: 401,
      body: { error: { code: "whatsapp-signature-missing" } },
    });
    expect(
      await api.post(message.body, { signature: api.sign(JSON.stringify(message.body), "another-secret") }),
    ).toMatchObject({
      status: 403,
      body: { error: { code: "whatsapp-bad-signature" } },
    });
    // Signed, but the body was changed on the way.
    const tampered = JSON.stringify(message.body).replace("reso", "RESO");
    expect(await api.post(tampered, { signature: api.sign(JSON.stringify(message.body)) })).toMatchObject({
      status: 403,
    });
    expect(await inboundCount(to)).toBe(0);
    expect(api.sentTo(to)).toEqual([]);

    await deliver(message);
    // 200 came after the message was stored and answered.
    expect(await inboundCount(to)).toBe(1);
    await botSays(to, "Uso del software");
  });

  it("a redelivered update is processed once: one transcript line, one reply", async () => {
    const to = await customer();
    const message = api.text(to, PROBLEM);
    await deliver(message);
    await botSays(to, "Uso del software");
    await deliver(message);
    await deliver(message);
    expect(await inboundCount(to)).toBe(1);
    expect(api.sentTo(to)).toHaveLength(1);
    // Read receipts went out for the message once it was stored.
    expect(
      api.calls.filter((c) => (c.body as { message_id?: string })?.message_id === message.id).length,
    ).toBeGreaterThanOrEqual(1);
  });

  it("a body that is not a WhatsApp update is refused with 400 and a stable code", async () => {
    expect(await api.post({ object: "page", entry: [] })).toMatchObject({
      status: 400,
      body: { error: { code: "whatsapp-bad-update" } },
    });
    expect(await api.post("{not json")).toMatchObject({ status: 400, body: { error: { code: "bad-json" } } });
  });
});

describe("buttons and lists both ways", () => {
  it("two choices go as reply buttons, five as a list, and taps come back as choices; a typed number works too", async () => {
    const to = await customer();
    await deliver(api.text(to, PROBLEM));
    const confirm = await botSays(to, "Uso del software");
    expect(confirm.payload.interactive).toMatchObject({ type: "button" });
    expect(confirm.options).toEqual(["Sì", "No, è altro"]);
    // Typed instead of tapped: "1" is the first button.
    await deliver(api.text(to, "1"));
    const canWork = await botSays(to, "Riesci comunque a lavorare");
    expect(canWork.options).toEqual(["Sì, riesco a lavorare", "No, sono bloccato"]);
    await deliver(api.tap(to, "No, sono bloccato"));
    const opened = await botSays(to, TICKET);
    const ticket = asciiTicketNumbers(TICKET.exec(opened.text)![0]);

    await store.upsertTechnician(h.db, { name: "marco" });
    await perform({ type: "claim", ticket, by: { name: "marco" } });
    await perform({
      type: "close",
      ticket,
      by: { name: "marco" },
      minutes: 30,
      resolution: "driver aggiornato",
    });
    const rating = await botSays(to, "da 1 a 5");
    expect(rating.payload.interactive).toMatchObject({ type: "list", action: { button: "Scegli" } });
    expect(rating.options).toHaveLength(5);
    await deliver(api.tap(to, rating.options[4]!));
    await botSays(to, "commento");
    await deliver(api.text(to, "bravissimi"));
    await botSays(to, "Grazie per il tuo riscontro");
    const feedback = await rowsOf(
      h.db,
      "Feedback",
      `"ticketId" IN (SELECT "id" FROM "Ticket" WHERE "number" = ?)`,
      ticket,
    );
    expect(feedback.map((f) => [f.rating, f.comment])).toEqual([[5, "bravissimi"]]);
  });

  it("more than ten choices fall back to the numbered list, answered by number", async () => {
    const to = await customer();
    await deliver(api.text(to, PROBLEM));
    await botSays(to, "Uso del software");
    await deliver(api.tap(to, "No, è altro"));
    const pick = await botSays(to, "Di che tipo di problema");
    expect(pick.type).toBe("text");
    expect(pick.text).toMatch(/\n1\. .+\n2\. /);
    await deliver(api.text(to, "1"));
    await eventually(() => api.sentTo(to).length > 2, "an answer to the pick");
  });
});

describe("every inbound type", () => {
  it("image and document are downloaded with the token and kept; video too; location and contacts arrive as text", async () => {
    const to = await customer();
    const ticket = await openTicket(to);
    const before = media.files.size;
    const photoId = api.addMedia(PHOTO, "image/jpeg");
    await deliver(
      api.message(to, "image", { image: { id: photoId, mime_type: "image/jpeg", caption: "schermata" } }),
    );
    const docId = api.addMedia(new Uint8Array([37, 80, 68, 70]), "application/pdf");
    await deliver(
      api.message(to, "document", {
        document: { id: docId, mime_type: "application/pdf", filename: "fattura.pdf" },
      }),
    );
    const videoId = api.addMedia(new Uint8Array([0, 0, 0, 24]), "video/mp4");
    await deliver(api.message(to, "video", { video: { id: videoId, mime_type: "video/mp4" } }));
    await deliver(
      api.message(to, "location", {
        location: { latitude: 43.55, longitude: 10.31, name: "Bar Roma", address: "Via Grande 1, Livorno" },
      }),
    );
    await deliver(
      api.message(to, "contacts", {
        contacts: [{ name: { formatted_name: "Luca Bianchi" }, phones: [{ phone: "+39 333 765 4321" }] }],
      }),
    );
    expect(media.files.size - before).toBe(3);
    const transcript = await h.runtime.transcript(ticket);
    const inbound = transcript.filter((line) => line.direction === "in");
    const kinds = inbound.flatMap((line) => (line.attachments ?? []).map((a) => [a.kind, a.mime]));
    expect(kinds).toEqual([
      ["image", "image/jpeg"],
      ["document", "application/pdf"],
      ["video", "video/mp4"],
    ]);
    expect(inbound.map((line) => line.text)).toEqual(
      expect.arrayContaining([
        "schermata",
        "📍 Bar Roma, Via Grande 1, Livorno https://maps.google.com/?q=43.55,10.31",
        "👤 Luca Bianchi, +39 333 765 4321",
      ]),
    );
    const photo = inbound.find((line) => line.text === "schermata")!.attachments![0]!;
    expect([...((await h.runtime.attachment(ticket, photo.ref!))?.bytes ?? [])]).toEqual([...PHOTO]);
    // Every download carried the token (the fake refuses anything else).
    expect(api.calls.filter((c) => c.path.startsWith("/download/"))).toHaveLength(3);
  });

  it("a voice note goes to the transcription path (AI off: the polite request to write)", async () => {
    const to = await customer();
    const voiceId = api.addMedia(new Uint8Array([0x4f, 0x67, 0x67, 0x53]), "audio/ogg; codecs=opus");
    await deliver(
      api.message(to, "audio", { audio: { id: voiceId, mime_type: "audio/ogg; codecs=opus", voice: true } }),
    );
    await botSays(to, "non posso ascoltarlo");
    const stored = await rowOf(h.db, "Message", `"chatId" = ? AND "direction" = 'in'`, `${to}@c.us`);
    expect(JSON.parse(stored!.body).attachments[0]).toMatchObject({ kind: "voice", mime: "audio/ogg" });
  });

  it("a file over the size limit is not downloaded and the customer is told", async () => {
    const to = await customer();
    await openTicket(to);
    const big = api.addMedia(new Uint8Array(2048), "image/jpeg");
    const downloads = api.calls.filter((c) => c.path.startsWith("/download/")).length;
    await deliver(api.message(to, "image", { image: { id: big, mime_type: "image/jpeg" } }));
    await botSays(to, "troppo grande");
    expect(api.calls.filter((c) => c.path.startsWith("/download/")).length).toBe(downloads);
  });

  it("reactions and system notices are ignored; a sticker or an unsupported type gets the polite answer, in English for an English customer", async () => {
    const to = await customer("en");
    await deliver(api.message(to, "reaction", { reaction: { message_id: "wamid.x", emoji: "👍" } }));
    await deliver(api.message(to, "system", { system: { body: "changed number" } }));
    expect(await inboundCount(to)).toBe(0);
    await deliver(
      api.message(to, "unsupported", { errors: [{ code: 131051, title: "Message type unknown" }] }),
    );
    await botSays(to, "can't read this kind of message");
    const stickerId = api.addMedia(new Uint8Array([1]), "image/webp");
    await deliver(api.message(to, "sticker", { sticker: { id: stickerId, mime_type: "image/webp" } }));
    await eventually(() => api.sentTo(to).length === 2, "the second polite answer");
    expect(api.sentTo(to).map((s) => s.text)).toEqual([
      expect.stringContaining("can't read this kind of message"),
      expect.stringContaining("can't read this kind of message"),
    ]);
  });
});

describe("outbound files, statuses, failures", () => {
  it("a technician's file is uploaded and sent as a document; statuses sent → delivered → read are recorded and never go back", async () => {
    const to = await customer();
    const ticket = await openTicket(to);
    await store.upsertTechnician(h.db, { name: "anna" });
    await perform({ type: "claim", ticket, by: { name: "anna" } });
    await perform({
      type: "reply",
      ticket,
      by: { name: "anna" },
      text: "Ecco il manuale",
      attachments: [
        {
          kind: "document",
          name: "manuale.pdf",
          mime: "application/pdf",
          data: new Uint8Array([37, 80, 68, 70, 45]),
        },
      ],
    });
    const doc = await eventually(() => api.sentTo(to).find((s) => s.type === "document"), "the document");
    expect(doc.payload).toMatchObject({ document: { filename: "manuale.pdf" } });
    expect(api.uploads.at(-1)).toMatchObject({ mime: "application/pdf", name: "manuale.pdf", size: 5 });

    const reply = await botSays(to, "Ecco il manuale");
    for (const status of ["sent", "delivered", "read", "delivered"] as const)
      expect(await api.post(api.status(reply.id, status))).toMatchObject({ status: 200 });
    const receipt = await rowOf(
      h.db,
      "DeliveryReceipt",
      `"channel" = 'whatsapp' AND "platformMessageId" = ?`,
      reply.id,
    );
    expect(receipt).toMatchObject({ status: "read", chatId: `${to}@c.us` });
    const row = await rowOf(h.db, "Message", `"id" = ?`, receipt!.messageId!);
    expect(row).toMatchObject({ direction: "out", status: "sent" });
    expect(row!.text).toContain("Ecco il manuale");
  });

  it("a message WhatsApp reports failed for good is marked failed and shown to staff on the ticket, once", async () => {
    const to = await customer();
    const ticket = await openTicket(to);
    await store.upsertTechnician(h.db, { name: "marco" });
    await perform({ type: "claim", ticket, by: { name: "marco" } });
    await perform({ type: "reply", ticket, by: { name: "marco" }, text: "La richiamo alle 15" });
    const reply = await botSays(to, "La richiamo alle 15");
    const failed = api.status(reply.id, "failed", [
      {
        code: 131026,
        title: "Message undeliverable",
        message: "Receiver is incapable of receiving this message",
      },
    ]);
    expect(await api.post(failed)).toMatchObject({ status: 200 });
    expect(await api.post(failed)).toMatchObject({ status: 200 });
    const notes = await eventually(async () => {
      const events = await rowsOf(
        h.db,
        "TicketEvent",
        `"ticketId" IN (SELECT "id" FROM "Ticket" WHERE "number" = ?) AND "type" = 'ticket.note'`,
        ticket,
      );
      return events.length > 0 ? events : undefined;
    }, "a note for staff");
    expect(notes).toHaveLength(1);
    expect(JSON.parse(notes[0]!.payload).text).toContain("Message undeliverable");
    const row = await rowOf(h.db, "Message", `"chatId" = ? AND "text" LIKE ?`, `${to}@c.us`, "%La richiamo%");
    expect(row).toMatchObject({ status: "failed" });
    expect(row!.lastError).toContain("131026");
  });

  it("a message WhatsApp reports failed for a passing reason is sent again a minute later, not reported", async () => {
    const to = await customer();
    await deliver(api.text(to, PROBLEM));
    const first = await botSays(to, "Uso del software");
    const where = `"chatId" = ? AND "direction" = 'out'`;
    const chat = `${to}@c.us`;
    await eventually(() => rowOf(h.db, "Message", `${where} AND "status" = 'sent'`, chat), "marked sent");
    expect(
      await api.post(api.status(first.id, "failed", [{ code: 131000, title: "Something went wrong" }])),
    ).toMatchObject({ status: 200 });
    const row = await eventually(
      () => rowOf(h.db, "Message", `${where} AND "status" = 'pending' AND "attempts" = 2`, chat),
      "the message back in the outbox",
    );
    expect(row.lastError).toContain("131000");
    await h.clock.advance(60_000);
    await h.runtime.deliver();
    await eventually(() => api.sentTo(to).length === 2, "the message sent again");
    expect(api.sentTo(to)[1]!.text).toBe(first.text);
    expect(await rowOf(h.db, "Message", `"id" = ?`, row.id)).toMatchObject({ status: "sent" });
  });

  it("a 429 with a short Retry-After is waited out; a long one goes back to the outbox with the advised wait; the reply arrives once", async () => {
    const to = await customer();
    const sends = () =>
      api.calls.filter((c) => c.path.endsWith("/messages") && !(c.body as { status?: string }).status).length;
    let before = sends();
    api.failNext("messages", { status: 429, code: 130429, message: "Rate limit hit", retryAfter: 1 });
    await deliver(api.text(to, PROBLEM));
    await botSays(to, "Uso del software");
    expect(api.sentTo(to)).toHaveLength(1);
    expect(sends() - before).toBe(2);

    before = sends();
    api.failNext("messages", { status: 429, code: 131056, message: "Pair rate limit hit", retryAfter: 120 });
    await deliver(api.tap(to, "Sì"));
    const row = await eventually(
      () =>
        rowOf(
          h.db,
          "Message",
          `"chatId" = ? AND "direction" = 'out' AND "status" = 'pending' AND "attempts" = 1`,
          `${to}@c.us`,
        ),
      "the reply back in the outbox",
    );
    expect(row.lastError).toContain("131056");
    expect(row.nextAttemptAt!.getTime() - h.clock.now().getTime()).toBe(120_000);
    await h.clock.advance(120_000);
    await h.runtime.deliver();
    await botSays(to, "Riesci comunque a lavorare");
    expect(api.sentTo(to)).toHaveLength(2);
    expect(sends() - before).toBe(2);
  });

  it("a revoked token puts the channel in error naming the driver, and it recovers once calls succeed", async () => {
    const to = await customer();
    api.invalidToken = true;
    await deliver(api.text(to, PROBLEM));
    await eventually(() => adapter.state().status === "error", "the channel to report the token");
    expect(adapter.state()).toMatchObject({
      status: "error",
      error: expect.stringContaining("driver cloud"),
    });
    expect(h.runtime.channelStates()).toContainEqual({ name: "whatsapp", state: adapter.state() });
    api.invalidToken = false;
    await h.runtime.deliver();
    await h.clock.advance(10 * 60_000 + 1);
    await h.runtime.deliver();
    await botSays(to, "Uso del software");
    expect(adapter.state().status).toBe("connected");
  });
});

describe("the 24-hour customer-service window", () => {
  it("25 h after the customer's last message the technician's reply, the close summary and the feedback question go as templates; a file cannot and staff are told", async () => {
    const to = await customer();
    const ticket = await openTicket(to);
    await store.upsertTechnician(h.db, { name: "marco" });
    await perform({ type: "claim", ticket, by: { name: "marco" } });
    await botSays(to, "marco ha preso in carico");
    expect(api.sentTo(to).every((s) => s.type !== "template")).toBe(true);

    await h.clock.advance(25 * 3600 * 1000);
    await perform({
      type: "reply",
      ticket,
      by: { name: "marco" },
      text: "Il pezzo è arrivato, passo domani",
    });
    const reply = await botSays(to, "Il pezzo è arrivato");
    expect(reply.payload).toMatchObject({
      type: "template",
      template: { name: "sportello_update", language: { code: "it" } },
    });
    await perform({
      type: "reply",
      ticket,
      by: { name: "marco" },
      text: "La foto del pezzo",
      attachments: [{ kind: "image", name: "foto.jpg", mime: "image/jpeg", data: new Uint8Array([1, 2, 3]) }],
    });
    await perform({
      type: "close",
      ticket,
      by: { name: "marco" },
      minutes: 45,
      resolution: "pezzo sostituito",
    });
    const summary = await botSays(to, "pezzo sostituito");
    expect(summary.payload).toMatchObject({ type: "template", template: { name: "sportello_update" } });
    const question = await botSays(to, "da 1 a 5");
    expect(question.payload).toMatchObject({ type: "template", template: { name: "sportello_feedback" } });
    // One line, as WhatsApp wants template parameters: the choices follow the question.
    expect(question.text).toMatch(/da 1 a 5\? · 1\. .* · 5\. /);
    expect(api.sentTo(to).some((s) => s.text.includes("La foto del pezzo"))).toBe(false);
    const note = await eventually(async () => {
      const events = await rowsOf(
        h.db,
        "TicketEvent",
        `"ticketId" IN (SELECT "id" FROM "Ticket" WHERE "number" = ?) AND "type" = 'ticket.note'`,
        ticket,
      );
      return events.find((e) => e.payload.includes("24 h"));
    }, "staff told the file could not go");
    expect(JSON.parse(note.payload).text).toContain("files cannot go in a template");

    // The customer answers the template: the window is open again and the answer counts.
    await deliver(api.text(to, "5"));
    await botSays(to, "commento");
    const comment = await botSays(to, "commento");
    expect(comment.type).not.toBe("template");
  });
});

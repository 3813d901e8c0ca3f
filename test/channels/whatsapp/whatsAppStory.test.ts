/**
 * End to end on WhatsApp: the real WhatsApp adapter driving a hand-written whatsapp-web.js client
 * fake, the real SupportRuntime and a real database (SQLite or PostgreSQL). Customers are known by
 * their phone only (no identity row): the runtime must find them from the sender's E.164 number,
 * including `@lid` senders resolved through their contact.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAdapter } from "../../../src/channels/port.js";
import { createWhatsAppAdapter } from "../../../src/channels/whatsapp/whatsAppAdapter.js";
import * as store from "../../../src/data/supportStore.js";
import type { StaffAction } from "../../../src/desk/port.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { loadPolicy } from "../../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../../src/runtime/clock.js";
import type { SupportRuntime } from "../../../src/runtime/supportRuntime.js";
import { asciiTicketNumbers } from "../../../src/text/ticketNumber.js";
import { eventually } from "../../support/eventually.js";
import { createHarness } from "../../support/harness.js";
import { createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";
import { type FakeMessage, FakeWhatsAppClient, fakeMessage } from "./fakeWhatsAppClient.js";

const EASTER_MONDAY = "2027-03-29T10:00:00+02:00";
const PROBLEM = "Non capisco come si fa il reso nel programma, la funzione non va";
/** As the phone shows it: non-breaking hyphens, so the number never breaks across lines. */
const TICKET = /LT\u20112027\u2011\d{5}/;

/** A small PNG-looking payload; the bytes only have to survive the trip unchanged. */
const PHOTO = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 250, 251, 252]);
const VOICE = new Uint8Array([0x4f, 0x67, 0x67, 0x53, 0, 2, 9, 9, 9]);

/** Media store kept in memory, counting what was put. */
function memoryMediaStore() {
  const files = new Map<string, Uint8Array>();
  const names: string[] = [];
  return {
    files,
    names,
    async put(bytes: Uint8Array, name: string): Promise<string> {
      const ref = `mem:${files.size + 1}`;
      files.set(ref, new Uint8Array(bytes));
      names.push(name);
      return ref;
    },
    async get(ref: string): Promise<Uint8Array> {
      const bytes = files.get(ref);
      if (!bytes) throw Object.assign(new Error(`no media ${ref}`), { code: "media-not-found" });
      return bytes;
    },
  };
}

// Exiting cleanly is part of the contract: after stop() no timer, socket or server of ours may be
// left keeping the process alive.
let resourcesAtStart: string[] = [];
beforeAll(() => {
  resourcesAtStart = process.getActiveResourcesInfo().sort();
});
afterAll(async () => {
  const leftBehind = () => JSON.stringify(process.getActiveResourcesInfo().sort());
  const deadline = Date.now() + 5_000;
  while (leftBehind() !== JSON.stringify(resourcesAtStart) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(leftBehind()).toBe(JSON.stringify(resourcesAtStart));
});

describe("WhatsApp end to end on the real runtime (adapter + fake whatsapp-web.js client)", () => {
  let t: TestDatabase;
  let client: FakeWhatsAppClient;
  let adapter: ChannelAdapter;
  let runtime: SupportRuntime;
  let clock: SimulatedClock;
  let dataDir: string;
  const media = memoryMediaStore();
  /** The runtime's log lines (debug and up), to see a redelivery being dropped. */
  const runtimeLog: { msg?: string; id?: string }[] = [];
  let nextPhone = 3_331_234_567;

  // One WhatsApp account, runtime and database for the file; customers told apart by phone.
  beforeAll(async () => {
    t = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "sportello-whatsapp-story-"));
    clock = new SimulatedClock(EASTER_MONDAY);
    const policy = loadPolicy("leotron");
    const clients: FakeWhatsAppClient[] = [];
    adapter = createWhatsAppAdapter({
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
    const logger = pino(
      { level: "debug" },
      { write: (line: string) => void runtimeLog.push(JSON.parse(line) as { msg?: string; id?: string }) },
    );
    ({ runtime } = await createHarness({
      database: t,
      policy,
      clock,
      logger,
      channels: [adapter],
      mediaStore: media,
    }));
    expect(clients).toHaveLength(1);
    client = clients[0]!;
    expect(adapter.state().status).toBe("starting");
    client.emit("qr", "2@FAKEQR,key1,key2,key3");
    expect(adapter.state()).toMatchObject({ status: "waiting-for-qr", qr: "2@FAKEQR,key1,key2,key3" });
    client.becomeReady();
    expect(adapter.state()).toMatchObject({ status: "connected", detail: "linked to +390212345678" });
  });

  afterAll(async () => {
    await runtime?.stop();
    expect(client?.destroyCalls).toBe(1);
    await t?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A standard-plan customer known only by phone: no channel identity row exists. */
  async function knownCustomer(): Promise<{ phone: string; chatId: string; customerId: string }> {
    const digits = `39${nextPhone++}`;
    const phone = `+${digits}`;
    const customer = await store.createCustomer(t.db.prisma, {
      company: "Bar Roma",
      contactName: "Mario Rossi",
      phone,
      language: "it",
      plans: ["standard"],
      verified: true,
    });
    expect(await t.db.prisma.channelIdentity.count({ where: { customerId: customer.id } })).toBe(0);
    return { phone, chatId: `${digits}@c.us`, customerId: customer.id };
  }

  /** Texts the bot sent to one chat, in order (media parts as `[media]`). */
  const sentTo = (chatId: string) =>
    client.sent
      .filter((sent) => sent.chatId === chatId)
      .map((sent) => (typeof sent.content === "string" ? sent.content : "[media]"));

  /** Waits for a bot message to `chatId` containing `fragment`, and returns it. */
  async function botSays(chatId: string, fragment: string | RegExp): Promise<string> {
    const find = () =>
      sentTo(chatId).find((text) =>
        typeof fragment === "string" ? text.includes(fragment) : fragment.test(text),
      );
    await eventually(
      () => find() !== undefined,
      () => `the bot to say ${String(fragment)} to ${chatId}; it said ${JSON.stringify(sentTo(chatId))}`,
    );
    return find()!;
  }

  /** Delivers a message and waits until the runtime has dropped it as a duplicate. */
  async function redeliver(message: FakeMessage): Promise<void> {
    const dropped = () =>
      runtimeLog.filter(
        (line) => line.msg === "duplicate delivery dropped" && line.id === message.id._serialized,
      ).length;
    const before = dropped();
    client.deliver(message);
    await eventually(() => dropped() > before, `redelivered ${message.id._serialized} to be dropped`);
  }

  async function perform(action: StaffAction) {
    const result = await runtime.perform(action);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    return result;
  }

  /** Problem → "1" (yes, software usage) → "2" (blocked): returns the ticket number. */
  async function openTicket(chatId: string): Promise<string> {
    client.deliver(fakeMessage({ from: chatId, body: PROBLEM }));
    await botSays(chatId, "Uso del software");
    client.deliver(fakeMessage({ from: chatId, body: "1" }));
    await botSays(chatId, "Riesci comunque a lavorare");
    client.deliver(fakeMessage({ from: chatId, body: "2" }));
    const opened = await botSays(chatId, TICKET);
    await botSays(chatId, "domani, martedì 30 marzo, alle 09:00");
    return asciiTicketNumbers(TICKET.exec(opened)![0]);
  }

  it("Easter Monday: problem → numbered choices answered by number and by words → ticket number → closed-hours message → technician reply → close and rating", async () => {
    const { phone, chatId, customerId } = await knownCustomer();
    expect(chatId).toBe("393331234567@c.us");

    client.deliver(fakeMessage({ from: chatId, body: PROBLEM }));
    const category = await botSays(chatId, "Uso del software");
    // Buttons are gone from WhatsApp Web: the choices travel as a numbered list in the text.
    expect(category).toBe(
      "Sembra un problema di: Uso del software e formazione. È corretto?\n\n1. Sì\n2. No, è altro",
    );
    // Known by phone at once: the runtime linked the sender's number to the customer.
    const identity = await t.db.prisma.channelIdentity.findUnique({
      where: { channel_externalId: { channel: "whatsapp", externalId: phone } },
    });
    expect(identity?.customerId).toBe(customerId);

    client.deliver(fakeMessage({ from: chatId, body: "1" }));
    const canWork = await botSays(chatId, "Riesci comunque a lavorare");
    expect(canWork).toMatch(/\n\n1\. Sì, riesco a lavorare\n2\. No, sono bloccato$/);

    // The option's words instead of its number.
    client.deliver(fakeMessage({ from: chatId, body: "No, sono bloccato" }));
    const opened = await botSays(chatId, TICKET);
    const ticket = asciiTicketNumbers(TICKET.exec(opened)![0]);
    await botSays(chatId, "copia di sicurezza");
    await botSays(chatId, "Pasquetta");
    await botSays(chatId, "domani, martedì 30 marzo, alle 09:00");
    expect(await runtime.getTicket(ticket)).toMatchObject({
      status: "open",
      channel: "whatsapp",
      chatId,
      blocking: true,
      category: "software-usage",
      customer: { id: customerId, phone },
    });

    // A technician takes it and writes from the desk; the customer reads it on WhatsApp.
    await store.upsertTechnician(t.db.prisma, { name: "marco" });
    await perform({ type: "claim", ticket, by: { name: "marco" } });
    await botSays(chatId, "marco ha preso in carico");
    await perform({ type: "reply", ticket, by: { name: "marco" }, text: "Ti chiamo tra 5 minuti" });
    await botSays(chatId, "Ti chiamo tra 5 minuti");

    await perform({
      type: "close",
      ticket,
      by: { name: "marco" },
      minutes: 70,
      resolution: "reinstallato driver",
    });
    await botSays(chatId, "reinstallato driver");
    const rating = await botSays(chatId, "da 1 a 5");
    expect(rating).toMatch(/\n1\. .*\n2\. .*\n3\. .*\n4\. .*\n5\. .*$/);
    expect(await runtime.getTicket(ticket)).toMatchObject({ status: "closed" });

    client.deliver(fakeMessage({ from: chatId, body: "5" }));
    await botSays(chatId, "commento");
    client.deliver(fakeMessage({ from: chatId, body: "ottimo servizio" }));
    await botSays(chatId, "Grazie per il tuo riscontro");
    const recorded = await t.db.prisma.feedback.findMany({ where: { ticket: { number: ticket } } });
    expect(recorded.map(({ rating: stars, comment }) => ({ stars, comment }))).toEqual([
      { stars: 5, comment: "ottimo servizio" },
    ]);
    const tickets = await t.db.prisma.ticket.findMany({ where: { channel: "whatsapp", chatId } });
    expect(tickets.map((row) => row.number)).toEqual([ticket]);
    // Every reply went to the customer's own chat, as plain text.
    expect(
      client.sent.filter((sent) => sent.chatId === chatId).every((s) => typeof s.content === "string"),
    ).toBe(true);
  });

  it("a photo sent on an open ticket is downloaded once, kept in the media store and served for the ticket", async () => {
    const { chatId } = await knownCustomer();
    const ticket = await openTicket(chatId);
    const putsBefore = media.files.size;

    const photo = fakeMessage({
      from: chatId,
      type: "image",
      hasMedia: true,
      body: "ecco la schermata dell'errore",
      rawData: { mimetype: "image/jpeg", size: PHOTO.byteLength },
      media: { mimetype: "image/jpeg", data: Buffer.from(PHOTO).toString("base64"), filename: null },
    });
    client.deliver(photo);
    await eventually(
      () => media.files.size > putsBefore,
      () => `the photo to be stored; the bot said ${JSON.stringify(sentTo(chatId))}`,
    );
    // The bytes are stored before the transaction; wait for the message itself to be committed.
    const entry = await eventually(
      async () =>
        (await runtime.transcript(ticket)).find(
          (line) => line.direction === "in" && (line.attachments ?? []).some((a) => a.kind === "image"),
        ),
      "the photo's message in the transcript",
    );
    expect(entry.text).toBe("ecco la schermata dell'errore");
    const attachment = entry.attachments!.find((a) => a.kind === "image")!;
    expect(attachment).toMatchObject({ kind: "image", mime: "image/jpeg" });
    expect(attachment.ref).toMatch(/^mem:/);
    expect(photo.downloads).toBe(1);

    const served = await runtime.attachment(ticket, attachment.ref!);
    expect(served?.mime).toBe("image/jpeg");
    expect([...(served?.bytes ?? [])]).toEqual([...PHOTO]);
    // A reference the ticket's transcript does not carry is not served.
    expect(await runtime.attachment(ticket, "mem:unknown")).toBeNull();

    // Redelivered: neither downloaded nor stored again.
    const stored = media.files.size;
    await redeliver(photo);
    expect(photo.downloads).toBe(1);
    expect(media.files.size).toBe(stored);
  });

  it("the same msg.id delivered twice gets one reply and opens at most one ticket", async () => {
    const { chatId } = await knownCustomer();

    const problem = fakeMessage({ from: chatId, body: PROBLEM });
    client.deliver(problem);
    await botSays(chatId, "Uso del software");
    await redeliver(problem);
    expect(sentTo(chatId)).toEqual([
      "Sembra un problema di: Uso del software e formazione. È corretto?\n\n1. Sì\n2. No, è altro",
    ]);

    const yes = fakeMessage({ from: chatId, body: "1" });
    client.deliver(yes);
    await botSays(chatId, "Riesci comunque a lavorare");
    await redeliver(yes);

    // The answer that opens the ticket arrives twice, as after a reconnect.
    const blocked = fakeMessage({ from: chatId, body: "2" });
    client.deliver(blocked);
    await botSays(chatId, "martedì 30 marzo");
    const sentAfterFirst = sentTo(chatId);
    await redeliver(blocked);
    expect(sentTo(chatId)).toEqual(sentAfterFirst);

    const sent = sentTo(chatId);
    expect(sent.filter((text) => text.includes("Uso del software"))).toHaveLength(1);
    expect(sent.filter((text) => text.includes("Riesci comunque a lavorare"))).toHaveLength(1);
    expect(sent.filter((text) => TICKET.test(text))).toHaveLength(1);
    expect(sent.filter((text) => text.includes("Pasquetta"))).toHaveLength(1);
    expect(await t.db.prisma.ticket.count({ where: { channel: "whatsapp", chatId } })).toBe(1);
    expect(await t.db.prisma.message.count({ where: { channel: "whatsapp", chatId, direction: "in" } })).toBe(
      3,
    );
  });

  it("a voice note (ptt) with AI off gets the polite request to write, once", async () => {
    const { chatId } = await knownCustomer();
    const voice = fakeMessage({
      from: chatId,
      type: "ptt",
      hasMedia: true,
      rawData: { mimetype: "audio/ogg; codecs=opus", size: VOICE.byteLength },
      media: { mimetype: "audio/ogg; codecs=opus", data: Buffer.from(VOICE).toString("base64") },
    });
    client.deliver(voice);
    await botSays(chatId, "non posso ascoltarlo");
    expect(sentTo(chatId)).toEqual([
      "Ho ricevuto un messaggio vocale, ma non posso ascoltarlo: per favore scrivi il problema in un messaggio di testo.",
    ]);
    await redeliver(voice);
    expect(sentTo(chatId)).toHaveLength(1);
    expect(await t.db.prisma.ticket.count({ where: { channel: "whatsapp", chatId } })).toBe(0);

    // Writing it instead works as usual.
    client.deliver(fakeMessage({ from: chatId, body: PROBLEM }));
    await botSays(chatId, "Uso del software");
  });

  it("an @lid sender resolved through its contact to the phone is recognised as the known customer", async () => {
    const { phone, customerId } = await knownCustomer();
    const lidChat = "207394850117231@lid";
    const digits = phone.slice(1);
    const contact = {
      number: digits,
      id: { user: digits, server: "c.us", _serialized: `${digits}@c.us` },
      pushname: "Mario",
    };

    const problem = fakeMessage({ from: lidChat, body: PROBLEM, contact });
    client.deliver(problem);
    // Known at once: straight to triage, no "who are you" questions.
    await botSays(lidChat, "Uso del software");
    expect(problem.contactLookups).toBe(1);
    expect(sentTo(lidChat)).toEqual([
      "Sembra un problema di: Uso del software e formazione. È corretto?\n\n1. Sì\n2. No, è altro",
    ]);
    const identity = await t.db.prisma.channelIdentity.findUnique({
      where: { channel_externalId: { channel: "whatsapp", externalId: phone } },
    });
    expect(identity?.customerId).toBe(customerId);

    client.deliver(fakeMessage({ from: lidChat, body: "sì", contact }));
    await botSays(lidChat, "Riesci comunque a lavorare");
    client.deliver(fakeMessage({ from: lidChat, body: "2", contact }));
    const opened = await botSays(lidChat, TICKET);
    const ticket = asciiTicketNumbers(TICKET.exec(opened)![0]);
    // The ticket belongs to the customer and answers go back to the @lid chat it came from.
    expect(await runtime.getTicket(ticket)).toMatchObject({
      channel: "whatsapp",
      chatId: lidChat,
      customer: { id: customerId, phone },
    });
    expect(client.sent.some((sent) => sent.chatId === `${digits}@c.us`)).toBe(false);
  });
});

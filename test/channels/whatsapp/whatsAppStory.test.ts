/**
 * End to end on WhatsApp, on both drivers: the real WhatsApp adapter — whatsapp-web.js driving a
 * hand-written client fake (`web`), or the Cloud API driver receiving signed webhooks from the
 * fake Graph API (`cloud`) — the real SupportRuntime and a real database (SQLite or PostgreSQL).
 * Customers are known by their phone only (no identity row): the runtime must find them from the
 * sender's E.164 number (web: including `@lid` senders resolved through their contact).
 */

import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as store from "../../../src/data/supportStore.js";
import type { StaffAction } from "../../../src/desk/port.js";
import { loadPolicy } from "../../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../../src/runtime/clock.js";
import type { SupportRuntime } from "../../../src/runtime/supportRuntime.js";
import { asciiTicketNumbers } from "../../../src/text/ticketNumber.js";
import { eventually } from "../../support/eventually.js";
import { createHarness } from "../../support/harness.js";
import { expectNothingLeftBehind } from "../../support/resourcesLeft.js";
import { countOf, rowOf, rowsOf } from "../../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";
import { fakeMessage } from "./fakeWhatsAppClient.js";
import {
  createPhone,
  type PhoneMessage,
  WHATSAPP_DRIVERS,
  type WhatsAppDriverName,
  type WhatsAppPhone,
} from "./whatsAppDrivers.js";

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
  return {
    files,
    async put(bytes: Uint8Array, _name: string): Promise<string> {
      const ref = `mem:${files.size + 1}`;
      files.set(ref, new Uint8Array(bytes));
      return ref;
    },
    async get(ref: string): Promise<Uint8Array> {
      const bytes = files.get(ref);
      if (!bytes) throw Object.assign(new Error(`no media ${ref}`), { code: "media-not-found" });
      return bytes;
    },
  };
}

expectNothingLeftBehind();

/** One WhatsApp account, runtime and database per block; customers told apart by phone. */
function storySetup(driver: WhatsAppDriverName) {
  const s = {
    t: undefined as unknown as TestDatabase,
    phone: undefined as unknown as WhatsAppPhone,
    runtime: undefined as unknown as SupportRuntime,
    media: memoryMediaStore(),
    nextPhone: 3_331_234_567,
  };
  /** The runtime's log lines (debug and up), to see a redelivery being dropped. */
  const runtimeLog: { msg?: string; id?: string }[] = [];

  beforeAll(async () => {
    s.t = await createTestDatabase();
    const clock = new SimulatedClock(EASTER_MONDAY);
    s.phone = await createPhone(driver, {
      now: () => clock.now(),
      dropped: (id) =>
        runtimeLog.filter((line) => line.msg === "duplicate delivery dropped" && line.id === id).length,
    });
    const logger = pino(
      { level: "debug" },
      { write: (line: string) => void runtimeLog.push(JSON.parse(line) as { msg?: string; id?: string }) },
    );
    ({ runtime: s.runtime } = await createHarness({
      database: s.t,
      policy: loadPolicy("leotron"),
      clock,
      logger,
      channels: [s.phone.adapter],
      mediaStore: s.media,
    }));
    await s.phone.connect();
  });

  afterAll(async () => {
    await s.runtime?.stop();
    await s.phone?.close();
    await s.t?.drop();
  });

  /** A standard-plan customer known only by phone: no channel identity row exists. */
  async function knownCustomer(): Promise<{ phone: string; digits: string; customerId: string }> {
    const digits = `39${s.nextPhone++}`;
    const phone = `+${digits}`;
    const customer = await s.t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        contactName: "Mario Rossi",
        phone,
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    expect(await countOf(s.t.db, "ChannelIdentity", `"customerId" = ?`, customer.id)).toBe(0);
    return { phone, digits, customerId: customer.id };
  }

  const texts = (digits: string) => s.phone.sent(digits).map((m) => m.text);

  /** Waits for a bot message to `digits` containing `fragment`, and returns it. */
  async function botSays(digits: string, fragment: string | RegExp): Promise<PhoneMessage> {
    const find = () =>
      s.phone
        .sent(digits)
        .find((m) => (typeof fragment === "string" ? m.text.includes(fragment) : fragment.test(m.text)));
    await eventually(
      () => find(),
      () => `the bot to say ${String(fragment)} to ${digits}; it said ${JSON.stringify(texts(digits))}`,
    );
    return find()!;
  }

  async function perform(action: StaffAction) {
    const result = await s.runtime.perform(action);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    return result;
  }

  /** Problem → "1" (yes, software usage) → "2" (blocked): returns the ticket number. */
  async function openTicket(digits: string): Promise<string> {
    await s.phone.write(digits, PROBLEM);
    await botSays(digits, "Uso del software");
    await s.phone.write(digits, "1");
    await botSays(digits, "Riesci comunque a lavorare");
    await s.phone.write(digits, "2");
    const opened = await botSays(digits, TICKET);
    await botSays(digits, "domani, martedì 30 marzo, alle 09:00");
    return asciiTicketNumbers(TICKET.exec(opened.text)![0]);
  }

  return { s, knownCustomer, texts, botSays, perform, openTicket };
}

describe.each(WHATSAPP_DRIVERS)("WhatsApp end to end on the real runtime via the %s driver", (driver) => {
  const { s, knownCustomer, texts, botSays, perform, openTicket } = storySetup(driver);

  it("Easter Monday: problem → choices answered by number and by the option → ticket number → closed-hours message → technician reply → close and rating", async () => {
    const { phone, digits, customerId } = await knownCustomer();
    const chatId = s.phone.chatId(digits);
    expect(chatId).toBe("393331234567@c.us");

    await s.phone.write(digits, PROBLEM);
    const category = await botSays(digits, "Uso del software");
    // WhatsApp Web has no buttons: the choices travel as a numbered list; the Cloud API has buttons.
    expect(category.options).toEqual(["Sì", "No, è altro"]);
    expect(category.form).toBe(driver === "web" ? "numbered" : "buttons");
    if (driver === "web")
      expect(category.text).toBe(
        "Sembra un problema di: Uso del software e formazione. È corretto?\n\n1. Sì\n2. No, è altro",
      );
    else expect(category.text).toBe("Sembra un problema di: Uso del software e formazione. È corretto?");
    // Known by phone at once: the runtime linked the sender's number to the customer.
    const identity = await rowOf(
      s.t.db,
      "ChannelIdentity",
      `"channel" = 'whatsapp' AND "externalId" = ?`,
      phone,
    );
    expect(identity?.customerId).toBe(customerId);

    // Typed: the number of the option.
    await s.phone.write(digits, "1");
    const canWork = await botSays(digits, "Riesci comunque a lavorare");
    expect(canWork.options).toEqual(["Sì, riesco a lavorare", "No, sono bloccato"]);

    // The option itself: its words (web), a tap on its button (cloud).
    await s.phone.choose(digits, "No, sono bloccato");
    const opened = await botSays(digits, TICKET);
    const ticket = asciiTicketNumbers(TICKET.exec(opened.text)![0]);
    await botSays(digits, "copia di sicurezza");
    await botSays(digits, "Pasquetta");
    await botSays(digits, "domani, martedì 30 marzo, alle 09:00");
    expect(await s.runtime.getTicket(ticket)).toMatchObject({
      status: "open",
      channel: "whatsapp",
      chatId,
      blocking: true,
      category: "software-usage",
      customer: { id: customerId, phone },
    });

    // A technician takes it and writes from the desk; the customer reads it on WhatsApp.
    await store.upsertTechnician(s.t.db, { name: "marco" });
    await perform({ type: "claim", ticket, by: { name: "marco" } });
    await botSays(digits, "marco ha preso in carico");
    await perform({ type: "reply", ticket, by: { name: "marco" }, text: "Ti chiamo tra 5 minuti" });
    await botSays(digits, "Ti chiamo tra 5 minuti");

    await perform({
      type: "close",
      ticket,
      by: { name: "marco" },
      minutes: 70,
      resolution: "reinstallato driver",
    });
    await botSays(digits, "reinstallato driver");
    const rating = await botSays(digits, "da 1 a 5");
    expect(rating.options).toHaveLength(5);
    expect(rating.form).toBe(driver === "web" ? "numbered" : "list");
    expect(await s.runtime.getTicket(ticket)).toMatchObject({ status: "closed" });

    await s.phone.write(digits, "5");
    await botSays(digits, "commento");
    await s.phone.write(digits, "ottimo servizio");
    await botSays(digits, "Grazie per il tuo riscontro");
    const recorded = await rowsOf(
      s.t.db,
      "Feedback",
      `"ticketId" IN (SELECT "id" FROM "Ticket" WHERE "number" = ?)`,
      ticket,
    );
    expect(recorded.map(({ rating: stars, comment }) => ({ stars, comment }))).toEqual([
      { stars: 5, comment: "ottimo servizio" },
    ]);
    const tickets = await rowsOf(s.t.db, "Ticket", `"channel" = 'whatsapp' AND "chatId" = ?`, chatId);
    expect(tickets.map((row) => row.number)).toEqual([ticket]);
    // Every reply went to the customer's own chat, as text.
    expect(s.phone.sent(digits).every((m) => !m.media)).toBe(true);
  });

  it("a photo sent on an open ticket is downloaded once, kept in the media store and served for the ticket", async () => {
    const { digits } = await knownCustomer();
    const ticket = await openTicket(digits);
    const putsBefore = s.media.files.size;

    const photo = await s.phone.photo(digits, PHOTO, "ecco la schermata dell'errore");
    await eventually(
      () => s.media.files.size > putsBefore,
      () => `the photo to be stored; the bot said ${JSON.stringify(texts(digits))}`,
    );
    // The bytes are stored before the transaction; wait for the message itself to be committed.
    const entry = await eventually(
      async () =>
        (await s.runtime.transcript(ticket)).find(
          (line) => line.direction === "in" && (line.attachments ?? []).some((a) => a.kind === "image"),
        ),
      "the photo's message in the transcript",
    );
    expect(entry.text).toBe("ecco la schermata dell'errore");
    const attachment = entry.attachments!.find((a) => a.kind === "image")!;
    expect(attachment).toMatchObject({ kind: "image", mime: "image/jpeg" });
    expect(attachment.ref).toMatch(/^mem:/);
    expect(photo.downloads()).toBe(1);

    const served = await s.runtime.attachment(ticket, attachment.ref!);
    expect(served?.mime).toBe("image/jpeg");
    expect([...(served?.bytes ?? [])]).toEqual([...PHOTO]);
    // A reference the ticket's transcript does not carry is not served.
    expect(await s.runtime.attachment(ticket, "mem:unknown")).toBeNull();

    // Redelivered: neither downloaded nor stored again.
    const stored = s.media.files.size;
    await photo.redeliver();
    expect(photo.downloads()).toBe(1);
    expect(s.media.files.size).toBe(stored);
  });

  it("the same message id delivered twice gets one reply and opens at most one ticket", async () => {
    const { digits } = await knownCustomer();
    const chatId = s.phone.chatId(digits);

    const problem = await s.phone.write(digits, PROBLEM);
    await botSays(digits, "Uso del software");
    await problem.redeliver();
    expect(texts(digits)).toHaveLength(1);
    expect(texts(digits)[0]).toContain("Sembra un problema di: Uso del software e formazione. È corretto?");

    const yes = await s.phone.write(digits, "1");
    await botSays(digits, "Riesci comunque a lavorare");
    await yes.redeliver();

    // The answer that opens the ticket arrives twice, as after a reconnect or a Meta retry.
    const blocked = await s.phone.write(digits, "2");
    await botSays(digits, "martedì 30 marzo");
    const sentAfterFirst = texts(digits);
    await blocked.redeliver();
    expect(texts(digits)).toEqual(sentAfterFirst);

    const sent = texts(digits);
    expect(sent.filter((text) => text.includes("Uso del software"))).toHaveLength(1);
    expect(sent.filter((text) => text.includes("Riesci comunque a lavorare"))).toHaveLength(1);
    expect(sent.filter((text) => TICKET.test(text))).toHaveLength(1);
    expect(sent.filter((text) => text.includes("Pasquetta"))).toHaveLength(1);
    expect(await countOf(s.t.db, "Ticket", `"channel" = 'whatsapp' AND "chatId" = ?`, chatId)).toBe(1);
    expect(
      await countOf(
        s.t.db,
        "Message",
        `"channel" = 'whatsapp' AND "chatId" = ? AND "direction" = 'in'`,
        chatId,
      ),
    ).toBe(3);
  });

  it("a voice note with AI off gets the polite request to write, once", async () => {
    const { digits } = await knownCustomer();
    const chatId = s.phone.chatId(digits);
    const voice = await s.phone.voice(digits, VOICE);
    await botSays(digits, "non posso ascoltarlo");
    expect(texts(digits)).toEqual([
      "Ho ricevuto un messaggio vocale, ma non posso ascoltarlo: per favore scrivi il problema in un messaggio di testo.",
    ]);
    await voice.redeliver();
    expect(texts(digits)).toHaveLength(1);
    expect(await countOf(s.t.db, "Ticket", `"channel" = 'whatsapp' AND "chatId" = ?`, chatId)).toBe(0);

    // Writing it instead works as usual.
    await s.phone.write(digits, PROBLEM);
    await botSays(digits, "Uso del software");
  });
});

describe("WhatsApp Web only: @lid senders (the Cloud API always gives the phone)", () => {
  const { s, knownCustomer, texts } = storySetup("web");

  it("an @lid sender resolved through its contact to the phone is recognised as the known customer", async () => {
    const { phone, customerId } = await knownCustomer();
    const client = s.phone.webClient!;
    const lidChat = "207394850117231@lid";
    const digits = phone.slice(1);
    const contact = {
      number: digits,
      id: { user: digits, server: "c.us", _serialized: `${digits}@c.us` },
      pushname: "Mario",
    };
    const lidSent = () =>
      client.sent
        .filter((m) => m.chatId === lidChat)
        .map((m) => (typeof m.content === "string" ? m.content : "[media]"));

    const problem = fakeMessage({ from: lidChat, body: PROBLEM, contact });
    client.deliver(problem);
    // Known at once: straight to triage, no "who are you" questions.
    await eventually(() => lidSent().length > 0, "a reply to the @lid chat");
    expect(problem.contactLookups).toBe(1);
    expect(lidSent()).toEqual([
      "Sembra un problema di: Uso del software e formazione. È corretto?\n\n1. Sì\n2. No, è altro",
    ]);
    const identity = await rowOf(
      s.t.db,
      "ChannelIdentity",
      `"channel" = 'whatsapp' AND "externalId" = ?`,
      phone,
    );
    expect(identity?.customerId).toBe(customerId);

    client.deliver(fakeMessage({ from: lidChat, body: "sì", contact }));
    await eventually(
      () => lidSent().some((t) => t.includes("Riesci comunque a lavorare")),
      "the next question",
    );
    client.deliver(fakeMessage({ from: lidChat, body: "2", contact }));
    const opened = await eventually(() => lidSent().find((t) => TICKET.test(t)), "the ticket number");
    const ticket = asciiTicketNumbers(TICKET.exec(opened)![0]);
    // The ticket belongs to the customer and answers go back to the @lid chat it came from.
    expect(await s.runtime.getTicket(ticket)).toMatchObject({
      channel: "whatsapp",
      chatId: lidChat,
      customer: { id: customerId, phone },
    });
    expect(texts(digits)).toEqual([]);
  });
});

/**
 * The phone lines over HTTP, as Twilio calls them (signed webhooks) and with the fake Twilio
 * REST server serving the recordings: the weekday line's voicemail opens a ticket with the
 * recording (once, however often Twilio posts the callback), and the weekend line connects an
 * eligible caller to the on-call technician's phone, then the next person, then the voicemail,
 * while a standard customer hears when weekday support opens.
 */
import { describe, expect, it } from "vitest";
import { createAiAssist } from "../../src/ai/triage.js";
import { createOfflineTriage } from "../../src/app/offlineTriage.js";
import { loadConfig } from "../../src/config/env.js";
import { createAiUsageStore } from "../../src/data/aiUsageStore.js";
import * as store from "../../src/data/supportStore.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { eventually } from "../support/eventually.js";
import { startFakeOpenAiServer } from "../support/fakeOpenAiServer.js";
import type { FakeTwilioApi } from "../support/fakeTwilioApi.js";
import type { Harness, HarnessOptions } from "../support/harness.js";
import { type PhoneLines, pathOf, usePhoneLines, WEEKDAY_LINE, WEEKEND_LINE } from "../support/phoneLines.js";

describe("phone lines (Twilio Programmable Voice)", () => {
  const phone = usePhoneLines();
  let h: Harness;
  let twilio: FakeTwilioApi;
  let kept: PhoneLines["kept"];

  async function start(clock: string, extra: Partial<HarnessOptions> = {}) {
    ({ h, twilio, kept } = await phone.start(clock, extra));
  }

  const { post, leave } = phone;

  it("a voicemail on the weekday line opens a ticket with the recording, once per call", async () => {
    await start("2027-03-30T10:00:00+02:00"); // Tuesday
    const customer = await h.customer({ language: "en", plans: ["standard"] });
    const call = { CallSid: "CA0001", From: customer.phone, To: WEEKDAY_LINE, Called: WEEKDAY_LINE };

    const forged = await post("/twilio/voice/incoming", call, "bm90LXR3aWxpbw==");
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: "twilio-signature-invalid" });

    const incoming = await post("/twilio/voice/incoming", call);
    expect(incoming.statusCode).toBe(200);
    expect(incoming.headers["content-type"]).toContain("text/xml");
    // Greeted in the customer's language, then recorded.
    expect(incoming.body).toContain('language="en-GB"');
    expect(incoming.body).toContain("leave a message");
    expect(incoming.body).toContain("<Record");
    const callback = pathOf(incoming.body, "recordingStatusCallback");

    const recordingUrl = twilio.addRecording("RE0001", new Uint8Array([0x49, 0x44, 0x33, 1, 2, 3]));
    const status = {
      CallSid: "CA0001",
      RecordingSid: "RE0001",
      RecordingUrl: recordingUrl,
      RecordingStatus: "completed",
      RecordingDuration: "14",
    };
    expect((await post(callback, status)).statusCode).toBe(204);
    // Answered once the voicemail's job is stored; the job downloads it and opens the ticket.
    expect(twilio.downloads).toEqual([]);
    await h.runDueJobs();
    await eventually(
      () => expect(h.events.filter((e) => e.type === "ticket.opened")).toHaveLength(1),
      "the voicemail's ticket",
    );
    expect(twilio.downloads).toEqual(["RE0001"]);
    // The recording is kept in the media store like any voice note.
    expect(kept).toEqual([
      { name: "voicemail-RE0001.mp3", bytes: new Uint8Array([0x49, 0x44, 0x33, 1, 2, 3]) },
    ]);
    const number = h.events.find((e) => e.type === "ticket.opened")!.ticket!;
    const ticket = await store.findTicket(h.db, number);
    expect(ticket?.channel).toBe("phone");
    expect(ticket?.customerId).toBe(customer.id);
    // The recording is the ticket's attachment (the technician listens to it on the board).
    const coverage = (
      typeof ticket!.coverage === "string" ? JSON.parse(ticket!.coverage) : ticket!.coverage
    ) as { attachments: unknown[] };
    expect(coverage.attachments).toEqual([
      { kind: "voice", mime: "audio/mpeg", name: "voicemail-RE0001.mp3", ref: "media-1" },
    ]);

    // Twilio posts the callback again (a retry): nothing new.
    expect((await post(callback, status)).statusCode).toBe(204);
    await h.runDueJobs();
    expect(twilio.downloads).toEqual(["RE0001"]);
    expect(h.events.filter((e) => e.type === "ticket.opened")).toHaveLength(1);
    expect(kept).toHaveLength(1);

    const recorded = await post(pathOf(incoming.body, "action"), { CallSid: "CA0001" });
    expect(recorded.body).toContain("recorded");
    expect(recorded.body).toContain("<Hangup/>");
  });

  it("with AI on, the voicemail is transcribed and its text is the ticket's description", async () => {
    const openAi = await startFakeOpenAiServer();
    try {
      const policy = loadPolicy("leotron");
      const database = await import("../support/testDatabase.js").then((m) => m.createTestDatabase());
      try {
        const now = new Date("2027-03-30T10:00:00+02:00");
        const ai = createAiAssist(
          loadConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: openAi.baseURL }).ai,
          { usage: createAiUsageStore(database.db), logger: console, now: () => now },
        );
        await start(now.toISOString(), { database, ai, offlineTriage: createOfflineTriage(policy) });
        const customer = await h.customer({ plans: ["standard"] });
        const text = "La stampante delle etichette non stampa più i prezzi da stamattina";
        openAi.queueTranscription({ kind: "text", text });
        await leave(customer, "CA0030", "RE0030");
        await h.runDueJobs();
        const [request] = openAi.transcriptionRequests();
        expect(request?.files[0]).toMatchObject({ name: "voicemail-RE0030.mp3", type: "audio/mpeg" });
        const opened = await eventually(
          () => h.events.find((e) => e.type === "ticket.opened"),
          "the transcribed voicemail's ticket",
        );
        const ticket = await store.findTicket(h.db, opened.ticket!);
        expect(ticket?.description).toBe(text);
      } finally {
        await phone.close();
        await database.drop();
      }
    } finally {
      await openAi.close();
    }
  });

  it("a caller whose voicemail ticket is still open gets the next voicemail added to it", async () => {
    await start("2027-03-30T10:00:00+02:00"); // Tuesday
    const customer = await h.customer({ plans: ["standard"] });
    await leave(customer, "CA0010", "RE0010");
    await leave(customer, "CA0011", "RE0011");
    expect(twilio.downloads).toEqual(["RE0010", "RE0011"]);
    expect(h.events.filter((e) => e.type === "ticket.opened")).toHaveLength(1);
    const number = h.events.find((e) => e.type === "ticket.opened")!.ticket!;
    const ticket = (await store.findTicket(h.db, number))!;
    const lines = await store.transcript(h.db, ticket);
    expect(lines.filter((l) => l.direction === "in").map((l) => l.platformMessageId)).toEqual([
      "CA0010",
      "CA0011",
    ]);
  });

  it("a voicemail from a customer with a ticket open on another channel is added to that ticket", async () => {
    await start("2027-03-30T10:00:00+02:00"); // Tuesday
    h.local("whatsapp").start(h.runtime.handleInbound);
    const customer = await h.customer({ plans: ["standard"] });
    await customer.say("Il programma J2K non stampa le fatture, mi dà un errore");
    await customer.say("sì");
    await customer.say("1");
    const [opened] = h.events.filter((e) => e.type === "ticket.opened");
    expect(opened).toBeDefined();
    await leave(customer, "CA0020", "RE0020");
    expect(h.events.filter((e) => e.type === "ticket.opened")).toHaveLength(1);
    const added = h.events.filter((e) => e.type === "customer.message");
    expect(added.map((e) => e.ticket)).toEqual([opened!.ticket]);
    expect(twilio.downloads).toEqual(["RE0020"]);
  });

  it("the weekend line rings the on-call technician for an eligible caller, then the next person, then the voicemail", async () => {
    await start("2027-03-27T10:00:00+01:00"); // Saturday
    for (const [name, phone] of [
      ["giulia", "+393330000001"],
      ["marco", "+393330000002"],
    ] as const) {
      await store.upsertTechnician(h.db, { name });
      await h.runtime.rota.setWays(name, [{ kind: "voice", address: phone }]);
    }
    await h.runtime.rota.setWeekly([
      { technician: "giulia", weekday: "sat", start: "00:00", end: "24:00" },
      { technician: "marco", weekday: "sat", start: "00:00", end: "24:00" },
    ]);
    const customer = await h.customer({ plans: ["standard", "j-system"] });
    const call = { CallSid: "CA0002", From: customer.phone, To: WEEKEND_LINE };

    const incoming = await post("/twilio/voice/incoming", call);
    expect(incoming.body).toContain("<Gather");
    expect(incoming.body).toContain('language="it-IT"');
    expect(incoming.body).toContain("Premi 1 se il software è bloccato");

    const menu = await post(pathOf(incoming.body, "action"), { ...call, Digits: "1" });
    expect(menu.body).toMatch(/<Dial [^>]*timeout="20"[^>]*><Number>\+393330000001<\/Number><\/Dial>/);

    const second = await post(pathOf(menu.body, "action"), { ...call, DialCallStatus: "no-answer" });
    expect(second.body).toContain("<Number>+393330000002</Number>");

    const last = await post(pathOf(second.body, "action"), { ...call, DialCallStatus: "busy" });
    expect(last.body).not.toContain("<Dial");
    expect(last.body).toContain("<Record");

    // Answered: the call ends when the technician hangs up.
    const answered = await post(pathOf(menu.body, "action"), { ...call, DialCallStatus: "completed" });
    expect(answered.body).toContain("<Hangup/>");
  });

  it("a standard customer calling the weekend line is not connected: told when weekday support opens, may leave a message", async () => {
    await start("2027-03-27T10:00:00+01:00"); // Saturday
    await store.upsertTechnician(h.db, { name: "giulia" });
    await h.runtime.rota.setWays("giulia", [{ kind: "voice", address: "+393330000001" }]);
    await h.runtime.rota.setWeekly([{ technician: "giulia", weekday: "sat", start: "00:00", end: "24:00" }]);
    const customer = await h.customer({ plans: ["standard"] });
    const call = { CallSid: "CA0003", From: customer.phone, To: WEEKEND_LINE };

    const incoming = await post("/twilio/voice/incoming", call);
    expect(incoming.body).not.toContain("<Dial");
    expect(incoming.body).not.toContain("<Gather");
    expect(incoming.body).toContain("è solo per i problemi bloccanti dei clienti J-System");
    // Easter Monday 2027 is a holiday without regular support: Tuesday.
    expect(incoming.body).toContain("riapre martedì 30 marzo alle 09:00");
    expect(incoming.body).toContain("<Record");

    // Pressing 1 on a forged or replayed menu request does not connect them either.
    const menu = await post(
      `/twilio/voice/menu?line=weekend-phone&from=${encodeURIComponent(customer.phone)}`,
      {
        ...call,
        Digits: "1",
      },
    );
    expect(menu.body).not.toContain("<Dial");
    expect(menu.body).toContain("<Record");
  });
});

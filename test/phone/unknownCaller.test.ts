/**
 * A voicemail from a number on no customer record (over the signed webhooks, recordings from the
 * fake Twilio REST server): it opens a ticket at once, handed to a person to identify the caller
 * (reason unknown-caller), flagged on the board, transcribed first with AI on; nobody is paged
 * for it, at the weekend either.
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
import { pathOf, usePhoneLines, WEEKEND_LINE } from "../support/phoneLines.js";
import { theRow } from "../support/rows.js";

describe("unknown callers on the phone lines", () => {
  const phone = usePhoneLines();
  let h: Harness;
  let twilio: FakeTwilioApi;

  async function start(clock: string, extra: Partial<HarnessOptions> = {}) {
    ({ h, twilio } = await phone.start(clock, extra));
  }

  const { post, leave } = phone;

  it("a voicemail from an unknown number opens a ticket at once, handed to a person to identify the caller", async () => {
    await start("2027-03-30T19:30:00+02:00"); // Tuesday evening, after hours
    const stranger = { phone: "+393471234567" };
    await leave(stranger, "CA0040", "RE0040");
    const opened = await eventually(
      () => h.events.find((e) => e.type === "ticket.opened"),
      "the unknown caller's ticket",
    );
    const ticket = (await store.findTicket(h.db, opened.ticket!))!;
    expect(ticket.channel).toBe("phone");
    expect(ticket.chatId).toBe(stranger.phone);
    // The recording is on the ticket.
    const coverage = (
      typeof ticket.coverage === "string" ? JSON.parse(ticket.coverage) : ticket.coverage
    ) as { attachments: unknown[] };
    expect(coverage.attachments).toEqual([
      { kind: "voice", mime: "audio/mpeg", name: "voicemail-RE0040.mp3", ref: "media-1" },
    ]);
    // The caller is registered unverified with their number, for a technician to identify.
    const customer = await theRow(h.db, "Customer", `"id" = ?`, ticket.customerId);
    expect(customer).toMatchObject({ phone: stranger.phone, verified: false });
    // Flagged on the board, and its history says why.
    const [view] = (await h.runtime.listTickets("all")).filter((v) => v.number === opened.ticket);
    expect(view?.unknownCaller).toBe(true);
    expect(view?.category).toBeNull();
    const handover = h.events.find((e) => e.type === "ticket.handover");
    expect(handover?.ticket).toBe(opened.ticket);
    expect(handover?.payload).toMatchObject({ reason: "unknown-caller" });
    expect((handover!.payload as { note: string }).note).toContain(stranger.phone);
    // Nobody is paged for a caller not known to be served out of hours.
    expect(h.events.filter((e) => e.type === "oncall.paged")).toHaveLength(0);

    // Calling again while that ticket is open: the voicemail joins it.
    await leave(stranger, "CA0041", "RE0041");
    expect(h.events.filter((e) => e.type === "ticket.opened")).toHaveLength(1);
    const lines = await store.transcript(h.db, ticket);
    expect(lines.filter((l) => l.direction === "in").map((l) => l.platformMessageId)).toEqual([
      "CA0040",
      "CA0041",
    ]);
  });

  it("an unknown caller on the weekend line leaves a voicemail: a ticket to identify them, nobody paged", async () => {
    await start("2027-03-27T10:00:00+01:00"); // Saturday, weekend service open
    await store.upsertTechnician(h.db, { name: "giulia" });
    await h.runtime.rota.setWays("giulia", [{ kind: "sms", address: "+393330000001" }]);
    await h.runtime.rota.setWeekly([{ technician: "giulia", weekday: "sat", start: "00:00", end: "24:00" }]);
    const call = { CallSid: "CA0050", From: "+393471234568", To: WEEKEND_LINE };
    const incoming = await post("/twilio/voice/incoming", call);
    // Not connected: the weekend line serves J-System customers, and nothing says this caller is one.
    expect(incoming.body).not.toContain("<Dial");
    expect(incoming.body).not.toContain("<Gather");
    expect(incoming.body).toContain("<Record");
    const url = twilio.addRecording("RE0050", new Uint8Array([5, 0, 5]));
    const status = {
      CallSid: "CA0050",
      RecordingSid: "RE0050",
      RecordingUrl: url,
      RecordingStatus: "completed",
      RecordingDuration: "20",
    };
    expect((await post(pathOf(incoming.body, "recordingStatusCallback"), status)).statusCode).toBe(204);
    await h.runDueJobs();
    const opened = await eventually(
      () => h.events.find((e) => e.type === "ticket.opened"),
      "the weekend caller's ticket",
    );
    expect(h.events.find((e) => e.type === "ticket.handover")?.payload).toMatchObject({
      reason: "unknown-caller",
    });
    await h.runDueJobs();
    h.clock.advance(60 * 60_000);
    await h.runDueJobs();
    expect(h.events.filter((e) => e.type === "oncall.paged")).toHaveLength(0);
    expect(twilio.of("Messages")).toHaveLength(0);
    expect(twilio.of("Calls")).toHaveLength(0);
    const ticket = await store.findTicket(h.db, opened.ticket!);
    expect(ticket?.status).toBe("open");
  });

  it("with AI on, an unknown caller's voicemail is transcribed before it is handed to a person", async () => {
    const openAi = await startFakeOpenAiServer();
    const database = await import("../support/testDatabase.js").then((m) => m.createTestDatabase());
    try {
      const now = new Date("2027-03-30T10:00:00+02:00");
      const ai = createAiAssist(
        loadConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: openAi.baseURL }).ai,
        { usage: createAiUsageStore(database.db), logger: console, now: () => now },
      );
      await start(now.toISOString(), {
        database,
        ai,
        offlineTriage: createOfflineTriage(loadPolicy("leotron")),
      });
      const text = "Sono Bianchi della ferramenta Rossi, la cassa non si accende. Richiamatemi al 045 123456";
      openAi.queueTranscription({ kind: "text", text });
      await leave({ phone: "+393471234569" }, "CA0060", "RE0060");
      await h.runDueJobs();
      const opened = await eventually(
        () => h.events.find((e) => e.type === "ticket.opened"),
        "the transcribed voicemail's ticket",
      );
      const ticket = await store.findTicket(h.db, opened.ticket!);
      expect(ticket?.description).toBe(text);
      expect(ticket?.category).toBeNull();
      // Registered with the caller's number, though the hand-over came with the transcript's job.
      const customer = await theRow(h.db, "Customer", `"id" = ?`, ticket!.customerId);
      expect(customer).toMatchObject({ phone: "+393471234569", verified: false });
      expect(h.events.find((e) => e.type === "ticket.handover")?.payload).toMatchObject({
        reason: "unknown-caller",
      });
    } finally {
      await phone.close();
      await database.drop();
      await openAi.close();
    }
  });
});

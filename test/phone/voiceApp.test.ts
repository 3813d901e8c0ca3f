/**
 * The phone lines end to end, through `startApp` as `npm start` composes it (TWILIO_* and
 * PUBLIC_URL set, AI on), on a Saturday of the simulated clock: the webhooks signed as Twilio
 * signs them reach the real server, the recording is downloaded from the fake Twilio REST server,
 * transcribed and triaged by the fake OpenAI server, and the scheduler runs on its own.
 * - an unknown number leaves a voicemail: a ticket to identify the caller is on the board;
 * - a J-System customer whose software is blocked presses 1, nobody answers, leaves a voicemail:
 *   the ticket pages the on-call technician (an SMS through Twilio).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, startApp } from "../../src/app/startApp.js";
import { loadConfig } from "../../src/config/env.js";
import * as store from "../../src/data/supportStore.js";
import { createLogger } from "../../src/observability/logger.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import { eventually } from "../support/eventually.js";
import { type FakeOpenAiServer, startFakeOpenAiServer } from "../support/fakeOpenAiServer.js";
import { FAKE_TWILIO, FakeTwilioApi, signedRequest } from "../support/fakeTwilioApi.js";
import { PUBLIC, pathOf, WEEKEND_LINE } from "../support/phoneLines.js";
import { createEmptyDatabase } from "../support/testDatabase.js";

const ON_CALL_PHONE = "+393330000001";

describe("phone lines through startApp", () => {
  let twilio: FakeTwilioApi;
  let openAi: FakeOpenAiServer;
  let app: App;
  let database: { url: string; drop(): Promise<void> };
  let dataDir: string;

  beforeAll(async () => {
    twilio = await FakeTwilioApi.start();
    openAi = await startFakeOpenAiServer();
    database = await createEmptyDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "sportello-voice-"));
    const env = {
      DATABASE_URL: database.url,
      PORT: "0",
      HOST: "127.0.0.1",
      SPORTELLO_DATA_DIR: dataDir,
      PUBLIC_URL: PUBLIC,
      TWILIO_ACCOUNT_SID: FAKE_TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: FAKE_TWILIO.authToken,
      TWILIO_FROM: FAKE_TWILIO.from,
      TWILIO_API_URL: twilio.url,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openAi.baseURL,
    };
    app = await startApp(loadConfig(env), createLogger({ level: "silent" }), {
      clock: new SimulatedClock(new Date("2027-03-27T10:00:00+01:00")), // Saturday
    });
    await store.upsertTechnician(app.db, { name: "giulia" });
    // Paged by SMS first; the weekend line rings her first voice way.
    await app.runtime.rota.setWays("giulia", [
      { kind: "sms", address: ON_CALL_PHONE },
      { kind: "voice", address: ON_CALL_PHONE },
    ]);
    await app.runtime.rota.setWeekly([
      { technician: "giulia", weekday: "sat", start: "00:00", end: "24:00" },
    ]);
  });

  afterAll(async () => {
    await app?.stop();
    await openAi?.close();
    await twilio?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** POSTs a webhook to the running server, signed for its public URL as Twilio signs it. */
  const post = async (pathAndQuery: string, params: Record<string, string>) => {
    const signed = signedRequest(`${PUBLIC}${pathAndQuery}`, params);
    const res = await fetch(`${app.url}${pathAndQuery}`, {
      method: "POST",
      headers: signed.headers,
      body: signed.payload,
    });
    return { status: res.status, body: await res.text() };
  };

  /** Twilio's recording-status callback for the <Record> of `twiml`. */
  const recorded = async (twiml: string, callSid: string, recordingSid: string) => {
    const url = twilio.addRecording(recordingSid, new Uint8Array([0x49, 0x44, 0x33, callSid.length]));
    const res = await post(pathOf(twiml, "recordingStatusCallback"), {
      CallSid: callSid,
      RecordingSid: recordingSid,
      RecordingUrl: url,
      RecordingStatus: "completed",
      RecordingDuration: "25",
    });
    expect(res.status).toBe(204);
  };

  it("an unknown caller's voicemail becomes a ticket on the board, to identify the caller", async () => {
    const call = { CallSid: "CA0100", From: "+393471230000", To: WEEKEND_LINE };
    const incoming = await post("/twilio/voice/incoming", call);
    expect(incoming.status).toBe(200);
    expect(incoming.body).not.toContain("<Dial");
    openAi.queueTranscription({ kind: "text", text: "Buongiorno, sono Verdi, richiamatemi per favore" });
    await recorded(incoming.body, "CA0100", "RE0100");
    const view = await eventually(async () => {
      const found = (await app.runtime.listTickets("all")).find((t) => t.chatId === "+393471230000");
      expect(found).toBeDefined();
      return found!;
    }, "the unknown caller's ticket on the board");
    expect(view.unknownCaller).toBe(true);
    expect(view.channel).toBe("phone");
    expect(view.description).toBe("Buongiorno, sono Verdi, richiamatemi per favore");
    expect(view.customer.phone).toBe("+393471230000");
    expect(twilio.downloads).toContain("RE0100");
    expect(twilio.of("Messages")).toHaveLength(0);
  });

  it("a blocked J-System customer nobody answered leaves a voicemail: the on-call technician is paged", async () => {
    const customer = await app.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        contactName: null,
        phone: "+393338000077",
        language: "it",
        plans: ["standard", "j-system"],
        verified: true,
      }),
    );
    const call = { CallSid: "CA0200", From: "+393338000077", To: WEEKEND_LINE };
    const incoming = await post("/twilio/voice/incoming", call);
    expect(incoming.body).toContain("<Gather");
    const menu = await post(pathOf(incoming.body, "action"), { ...call, Digits: "1" });
    expect(menu.body).toContain(`<Number>${ON_CALL_PHONE}</Number>`);
    const unanswered = await post(pathOf(menu.body, "action"), { ...call, DialCallStatus: "no-answer" });
    expect(unanswered.body).toContain("<Record");

    const text = "Il programma J2K non si avvia, la cassa è ferma e non possiamo vendere";
    openAi.queueTranscription({ kind: "text", text });
    openAi.queueChat({
      kind: "json",
      content: {
        category: "weekend-blocking",
        blocking: true,
        priority: "urgent",
        language: "it",
        summary: "J2K non si avvia, cassa ferma",
        missingFacts: [],
      },
    });
    await recorded(unanswered.body, "CA0200", "RE0200");
    const sms = await eventually(() => {
      const sent = twilio.of("Messages").filter((m) => m.params.To === ON_CALL_PHONE);
      expect(sent).toHaveLength(1);
      return sent[0]!;
    }, "the page to the on-call technician");
    const tickets = (await app.runtime.listTickets("all")).filter((t) => t.customer.id === customer.id);
    expect(tickets).toHaveLength(1);
    expect(sms.params.Body).toContain(tickets[0]!.number);
    expect(sms.params.Body).toContain("Bar Roma");
    expect(tickets[0]!.unknownCaller).toBeUndefined();
  });
});

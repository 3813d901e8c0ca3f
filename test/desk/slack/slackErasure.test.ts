/**
 * Erasing a customer also removes what the Slack desk posted about their tickets: the real
 * runtime and the real Slack desk (Bolt's WebClient) against the fake Slack Web API, which keeps
 * the channels' messages. The card stays, anonymised; the bot's thread lines and its escalation
 * go; a technician's own message and another customer's ticket are left alone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as store from "../../../src/data/supportStore.js";
import { createSlackDesk } from "../../../src/desk/slack/slackDesk.js";
import { eraseCustomer } from "../../../src/privacy/personalData.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createHarness } from "../../support/harness.js";
import { rowOf, rowsOf } from "../../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";
import { SIGNING_SECRET } from "./slackRequests.js";

const STAFF = "CSTAFF";
let api: FakeSlackApi;
let t: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  api = await startFakeSlackApi();
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-slack-erasure-"));
});

afterAll(async () => {
  await api.close();
  await t.drop();
  await rm(dataDir, { recursive: true, force: true });
});

it("erasing a customer deletes the bot's lines about their ticket on Slack and anonymises its card", async () => {
  const h = await createHarness({
    database: t,
    policy: "leotron",
    channels: ["whatsapp"],
    offlineTriage: () => ({ category: null }),
    start: false,
  });
  const { clock, runtime } = h;
  const channel = h.local();
  const desk = createSlackDesk({
    botToken: "xoxb-erasure",
    signingSecret: SIGNING_SECRET,
    staffChannel: STAFF,
    apiUrl: api.apiUrl,
    seen: (source, key) => runtime.seen(source, key),
    listen: { port: 0, host: "127.0.0.1" },
  });
  runtime.addDesk(desk);
  const customers = [
    { company: "Bar Roma", phone: "+393331110001", problem: "La stampante non stampa, sono Giulia Verdi" },
    { company: "Pizzeria Napoli", phone: "+393331110002", problem: "Il registratore di cassa è bloccato" },
  ];
  const codes: string[] = [];
  for (const c of customers) {
    const created = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: c.company,
        phone: c.phone,
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    codes.push(created.code);
  }
  await runtime.start();
  await desk.start(runtime);
  try {
    let n = 0;
    const say = (phone: string, text: string) =>
      channel.receive(
        channel.message(`${phone.slice(1)}@c.us`, text, { senderId: phone, platformMessageId: `er-${++n}` }),
      );
    const numbers: string[] = [];
    for (const c of customers) {
      await say(c.phone, c.problem);
      await say(c.phone, "1");
      await say(c.phone, "1");
      const ticket = await rowOf(t.db, "Ticket", `"chatId" = ?`, `${c.phone.slice(1)}@c.us`);
      expect(ticket, channel.sent.map((m) => m.text).join(" | ")).toBeTruthy();
      numbers.push(ticket!.number);
    }
    await runtime.runDueJobs();
    // A later customer message goes to the card's thread.
    await say(customers[0]!.phone, "Il mio numero diretto è 3339998877");
    await runtime.runDueJobs();
    await desk.idle();
    const cardOf = async (number: string) => {
      const view = await runtime.getTicket(number);
      return view!.deskRefs.slack as { channel: string; ts: string };
    };
    const [card, otherCard] = [await cardOf(numbers[0]!), await cardOf(numbers[1]!)];
    // A technician's own message in the thread, and the escalation of both unclaimed tickets.
    const technicianTs = api.addMessage({
      channel: card.channel,
      thread_ts: card.ts,
      user: "UMARIO",
      text: "Chiamo io Bar Roma",
    });
    clock.advance(5 * 3600_000);
    await runtime.runDueJobs();
    await runtime.runDueJobs();
    await desk.idle();
    const about = (text: string) => api.messages().filter((m) => m.text.includes(text));
    expect(about("3339998877")).toHaveLength(1);
    expect(api.messages().filter((m) => m.text.includes("is still unclaimed"))).toHaveLength(2);
    const otherBefore = api.messages().filter((m) => m.ts === otherCard.ts || m.thread_ts === otherCard.ts);

    await eraseCustomer(t.db, dataDir, codes[0]!, { actor: "admin", at: clock.now() });
    await runtime.runDueJobs();
    await desk.idle();

    const left = api.messages();
    // Nothing the bot posted names the erased customer or quotes them; the card is still there.
    const bot = left.filter((m) => m.bot_id);
    for (const text of ["Bar Roma", "Giulia", "3339998877"]) {
      expect(bot.filter((m) => JSON.stringify(m).includes(text))).toEqual([]);
    }
    const cardNow = left.find((m) => m.ts === card.ts);
    expect(JSON.stringify(cardNow)).toContain(`[erased ${codes[0]}]`);
    expect(JSON.stringify(cardNow)).toContain(numbers[0]);
    // Only the technician's message is left in the thread (a bot may not delete it).
    expect(left.filter((m) => m.thread_ts === card.ts).map((m) => m.ts)).toEqual([technicianTs]);
    // The erased ticket's escalation is gone, the other one's stays, with its thread and card.
    expect(left.filter((m) => m.text.includes("is still unclaimed")).map((m) => m.text)).toEqual([
      expect.stringContaining(numbers[1]!),
    ]);
    expect(left.filter((m) => m.ts === otherCard.ts || m.thread_ts === otherCard.ts)).toEqual(otherBefore);
    // The clean-up job finished (no refused deletion left it failing).
    const jobs = await rowsOf(t.db, "Job", `"key" LIKE '%ticket.erased%'`);
    expect(jobs.map((j) => [j.key, j.status])).toEqual([[`desk:slack:ticket.erased:${numbers[0]}`, "done"]]);

    // A channel the bot cannot read (not a member) is skipped, not retried forever: the second
    // customer's thread lines still go, their escalation stays, and the job is done.
    api.refuse("conversations.history", "not_in_channel");
    await eraseCustomer(t.db, dataDir, codes[1]!, { actor: "admin", at: clock.now() });
    await runtime.runDueJobs();
    await desk.idle();
    const after = api.messages();
    expect(after.filter((m) => m.thread_ts === otherCard.ts)).toEqual([]);
    expect(after.filter((m) => m.text.includes("is still unclaimed")).map((m) => m.text)).toEqual([
      expect.stringContaining(numbers[1]!),
    ]);
    const second = await rowOf(t.db, "Job", `"key" = ?`, `desk:slack:ticket.erased:${numbers[1]}`);
    expect(second?.status).toBe("done");
  } finally {
    await desk.stop();
    await runtime.stop();
  }
});

/**
 * The last layer of understanding in the real runtime: the real `openai` SDK (through the same
 * adapter `npm start` uses) against the fake OpenAI-compatible server, the real conversation
 * machine and database. An answer understood offline never reaches the model; one that is not
 * goes to it as a durable job and its choice is taken; a slow, failing or malformed answer — or
 * one the customer overtook with a new message — ends in "Scusa, non ho capito." and the question.
 */
import { describe, expect, it, vi } from "vitest";
import { createOfflineTriage } from "../../src/app/offlineTriage.js";
import * as store from "../../src/data/supportStore.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import { fakeServerAi, useAiTestBed } from "../support/aiTestBed.js";
import type { FakeChatReply, RecordedRequest } from "../support/fakeOpenAiServer.js";
import { createHarness } from "../support/harness.js";
import { countOf, rowOf } from "../support/rows.js";

const policy = loadPolicy("leotron");

// Customer-facing texts, as locales/it.json has them.
const NOT_UNDERSTOOD = "Scusa, non ho capito.";
const ASK_BLOCKING = "Riesci comunque a lavorare?";
const CAN_WORK = "Sì, riesco a lavorare";
const BLOCKED = "No, sono bloccato";
const PROBLEM = "Il cassetto del registratore di cassa non si apre più";

const bed = useAiTestBed();
let phoneCounter = 0;

/** The requests that read an answer (triage's are named "triage"). */
function interpretRequests(): RecordedRequest[] {
  return bed.fake.chatRequests().filter((r) => {
    const format = r.body.response_format as { json_schema?: { name?: string } } | undefined;
    return format?.json_schema?.name === "answer";
  });
}

const reading = (choice: string | null, rest: string | null = null): FakeChatReply => ({
  kind: "json",
  content: { choice, rest },
});

/** A runtime for one fresh known customer, AI on (real SDK → fake server) or off. */
async function setup(options: { ai: boolean; env?: Record<string, string>; at?: string }) {
  const clock = new SimulatedClock(options.at ?? "2027-03-30T10:00:00+02:00"); // a Tuesday, open
  const { ai, logs } = fakeServerAi(bed, clock, {
    on: options.ai,
    ...(options.env ? { env: options.env } : {}),
  });
  const h = await createHarness({
    database: bed.t,
    policy,
    clock,
    channels: ["whatsapp"],
    offlineTriage: createOfflineTriage(policy),
    ai,
    // The channel is started by hand (not runtime.start()) so jobs run only when the test says so.
    start: false,
  });
  const { runtime } = h;
  const channel = h.local();
  await channel.start(runtime.handleInbound);
  const phone = `+39333${String(8_000_000 + ++phoneCounter)}`;
  await bed.t.db.transaction((tx) =>
    store.createCustomer(tx, {
      company: `Tabaccheria ${phoneCounter}`,
      contactName: "Marta",
      phone,
      language: "it",
      plans: ["standard"],
      verified: true,
    }),
  );
  const chat = `${phone.slice(1)}@c.us`;
  let seen = 0;
  const fresh = (): string[] => {
    const out = channel.sent.slice(seen).map((m) => m.text);
    seen = channel.sent.length;
    return out;
  };
  return {
    runtime,
    ai,
    logs,
    fresh,
    say: (text: string) => channel.receive(channel.message(chat, text, { senderId: phone })),
    /** Describes a problem and confirms its category: the bot then asks whether they can work. */
    async untilAskedBlocking() {
      bed.fake.queueChat({
        kind: "json",
        content: {
          category: "peripheral-setup",
          blocking: false,
          priority: "normal",
          language: "it",
          summary: "Cassetto non si apre",
          missingFacts: [],
        },
      });
      await this.say(PROBLEM);
      await runtime.runDueJobs();
      expect(fresh().at(-1)).toMatch(/^Sembra un problema di: .*È corretto\?$/);
      await this.say("sì");
      expect(fresh().at(-1)).toBe(ASK_BLOCKING);
    },
    /** Whether the customer can work, as decided: on the opened ticket, else on the draft. */
    async blocking(): Promise<boolean | null> {
      const ticket = await rowOf(bed.t.db, "Ticket", `"chatId" = ?`, chat);
      if (ticket) return ticket.blocking;
      const row = await rowOf(bed.t.db, "Conversation", `"chatId" = ?`, chat);
      const { context } = JSON.parse(row!.snapshot) as {
        context: { draft: { blocking: boolean | null } | null };
      };
      return context.draft?.blocking ?? null;
    },
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** The bot asked again: "not understood" and the question, nothing else, and nothing decided. */
async function askedAgain(s: Setup) {
  expect(s.fresh()).toEqual([NOT_UNDERSTOOD, ASK_BLOCKING]);
  expect(await s.blocking()).toBeNull();
}

describe("reading an answer not understood offline (real openai SDK, fake server)", () => {
  it("an answer understood offline never reaches the model", async () => {
    const s = await setup({ ai: true });
    await s.untilAskedBlocking();
    const before = interpretRequests().length;
    await s.say("2");
    await s.runtime.runDueJobs();
    expect(s.fresh()).not.toContain(NOT_UNDERSTOOD);
    expect(await s.blocking()).toBe(true);
    expect(interpretRequests().length).toBe(before);
    await s.ai!.settle();
  });

  it("an answer not understood offline goes to the model, whose choice is taken as if tapped", async () => {
    const s = await setup({ ai: true });
    await s.untilAskedBlocking();
    const before = interpretRequests().length;
    await s.say("la cassa va a singhiozzo, sono mario.rossi@example.com");
    // Nothing said yet: the answer waits for the model's reading.
    expect(s.fresh()).toEqual([]);
    bed.fake.queueChat(reading("can-work", "sono [email]"));
    await s.runtime.runDueJobs();
    expect(interpretRequests().length).toBe(before + 1);
    expect(s.fresh()).not.toContain(NOT_UNDERSTOOD);
    expect(await s.blocking()).toBe(false);

    // What left the process: the question, the options with their labels, the masked answer,
    // and a schema whose choice is one of the offered ids or null.
    const request = interpretRequests().at(-1)!;
    const [system, user] = request.body.messages as { content: string }[];
    expect(system!.content).toContain(ASK_BLOCKING);
    expect(system!.content).toContain(`- can-work: ${CAN_WORK}`);
    expect(system!.content).toContain(`- blocked: ${BLOCKED}`);
    expect(user!.content).toBe("<customer_text>\nla cassa va a singhiozzo, sono [email]\n</customer_text>");
    expect(request.raw).not.toContain("mario.rossi@example.com");
    const schema = JSON.stringify((request.body.response_format as { json_schema: unknown }).json_schema);
    expect(schema).toContain('"can-work"');
    expect(schema).toContain('"blocked"');
    expect(
      s.logs.some((l) => l.msg === "AI call" && l.obj.purpose === "interpret" && l.obj.ok === true),
    ).toBe(true);
    await s.ai!.settle();
  });

  it("a model slower than AI_INTERPRET_TIMEOUT_MS: 'not understood' and the question again", async () => {
    const s = await setup({ ai: true, env: { AI_INTERPRET_TIMEOUT_MS: "300" } });
    await s.untilAskedBlocking();
    bed.fake.queueChat({ kind: "delay", ms: 10_000, reply: reading("blocked") });
    await s.say("la cassa va a singhiozzo");
    await s.runtime.runDueJobs();
    await askedAgain(s);
    expect(s.logs.find((l) => l.obj.purpose === "interpret" && l.level === "warn")?.obj.code).toBe("timeout");
    expect(await countOf(bed.t.db, "Job", `"kind" = 'ai.interpret' AND "lastError" IS NOT NULL`)).toBe(0);
    // The customer answers again, understood offline this time.
    await s.say("1");
    expect(await s.blocking()).toBe(false);
    await s.ai!.settle();
  });

  it("a reading that comes after the customer wrote again is ignored", async () => {
    const s = await setup({ ai: true });
    await s.untilAskedBlocking();
    let release!: () => void;
    const later = new Promise<void>((resolve) => {
      release = resolve;
    });
    const before = interpretRequests().length;
    bed.fake.queueChat({ kind: "wait", until: later, reply: reading("blocked") });
    await s.say("la cassa va a singhiozzo");
    const running = s.runtime.runDueJobs();
    await vi.waitFor(() => expect(interpretRequests().length).toBe(before + 1));
    // While the model thinks, the customer taps "Sì, riesco a lavorare".
    await s.say("1");
    const afterTap = s.fresh();
    expect(await s.blocking()).toBe(false);
    release();
    await running;
    // The late "blocked" changed nothing and said nothing.
    expect(s.fresh()).toEqual([]);
    expect(afterTap).not.toContain(NOT_UNDERSTOOD);
    expect(await s.blocking()).toBe(false);
    await s.ai!.settle();
  });

  it("a newer answer replaces one still waiting for its turn: the model is asked once", async () => {
    const s = await setup({ ai: true });
    await s.untilAskedBlocking();
    const before = interpretRequests().length;
    await s.say("la cassa va a singhiozzo");
    await s.say("è un disastro");
    bed.fake.queueChat(reading("can-work"));
    await s.runtime.runDueJobs();
    expect(interpretRequests().length).toBe(before + 1);
    const [, user] = interpretRequests().at(-1)!.body.messages as { content: string }[];
    expect(user!.content).toContain("è un disastro");
    expect(await s.blocking()).toBe(false);
    await s.ai!.settle();
  });

  describe("an unusable reading falls back the same way", () => {
    const cases: { name: string; reply: FakeChatReply; code: string }[] = [
      { name: "malformed JSON", reply: { kind: "text", content: '{"choice": "can-' }, code: "bad-output" },
      { name: "a choice not among the options", reply: reading("teleport"), code: "bad-output" },
      { name: "the model refuses", reply: { kind: "refusal", refusal: "no" }, code: "refused" },
      { name: "HTTP 500", reply: { kind: "status", status: 500 }, code: "server-error" },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const s = await setup({ ai: true });
        await s.untilAskedBlocking();
        bed.fake.queueChat(c.reply);
        await s.say("la cassa va a singhiozzo");
        await s.runtime.runDueJobs();
        await askedAgain(s);
        const failure = s.logs.find((l) => l.level === "warn" && l.obj.purpose === "interpret");
        expect(failure?.obj.code).toBe(c.code);
        await s.ai!.settle();
      });
    }

    it("no choice: the model did not understand either", async () => {
      const s = await setup({ ai: true });
      await s.untilAskedBlocking();
      bed.fake.queueChat(reading(null, "insomma"));
      await s.say("la cassa va a singhiozzo");
      await s.runtime.runDueJobs();
      await askedAgain(s);
      await s.ai!.settle();
    });
  });

  it("the daily cap reached: no request, 'not understood' at once", async () => {
    // A day of its own, where the triage's call reaches the cap of one.
    const s = await setup({ ai: true, env: { AI_DAILY_CALL_CAP: "1" }, at: "2027-04-06T10:00:00+02:00" });
    await s.untilAskedBlocking();
    const before = interpretRequests().length;
    await s.say("la cassa va a singhiozzo");
    await s.runtime.runDueJobs();
    await askedAgain(s);
    expect(interpretRequests().length).toBe(before);
    await s.ai!.settle();
  });

  it("with AI off, no request at all: 'not understood' and the question at once", async () => {
    const s = await setup({ ai: false });
    await s.say(PROBLEM);
    await s.runtime.runDueJobs();
    expect(s.fresh().at(-1)).toMatch(/È corretto\?$/);
    await s.say("sì");
    expect(s.fresh().at(-1)).toBe(ASK_BLOCKING);
    const before = bed.fake.requests.length;
    await s.say("la cassa va a singhiozzo");
    await askedAgain(s);
    await s.runtime.runDueJobs();
    expect(s.fresh()).toEqual([]);
    expect(bed.fake.requests.length).toBe(before);
  });
});

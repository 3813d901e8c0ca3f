/**
 * `AiAssist.interpret` with the real `openai` SDK against the fake server: what is sent, what is
 * accepted back, and that it never rejects.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMemoryAiUsageStore, type MemoryAiUsageStore } from "../../src/ai/memoryAiUsageStore.js";
import { type AiAssist, createAiAssist, type InterpretInput } from "../../src/ai/triage.js";
import { loadConfig } from "../../src/config/env.js";
import { type FakeOpenAiServer, startFakeOpenAiServer } from "../support/fakeOpenAiServer.js";

const NOW = new Date("2026-11-21T10:00:00Z");
const warnings: Record<string, unknown>[] = [];

let fake: FakeOpenAiServer;
let usage: MemoryAiUsageStore;

beforeAll(async () => {
  fake = await startFakeOpenAiServer();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  warnings.length = 0;
  usage = createMemoryAiUsageStore();
});

function assist(env: Record<string, string> = {}): AiAssist {
  const ai = createAiAssist(
    loadConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, ...env }).ai,
    {
      usage,
      logger: {
        info: () => {},
        warn: (obj) => warnings.push(obj as Record<string, unknown>),
        error: () => {},
      },
      now: () => NOW,
    },
  );
  if (!ai) throw new Error("expected an assist");
  return ai;
}

const rating: InterpretInput = {
  text: "direi ottimo, scrivetemi a mario.rossi@example.com",
  question: "Come valuti l'assistenza ricevuta?",
  options: [1, 2, 3, 4, 5].map((n) => ({ id: String(n), label: "★".repeat(n) })),
  language: "it",
};

describe("AiAssist.interpret", () => {
  it("answers one of the offered ids with what else was said; the answer leaves masked and is counted", async () => {
    const ai = assist();
    fake.queueChat({ kind: "json", content: { choice: "5", rest: "  scrivetemi\u0007 a [email]\n" } });
    expect(await ai.interpret(rating)).toEqual({ choice: "5", rest: "scrivetemi a [email]" });
    const [request] = fake.chatRequests();
    expect(request!.raw).not.toContain("mario.rossi@example.com");
    expect(request!.body.temperature).toBe(0);
    const format = request!.body.response_format as {
      type: string;
      json_schema: { name: string; strict: boolean; schema: unknown };
    };
    expect(format.type).toBe("json_schema");
    expect(format.json_schema.name).toBe("answer");
    expect(format.json_schema.strict).toBe(true);
    await ai.settle();
    expect(usage.entries).toMatchObject([{ purpose: "interpret", tokens: 42 }]);
  });

  it("no choice is a valid answer; nothing else said leaves no rest", async () => {
    const ai = assist();
    fake.queueChat({ kind: "json", content: { choice: null, rest: "   " } });
    expect(await ai.interpret(rating)).toEqual({ choice: null });
  });

  it("a free question admits only a null choice", async () => {
    const ai = assist();
    fake.queueChat({ kind: "json", content: { choice: "5", rest: null } });
    expect(await ai.interpret({ ...rating, options: [] })).toBeNull();
    expect(warnings.at(-1)).toMatchObject({ purpose: "interpret", code: "bad-output" });
  });

  it("an empty answer is not sent", async () => {
    expect(await assist().interpret({ ...rating, text: "  " })).toBeNull();
    expect(fake.requests).toHaveLength(0);
  });

  it("never waits longer than AI_INTERPRET_TIMEOUT_MS, whatever AI_TIMEOUT_MS says", async () => {
    const ai = assist({ AI_INTERPRET_TIMEOUT_MS: "200", AI_TIMEOUT_MS: "60000" });
    fake.queueChat({
      kind: "delay",
      ms: 10_000,
      reply: { kind: "json", content: { choice: "5", rest: null } },
    });
    const started = performance.now();
    expect(await ai.interpret(rating)).toBeNull();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(warnings.at(-1)).toMatchObject({ purpose: "interpret", code: "timeout" });
  });
});

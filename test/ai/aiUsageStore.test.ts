import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAiAssist } from "../../src/ai/triage.js";
import { loadConfig } from "../../src/config/env.js";
import { createAiUsageStore } from "../../src/data/aiUsageStore.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { type FakeOpenAiServer, startFakeOpenAiServer } from "../support/fakeOpenAiServer.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

let test: TestDatabase;
let fake: FakeOpenAiServer;

beforeAll(async () => {
  test = await createTestDatabase();
  fake = await startFakeOpenAiServer();
});
afterAll(async () => {
  await fake.close();
  await test.drop();
});

const silent = { info: () => {}, warn: () => {}, error: () => {} };

describe("AiUsageStore on the database", () => {
  it("sums calls and tokens per day and per ticket", async () => {
    const store = createAiUsageStore(test.db);
    const at = new Date("2026-03-01T09:00:00Z");
    await store.record({ day: "2026-03-01", ticketId: "LT-1", purpose: "triage", tokens: 100, at });
    await store.record({ day: "2026-03-01", ticketId: "LT-1", purpose: "summarize", tokens: 50.4, at });
    await store.record({ day: "2026-03-01", ticketId: null, purpose: "transcribe", tokens: 0, at });
    await store.record({ day: "2026-03-02", ticketId: "LT-1", purpose: "suggest-reply", tokens: 7, at });
    expect(await store.totals("2026-03-01")).toEqual({ calls: 3, tokens: 150 });
    expect(await store.totals("2026-03-03")).toEqual({ calls: 0, tokens: 0 });
    expect(await store.ticketTotals("LT-1")).toEqual({ calls: 3, tokens: 157 });
  });

  it("works inside a transaction", async () => {
    await test.db.transaction(async (tx) => {
      const store = createAiUsageStore(tx);
      await store.record({
        day: "2026-04-01",
        purpose: "triage",
        tokens: 3,
        at: new Date("2026-04-01T08:00:00Z"),
      });
      expect(await store.totals("2026-04-01")).toEqual({ calls: 1, tokens: 3 });
    });
  });

  it("enforces the daily cap from what the database recorded, across assist instances", async () => {
    const usage = createAiUsageStore(test.db);
    const categories = loadPolicy("leghorn").categories;
    const config = {
      ...loadConfig({}).ai,
      apiKey: "k",
      baseURL: fake.baseURL,
      timeoutMs: 1500,
      dailyCallCap: 2,
    };
    const now = () => new Date("2026-05-10T12:00:00Z");
    fake.setDefaultChat({
      kind: "json",
      content: {
        category: "hardware-repair",
        blocking: false,
        priority: "normal",
        language: "en",
        summary: "Broken shackle on a smart lock.",
        missingFacts: [],
      },
      tokens: 64,
    });
    const description = "The smart lock shackle is broken";
    const first = createAiAssist(config, { usage, logger: silent, now })!;
    expect((await first.triage({ description, categories, ticketId: "LG-1" })).source).toBe("ai");
    expect((await first.triage({ description, categories, ticketId: "LG-2" })).source).toBe("ai");
    await first.settle(); // as on shutdown
    // A restarted process sees the same ledger.
    const second = createAiAssist(config, { usage, logger: silent, now })!;
    expect((await second.triage({ description, categories, ticketId: "LG-3" })).source).toBe("offline");
    expect(fake.chatRequests()).toHaveLength(2);
    expect(await usage.totals("2026-05-10")).toEqual({ calls: 2, tokens: 128 });
    expect(await usage.ticketTotals("LG-3")).toEqual({ calls: 0, tokens: 0 });
  });
});

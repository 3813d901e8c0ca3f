/**
 * Outbox retries on Telegram, in real time (the runtime's clock is the system clock): a Bot API
 * answering 500 twice and then 200 gets the reply delivered within seconds, and while one chat
 * waits for its retry (a 429's retry_after) the other chats are served at once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createTelegramAdapter,
  type TelegramAdapter,
} from "../../../src/channels/telegram/telegramAdapter.js";
import * as store from "../../../src/data/supportStore.js";
import { loadPolicy } from "../../../src/policy/loadPolicy.js";
import { systemClock } from "../../../src/runtime/clock.js";
import type { SupportRuntime } from "../../../src/runtime/supportRuntime.js";
import { eventually } from "../../support/eventually.js";
import { FakeTelegramApi } from "../../support/fakeTelegramApi.js";
import { createHarness } from "../../support/harness.js";
import { rowsOf } from "../../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";

/** Awaits `check` for at most `timeoutMs` (the bound is the test's claim). */
async function within(timeoutMs: number, check: () => boolean, what: () => string): Promise<void> {
  await eventually(check, () => `within ${timeoutMs} ms: ${what()}`, { timeoutMs, intervalMs: 20 });
}

describe("Telegram outbox retries", () => {
  let t: TestDatabase;
  let api: FakeTelegramApi;
  let adapter: TelegramAdapter;
  let runtime: SupportRuntime;
  let nextUser = 6_200_000;

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await FakeTelegramApi.start();
    const policy = loadPolicy("leotron");
    // Every 429 goes to the outbox (none waited out inside send), to see the outbox's own timing.
    adapter = createTelegramAdapter({
      token: api.token,
      apiRoot: api.apiRoot,
      pollingTimeoutSeconds: 1,
      maxInlineRetryAfterMs: 0,
    });
    // Real time: the test measures the outbox's own retry timing.
    ({ runtime } = await createHarness({ database: t, policy, clock: systemClock, channels: [adapter] }));
  });

  afterAll(async () => {
    await runtime?.stop();
    await api?.close();
    await t?.drop();
  });

  async function customer(): Promise<number> {
    const userId = nextUser++;
    const c = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    await store.linkIdentity(t.db, c.id, "telegram", String(userId));
    return userId;
  }

  it("delivers within 10 s when the Bot API answers 500 twice, then 200", async () => {
    const userId = await customer();
    const calls = api.callsOf("sendMessage").length;
    const started = Date.now();
    api.failNext("sendMessage", { count: 2, errorCode: 500, description: "Internal Server Error" });
    api.enqueueText("Non capisco come si fa il reso nel programma", { id: userId });
    await within(
      10_000,
      () => api.sentTo(userId).length > 0,
      () => `the reply; sendMessage calls: ${api.callsOf("sendMessage").length - calls}`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(api.sentTo(userId).length).toBe(1);
    // Two refused attempts, one delivered.
    expect(api.callsOf("sendMessage").length - calls).toBe(3);
    // Marked sent right after the platform took it.
    await vi.waitFor(async () => {
      const rows = await rowsOf(t.db, "Message", `"direction" = 'out' AND "chatId" = ?`, String(userId));
      expect(rows.map((r) => [r.status, r.attempts])).toEqual([["sent", 3]]);
    });
  });

  it("waits a 429's retry_after for that chat only: another chat is served meanwhile", async () => {
    const slow = await customer();
    const other = await customer();
    const calls = api.callsOf("sendMessage").length;
    api.failNext("sendMessage", { count: 1, errorCode: 429, retryAfter: 2 });
    api.enqueueText("Non capisco come si fa il reso nel programma", { id: slow });
    await within(
      10_000,
      () => api.callsOf("sendMessage").length > calls,
      () => "the refused attempt",
    );
    api.enqueueText("Non capisco come si fa il reso nel programma", { id: other });
    await within(
      10_000,
      () => api.sentTo(slow).length > 0 && api.sentTo(other).length > 0,
      () => "replies to both customers",
    );
    const order = api.sent.map((m) => m.chat.id);
    expect(order.indexOf(other)).toBeLessThan(order.indexOf(slow));
    expect(api.sentTo(slow).length).toBe(1);
  });
});

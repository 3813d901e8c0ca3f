/**
 * Sign-in attempts counted in the database (shared by every instance): one atomic upsert per
 * attempt, a fixed window from the first attempt, ended windows swept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAttemptCounter } from "../../src/data/attemptCounter.js";
import { rowsOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const WINDOW = 15 * 60_000;

describe("attempt counter", () => {
  let t: TestDatabase;
  let now = new Date("2027-03-30T08:00:00Z");

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("loses no attempt when many arrive at once (as from several instances)", async () => {
    // Two counters on one database stand for two instances.
    const a = createAttemptCounter(t.db, () => now);
    const b = createAttemptCounter(t.db, () => now);
    const counts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).hit("login:203.0.113.9", WINDOW)),
    );
    expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    for (const c of counts) expect(c.resetAt.toISOString()).toBe("2027-03-30T08:15:00.000Z");
    expect(await a.peek("login:203.0.113.9")).toEqual({
      count: 30,
      resetAt: new Date("2027-03-30T08:15:00Z"),
    });
    expect(await a.peek("login:198.51.100.1")).toBeNull();
  });

  it("starts a new window once the old one ended, and sweeps ended windows", async () => {
    const counter = createAttemptCounter(t.db, () => now);
    now = new Date("2027-03-30T08:10:00Z");
    expect((await counter.hit("account:giulia", WINDOW)).count).toBe(1);
    now = new Date("2027-03-30T08:14:59Z");
    // Still the first key's window: 31st attempt.
    expect((await counter.hit("login:203.0.113.9", WINDOW)).count).toBe(31);
    now = new Date("2027-03-30T08:15:00Z");
    expect(await counter.peek("login:203.0.113.9")).toBeNull();
    const fresh = await counter.hit("login:203.0.113.9", WINDOW);
    expect(fresh).toEqual({ count: 1, resetAt: new Date("2027-03-30T08:30:00Z") });

    // An hour later the next attempt sweeps every ended window but its own.
    now = new Date("2027-03-30T09:20:00Z");
    await counter.hit("login:192.0.2.1", WINDOW);
    await expect
      .poll(async () => (await rowsOf(t.db, "RateCounter")).map((r) => r.key))
      .toEqual(["login:192.0.2.1"]);
  });
});

/**
 * Token buckets in the database (shared by every instance): a take stores the bucket's arrival
 * time one interval later, counts it, and is refused past the burst until time refills it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenBuckets } from "../../src/data/tokenBuckets.js";
import { rowOf, rowsOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const SHAPE = { burst: 2, intervalMs: 60_000 };

describe("token buckets in the database", () => {
  let t: TestDatabase;
  let now = new Date("2027-03-30T08:00:00Z");

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  const bucket = (key: string) => rowOf(t.db, "RateCounter", `"key" = ?`, key);

  it("stores each take (count and arrival time) and refuses past the burst until the bucket refills", async () => {
    const buckets = createTokenBuckets(t.db, () => now);
    expect(await buckets.take("chat:a", SHAPE)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await bucket("chat:a")).toEqual({
      key: "chat:a",
      count: 1,
      resetAt: new Date("2027-03-30T08:01:00Z"),
    });
    expect(await buckets.take("chat:a", SHAPE)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await bucket("chat:a")).toEqual({
      key: "chat:a",
      count: 2,
      resetAt: new Date("2027-03-30T08:02:00Z"),
    });
    expect(await buckets.take("chat:a", SHAPE)).toEqual({ allowed: false, retryAfterMs: 60_000 });
    expect((await bucket("chat:a"))?.count).toBe(2);

    // Another chat's bucket is its own.
    expect(await buckets.take("chat:b", SHAPE)).toEqual({ allowed: true, retryAfterMs: 0 });
    now = new Date("2027-03-30T08:01:00Z");
    expect(await buckets.take("chat:a", SHAPE)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await bucket("chat:a")).toEqual({
      key: "chat:a",
      count: 3,
      resetAt: new Date("2027-03-30T08:03:00Z"),
    });
    expect((await rowsOf(t.db, "RateCounter", `"key" = ?`, "chat:b")).map((r) => r.count)).toEqual([1]);
  });

  it("counts every take of several instances at once, each once", async () => {
    const a = createTokenBuckets(t.db, () => now);
    const b = createTokenBuckets(t.db, () => now);
    const shape = { burst: 6, intervalMs: 1_000 };
    const verdicts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).take("chat:c", shape)),
    );
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(6);
    expect((await bucket("chat:c"))?.count).toBe(6);
  });
});

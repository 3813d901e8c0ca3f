/**
 * Housekeeping: finished jobs and old delivery idempotency keys are deleted after the kept days;
 * pending and failed jobs and recent rows stay. SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../src/config/env.js";
import { createCoordination } from "../../src/data/coordination.js";
import * as jobs from "../../src/data/jobStore.js";
import { iso } from "../../src/data/sqlTx.js";
import { rowsOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.drop();
});

const day = 24 * 3600 * 1000;
// The real clock: a delivery key is recorded at the time it is seen.
const now = new Date();

describe("purgeFinishedWork", () => {
  it("deletes jobs done or cancelled before the cutoff and older delivery keys, nothing else", async () => {
    const old = new Date(now.getTime() - 10 * day);
    const recent = new Date(now.getTime() - 1 * day);
    const at = (key: string) => ({ kind: "test", key, payload: {} });
    await t.db.transaction(async (tx) => {
      for (const key of ["done-old", "done-recent", "pending-old", "failed-old", "cancelled-old"])
        await jobs.scheduleJob(tx, { ...at(key), dueAt: old });
      await jobs.cancelJobs(tx, ["cancelled-old"]);
    });
    // Run as the job scheduler runs them: claimed, then done or failed.
    const coordination = await createCoordination(t.db, { instanceId: "housekeeping-test" });
    try {
      const claimed = await coordination.claimJobs(now);
      const id = (key: string) => claimed.find((r) => r.key === key)!.id;
      expect(await coordination.completeJob(id("done-old"), old)).toBe(true);
      expect(await coordination.completeJob(id("done-recent"), recent)).toBe(true);
      await coordination.failJob(id("failed-old"), "gave up", null);
    } finally {
      await coordination.close();
    }
    expect(await jobs.markDeliverySeen(t.db, "slack", "Ev-old")).toBe(false);
    expect(await jobs.markDeliverySeen(t.db, "slack", "Ev-recent")).toBe(false);
    // Seen days ago.
    await t.db.session(async (tx) => {
      for (const [key, at] of [
        ["Ev-old", old],
        ["Ev-recent", recent],
      ] as const)
        await tx.run(
          `UPDATE "ProcessedDelivery" SET "at" = ? WHERE "source" = 'slack' AND "key" = ?`,
          iso(at),
          key,
        );
    });

    const purged = await jobs.purgeFinishedWork(t.db, new Date(now.getTime() - 7 * day));

    expect(purged).toEqual({ jobs: 2, deliveries: 1 });
    expect((await rowsOf(t.db, "Job", `1 = 1 ORDER BY "key"`)).map((j) => j.key)).toEqual([
      "done-recent",
      "failed-old",
      "pending-old",
    ]);
    expect(await jobs.markDeliverySeen(t.db, "slack", "Ev-recent")).toBe(true);
    expect(await jobs.markDeliverySeen(t.db, "slack", "Ev-old")).toBe(false);
    expect(await jobs.purgeFinishedWork(t.db, new Date(now.getTime() - 7 * day))).toEqual({
      jobs: 0,
      deliveries: 0,
    });
  });

  it("keeps them 7 days unless FINISHED_WORK_KEEP_DAYS says otherwise", () => {
    expect(loadEnv({}).FINISHED_WORK_KEEP_DAYS).toBe(7);
    expect(loadEnv({ FINISHED_WORK_KEEP_DAYS: "30" }).FINISHED_WORK_KEEP_DAYS).toBe(30);
    expect(() => loadEnv({ FINISHED_WORK_KEEP_DAYS: "soon" })).toThrow(/FINISHED_WORK_KEEP_DAYS/);
  });
});

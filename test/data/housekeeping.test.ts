/**
 * Housekeeping: finished jobs and old delivery idempotency keys are deleted after the kept days;
 * pending and failed jobs and recent rows stay. SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../src/config/env.js";
import * as jobs from "../../src/data/jobStore.js";
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
    const rows = await t.db.prisma.job.findMany();
    const id = (key: string) => rows.find((r) => r.key === key)!.id;
    await jobs.completeJob(t.db, id("done-old"), old);
    await jobs.completeJob(t.db, id("done-recent"), recent);
    await jobs.failJob(t.db, id("failed-old"), "gave up", null);
    expect(await jobs.markDeliverySeen(t.db, "slack", "Ev-old")).toBe(false);
    expect(await jobs.markDeliverySeen(t.db, "slack", "Ev-recent")).toBe(false);
    await t.db.prisma.processedDelivery.update({
      where: { source_key: { source: "slack", key: "Ev-old" } },
      data: { at: old },
    });
    await t.db.prisma.processedDelivery.update({
      where: { source_key: { source: "slack", key: "Ev-recent" } },
      data: { at: recent },
    });

    const purged = await jobs.purgeFinishedWork(t.db, new Date(now.getTime() - 7 * day));

    expect(purged).toEqual({ jobs: 2, deliveries: 1 });
    expect((await t.db.prisma.job.findMany({ orderBy: { key: "asc" } })).map((j) => j.key)).toEqual([
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

/**
 * Coordination primitives on the test database: exclusive, leased claims of jobs and of a
 * chat's outbox between two instances; a gone instance's claims taken over; events fanned out;
 * on PostgreSQL, one chat locked across instances.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Coordination, createCoordination } from "../../src/data/coordination.js";
import { type Database, openDatabase, probeWrite } from "../../src/data/database.js";
import * as store from "../../src/data/supportStore.js";
import { eventually } from "../support/eventually.js";
import { theRow } from "../support/rows.js";
import { createTestDatabase, type TestDatabase, usingPostgres } from "../support/testDatabase.js";

describe(`coordination (${usingPostgres ? "PostgreSQL, two instances" : "SQLite, one instance"})`, () => {
  let t: TestDatabase;
  let second: Database;
  let a: Coordination;
  let b: Coordination;
  const now = new Date("2027-03-30T08:00:00Z");

  beforeAll(async () => {
    t = await createTestDatabase();
    second = await openDatabase(t.url);
    a = await createCoordination(t.db, { instanceId: "inst-a" });
    b = await createCoordination(second, { instanceId: "inst-b" });
  });
  afterAll(async () => {
    await a.close();
    await b.close().catch(() => undefined);
    await second.close();
    await t.drop();
  });

  it("claims each due job once while its claimant lives, and takes it over when the claimant is gone or its lease ran out", async () => {
    for (let i = 0; i < 6; i++)
      await store.scheduleJob(t.db, {
        kind: "test",
        key: `job-${i}`,
        dueAt: new Date(now.getTime() - i),
        payload: { i },
      });
    await store.scheduleJob(t.db, {
      kind: "test",
      key: "later",
      dueAt: new Date(now.getTime() + 60_000),
      payload: {},
    });
    // Concurrently on PostgreSQL; SQLite (one writer per file) takes them one after the other.
    const [first, other] = usingPostgres
      ? await Promise.all([a.claimJobs(now, 4), b.claimJobs(now, 4)])
      : [await a.claimJobs(now, 4), await b.claimJobs(now, 4)];
    const ids = [...first, ...other].map((j) => j.key);
    if (usingPostgres) {
      // Both live: every job claimed exactly once.
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(["job-0", "job-1", "job-2", "job-3", "job-4", "job-5"]);
      expect(await a.claimJobs(now)).toEqual([]);
    } else {
      // One instance: another "instance" on the same file is an earlier process, its claims void.
      expect(ids).not.toContain("later");
    }
    // A job rescheduled while it runs (a repeated page) is not marked done by the old run.
    const mine = (await a.claimJobs(new Date(now.getTime() + 3_600_000))).concat(first);
    const job = mine[0]!;
    await store.scheduleJob(t.db, {
      kind: "test",
      key: job.key,
      dueAt: new Date(now.getTime() + 120_000),
      payload: { again: true },
    });
    expect(await a.completeJob(job.id, now)).toBe(false);
    const row = await theRow(t.db, "Job", `"id" = ?`, job.id);
    expect(row.status).toBe("pending");
  });

  it("lets one instance at a time deliver a chat, and the next one after its claims are released", async () => {
    const chat = { channel: "web", chatId: "w-coord" };
    for (const text of ["uno", "due", "tre"])
      await t.db.transaction((tx) => store.queueOutbound(tx, { ...chat, text, body: {}, at: now }));
    const first = await a.claimChatOutbox(chat);
    expect(first.map((m) => m.text)).toEqual(["uno", "due", "tre"]);
    const during = await b.claimChatOutbox(chat);
    if (usingPostgres) expect(during).toEqual([]);
    await t.db.transaction((tx) => store.markDelivered(tx, [first[0]!.id], now));
    await a.releaseOutbox(first.slice(1).map((m) => m.id));
    const after = await b.claimChatOutbox(chat);
    expect(after.map((m) => m.text)).toEqual(["due", "tre"]);
  });

  it("lists the chats with an outbound message due, each once, and tells when the next one is due", async () => {
    // Before every other row of this file (they are due at `now`).
    const early = new Date("2027-03-01T08:00:00Z");
    const hourLater = new Date(early.getTime() + 3_600_000);
    const x = { channel: "web", chatId: "w-due-x" };
    const y = { channel: "web", chatId: "w-due-y" };
    await t.db.transaction(async (tx) => {
      await store.queueOutbound(tx, { ...x, text: "uno", body: {}, at: early });
      await store.queueOutbound(tx, { ...x, text: "due", body: {}, at: early });
      await store.queueOutbound(tx, { ...y, text: "tre", body: {}, at: hourLater });
    });
    expect(await a.nextOutboxAttempt()).toEqual(early);
    expect(await a.chatsWithDueOutbox(early)).toEqual([x]);
    const mine = (await a.chatsWithDueOutbox(hourLater)).filter((c) => c.chatId.startsWith("w-due-"));
    expect(mine.sort((p, q) => p.chatId.localeCompare(q.chatId))).toEqual([x, y]);
    const xs = await a.claimChatOutbox(x);
    await t.db.transaction((tx) =>
      store.markDelivered(
        tx,
        xs.map((m) => m.id),
        early,
      ),
    );
    expect(await a.nextOutboxAttempt()).toEqual(hourLater);
    expect(await a.chatsWithDueOutbox(early)).toEqual([]);
  });

  it("puts a failed job back, due at its retry time, or gives it up", async () => {
    const early = new Date("2027-03-01T08:00:00Z");
    const retryAt = new Date(early.getTime() + 3_600_000);
    await store.scheduleJob(t.db, { kind: "test", key: "retry-job", dueAt: early, payload: { n: 1 } });
    const [job] = await a.claimJobs(early);
    expect(job).toMatchObject({ key: "retry-job", attempts: 0, payload: { n: 1 } });
    await a.failJob(job!.id, "boom", retryAt);
    const read = () =>
      t.db.session(async (tx) =>
        tx.row(
          `SELECT "status", "attempts", "lastError", "dueAt", "claimedBy" FROM "Job" WHERE "id" = ?`,
          job!.id,
        ),
      );
    const after = await read();
    expect(after).toMatchObject({ status: "pending", lastError: "boom", claimedBy: null });
    expect(Number(after!.attempts)).toBe(1);
    expect(new Date(after!.dueAt as string).getTime()).toBe(retryAt.getTime());
    expect(await a.claimJobs(new Date(retryAt.getTime() - 1))).toEqual([]);
    const [again] = await a.claimJobs(retryAt);
    expect(again).toMatchObject({ key: "retry-job", attempts: 1, dueAt: retryAt });
    await a.failJob(again!.id, "boom again", null);
    expect(await read()).toMatchObject({ status: "failed", lastError: "boom again", claimedBy: null });
    expect(await a.claimJobs(new Date(retryAt.getTime() + 86_400_000 * 365))).not.toContainEqual(
      expect.objectContaining({ key: "retry-job" }),
    );
  });

  it("fans events out to every instance", async () => {
    const got: string[] = [];
    const unsubscribe = (usingPostgres ? b : a).subscribe("sportello_test", (p) => got.push(p));
    const seen = new Promise<void>((resolve) => {
      const off = a.subscribe("sportello_test", () => {
        off();
        resolve();
      });
    });
    // LISTEN is asynchronous: publish until the other side hears it.
    let i = 0;
    await eventually(
      async () => {
        await a.publish("sportello_test", JSON.stringify({ i: i++ }));
        await seen;
        await new Promise((resolve) => setImmediate(resolve));
        return got.length > 0;
      },
      "the event heard by the other instance",
      { intervalMs: 20 },
    );
    unsubscribe();
    expect(got.length).toBeGreaterThan(0);
  });

  it("reports whether the database can be written", async () => {
    expect(await probeWrite(t.db)).toBeNull();
  });

  if (usingPostgres) {
    it("serialises one chat across instances inside their transactions", async () => {
      const order: string[] = [];
      let releaseFirst!: () => void;
      const held = new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      let locked!: () => void;
      const firstLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const first = t.db.transaction(async (tx) => {
        await a.lockChat(tx, "web:w-lock");
        // The lock is pipelined: the transaction's next statement runs once it is held.
        await tx.row("SELECT 1 AS one");
        order.push("a-in");
        locked();
        await held;
        order.push("a-out");
      });
      await firstLocked;
      const other = second.transaction(async (tx) => {
        await b.lockChat(tx, "web:w-lock");
        await tx.row("SELECT 1 AS one");
        order.push("b-in");
      });
      // b is blocked until a commits: PostgreSQL shows its request for the chat lock waiting
      // (in this test's database only); a finishes only after we let it.
      await eventually(async () => {
        const waiting = await t.db.transaction(async (tx) =>
          tx.row(
            `SELECT count(*) AS "n" FROM pg_locks WHERE "locktype" = 'advisory' AND NOT "granted"
               AND "database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())`,
          ),
        );
        return Number(waiting?.n) > 0;
      }, "the second instance waiting for the chat lock");
      expect(order).toEqual(["a-in"]);
      releaseFirst();
      await Promise.all([first, other]);
      expect(order).toEqual(["a-in", "a-out", "b-in"]);
    });

    it("takes over a live instance's claims once their lease has ended", async () => {
      const chat = { channel: "web", chatId: "w-lease" };
      await t.db.transaction((tx) => store.queueOutbound(tx, { ...chat, text: "ciao", body: {}, at: now }));
      await store.scheduleJob(t.db, { kind: "test", key: "lease-job", dueAt: now, payload: {} });
      expect((await b.claimChatOutbox(chat)).length).toBe(1);
      const claimedByB = (await b.claimJobs(new Date(now.getTime() + 86_400_000))).map((j) => j.key);
      expect(claimedByB).toContain("lease-job");
      expect(await a.claimChatOutbox(chat)).toEqual([]);
      // Ten minutes later (wall clock) both leases (2 and 5 minutes) have run out.
      const later = await createCoordination(t.db, {
        instanceId: "inst-later",
        wallClock: () => Date.now() + 10 * 60_000,
      });
      try {
        expect((await later.claimChatOutbox(chat)).map((m) => m.text)).toEqual(["ciao"]);
        const jobs = await later.claimJobs(new Date(now.getTime() + 86_400_000));
        expect(jobs.map((j) => j.key)).toContain("lease-job");
      } finally {
        await later.close();
      }
    });

    it("takes over the claims of an instance whose connection is gone", async () => {
      const chat = { channel: "web", chatId: "w-gone" };
      await t.db.transaction((tx) => store.queueOutbound(tx, { ...chat, text: "ciao", body: {}, at: now }));
      expect((await b.claimChatOutbox(chat)).length).toBe(1);
      expect(await a.claimChatOutbox(chat)).toEqual([]);
      await b.close();
      expect((await a.claimChatOutbox(chat)).map((m) => m.text)).toEqual(["ciao"]);
    });
  }
});

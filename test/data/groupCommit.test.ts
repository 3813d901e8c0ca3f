/**
 * Group commit on the shared SQLite connection: transactions queued in one turn share a commit,
 * yet each one succeeds or fails on its own, and no caller hears "committed" before the data is
 * on disk for every other connection to see. (The SQLite connection itself, whichever database
 * the rest of the suite runs on.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SqliteConnection } from "../../src/data/sqliteConnection.js";

describe("group commit on the shared SQLite connection", () => {
  let dir: string;
  let conn: SqliteConnection;
  /** A second connection on the same file: sees committed data only. */
  let other: Database.Database;

  const insert = (name: string) => conn.statement(`INSERT INTO "item" ("name") VALUES (?)`).run(name);
  const committed = () =>
    (other.prepare(`SELECT "name" FROM "item" ORDER BY "name"`).all() as { name: string }[]).map(
      (r) => r.name,
    );

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sportello-group-"));
    conn = new SqliteConnection(join(dir, "group.db"));
    conn.db.exec(`CREATE TABLE "item" ("name" TEXT PRIMARY KEY)`);
    conn.db.exec(`CREATE TABLE "parent" ("id" INTEGER PRIMARY KEY)`);
    conn.db.exec(
      `CREATE TABLE "child" ("id" INTEGER PRIMARY KEY, "parentId" INTEGER REFERENCES "parent"("id") DEFERRABLE INITIALLY DEFERRED)`,
    );
    other = new Database(join(dir, "group.db"));
  });
  beforeEach(() => {
    conn.db.exec(`DELETE FROM "item"`);
  });
  afterAll(() => {
    other.close();
    conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("resolves each caller only once its writes are committed for other connections", async () => {
    const seenAtResolve: string[][] = [];
    const seenInside: string[][] = [];
    const all = ["a", "b", "c"].map((name) =>
      conn
        .transaction(async () => {
          insert(name);
          // Inside the group nothing is committed yet, not even the transactions before this one.
          seenInside.push(committed());
          return name;
        })
        .then((value) => {
          seenAtResolve.push(committed());
          return value;
        }),
    );
    expect(await Promise.all(all)).toEqual(["a", "b", "c"]);
    // One shared commit: the ones before were not visible to other connections meanwhile.
    expect(seenInside).toEqual([[], [], []]);
    for (const seen of seenAtResolve) expect(seen).toEqual(["a", "b", "c"]);
  });

  it("rolls back a failing transaction alone and commits the others of its group", async () => {
    const results = await Promise.allSettled([
      conn.transaction(async () => insert("first")),
      conn.transaction(async () => {
        insert("failing");
        // A second write that breaks a constraint after the first one succeeded.
        insert("first");
      }),
      conn.transaction(async () => {
        insert("third");
        return "third";
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/UNIQUE/);
    expect(committed()).toEqual(["first", "third"]);
  });

  it("runs rerunnable transactions without savepoints: one failing, those before it run again", async () => {
    const runs: string[] = [];
    const rerunnable = { rerunnable: true };
    const results = await Promise.allSettled([
      conn.transaction(async () => {
        runs.push("first");
        insert("first");
        return "first";
      }, rerunnable),
      conn.transaction(async () => {
        runs.push("failing");
        insert("failing");
        insert("first");
      }, rerunnable),
      conn.transaction(async () => {
        runs.push("third");
        insert("third");
        return "third";
      }, rerunnable),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/UNIQUE/);
    // The whole group was rolled back: "first" ran again (before "third", in arrival order), and
    // nothing of the failing one's first write is left.
    expect(runs).toEqual(["first", "failing", "first", "third"]);
    expect(committed()).toEqual(["first", "third"]);
    expect(conn.db.inTransaction).toBe(false);
  });

  it("keeps a savepoint after a transaction that may not run again", async () => {
    const runs: string[] = [];
    const results = await Promise.allSettled([
      conn.transaction(async () => {
        runs.push("once");
        insert("once");
      }),
      conn.transaction(
        async () => {
          runs.push("failing");
          insert("failing");
          insert("once");
        },
        { rerunnable: true },
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    // Rolled back to its own savepoint: the one before it ran once and is committed.
    expect(runs).toEqual(["once", "failing"]);
    expect(committed()).toEqual(["once"]);
  });

  it("rejects every transaction of the group when the shared commit fails, then works again", async () => {
    // A deferred foreign key is checked at COMMIT: the group's commit fails, nothing is kept.
    const results = await Promise.allSettled([
      conn.transaction(async () => insert("before")),
      conn.transaction(async () => {
        conn.statement(`INSERT INTO "child" ("id", "parentId") VALUES (1, 42)`).run();
      }),
      conn.transaction(async () => insert("after")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(committed()).toEqual([]);
    expect(conn.db.inTransaction).toBe(false);
    await conn.transaction(async () => insert("next"));
    expect(committed()).toEqual(["next"]);
  });

  it("loses no transaction when SQLite rolls the whole group back (database full)", async () => {
    const pages = (conn.db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    conn.db.prepare(`PRAGMA max_page_count = ${pages}`).get();
    try {
      const results = await Promise.allSettled([
        conn.transaction(async () => insert("small")),
        conn.transaction(async () => insert("x".repeat(200_000))),
      ]);
      // Whether SQLite kept the transaction open or rolled it all back, no caller is told
      // "committed" for data that is not there.
      const kept = committed();
      expect(kept).not.toContain("x".repeat(200_000));
      expect(results[0]!.status === "fulfilled").toBe(kept.includes("small"));
      expect(results[1]!.status).toBe("rejected");
      expect(conn.db.inTransaction).toBe(false);
    } finally {
      conn.db.prepare("PRAGMA max_page_count = 1073741823").get();
    }
    await conn.transaction(async () => insert("later"));
    expect(committed()).toContain("later");
  });

  it("lets single statements and timers run between groups", async () => {
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const slow = Array.from({ length: 40 }, (_, i) =>
      conn.transaction(async () => {
        const until = performance.now() + 1;
        while (performance.now() < until) {
          // busy: 1 ms of work per transaction, 40 ms in all
        }
        insert(`slow-${i}`);
        return timerRan;
      }),
    );
    const ranDuring = await Promise.all(slow);
    // The group was cut at the turn's slice: the timer ran before the last transactions did.
    expect(ranDuring.at(-1)).toBe(true);
    expect(committed()).toHaveLength(40);
  });
});

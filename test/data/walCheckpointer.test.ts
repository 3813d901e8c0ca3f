/**
 * The SQLite log is checkpointed by a worker thread, not inside the COMMITs of the event loop:
 * the connection's own auto-checkpoint stays only as a backstop, and comes back at SQLite's
 * default when the worker cannot run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SqliteConnection } from "../../src/data/sqliteConnection.js";
import { BACKSTOP_PAGES, DEFAULT_PAGES, WalCheckpointer } from "../../src/data/walCheckpointer.js";

describe("WAL checkpoints on a worker thread", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sportello-wal-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const autoCheckpoint = (conn: SqliteConnection) =>
    (conn.db.prepare("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number }).wal_autocheckpoint;

  it("starts after the first commits, raises the inline mark to the backstop and copies the log back", async () => {
    const file = join(dir, "wal.db");
    const conn = new SqliteConnection(file);
    try {
      conn.db.exec(`CREATE TABLE "item" ("id" INTEGER PRIMARY KEY, "body" TEXT NOT NULL)`);
      expect(autoCheckpoint(conn)).toBe(DEFAULT_PAGES);
      const body = "x".repeat(4000);
      for (let i = 0; i < 80; i++)
        await conn.transaction(async () => {
          conn.statement(`INSERT INTO "item" ("body") VALUES (?)`).run(body);
        });
      await vi.waitFor(() => expect(autoCheckpoint(conn)).toBe(BACKSTOP_PAGES), { timeout: 10_000 });
      // Commits after the worker is ready ask it to checkpoint.
      await vi.waitFor(
        async () => {
          await conn.transaction(async () => {
            conn.statement(`INSERT INTO "item" ("body") VALUES (?)`).run(body);
          });
          expect(conn.checkpointer!.stats.checkpoints).toBeGreaterThan(0);
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(conn.checkpointer!.stats.lastCheckpointed).toBeGreaterThan(0);
      expect(conn.checkpointer!.stats.failed).toBeNull();
    } finally {
      conn.close();
    }
    // Everything committed is in the file for the next process.
    const reader = new Database(file);
    expect((reader.prepare(`SELECT count(*) AS "n" FROM "item"`).get() as { n: number }).n).toBeGreaterThan(
      80,
    );
    reader.close();
  });

  it("gives the connection SQLite's own checkpoints back when the worker cannot run", async () => {
    const marks: number[] = [];
    // The worker cannot open a file in a folder that does not exist.
    const checkpointer = new WalCheckpointer(join(dir, "missing", "wal.db"), (pages) => marks.push(pages), 1);
    checkpointer.committed();
    await vi.waitFor(() => expect(checkpointer.stats.failed).not.toBeNull(), { timeout: 10_000 });
    expect(marks.at(-1)).toBe(DEFAULT_PAGES);
    // Later commits do not start another worker.
    checkpointer.committed();
    expect(marks.at(-1)).toBe(DEFAULT_PAGES);
    checkpointer.close();
  });

  it("has no worker for an in-memory database", () => {
    const conn = new SqliteConnection(":memory:");
    expect(conn.checkpointer).toBeNull();
    conn.close();
  });
});

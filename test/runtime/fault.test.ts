/**
 * A commit that fails fails that one message cleanly, `/health` says `degraded` (503) while the
 * database cannot be written, and the next message after the fault clears is processed without
 * a restart. The whole app runs as `npm start` does; the customer writes on the web chat.
 *
 * - SQLite: the database lives on a tiny tmpfs that is filled up (disk full), or, where this
 *   process may not mount file systems, on a database capped at its current size (the same
 *   SQLITE_FULL error).
 * - PostgreSQL: the connection of a message's transaction is killed mid-transaction
 *   (`pg_terminate_backend`), then the database turns read-only for a while.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type App, startApp } from "../../src/app/startApp.js";
import { createWebChannel } from "../../src/channels/web/webChannel.js";
import { loadConfig } from "../../src/config/env.js";
import * as store from "../../src/data/supportStore.js";
import { createLogger } from "../../src/observability/logger.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import { createEmptyDatabase, usingPostgres } from "../support/testDatabase.js";

/** Mounts a small tmpfs at `dir`; false where this process may not mount. */
function tryMountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Fills the file system holding `dir` to the last byte. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(dir, `fill-${i}`), chunk);
    } catch {
      break;
    }
  }
  try {
    for (let i = 0; ; i++) writeFileSync(join(dir, `small-${i}`), Buffer.alloc(512));
  } catch {
    // full
  }
}

const TOKEN = "fault-token-000000000000-abcdefgh";

describe(`a failing commit (${usingPostgres ? "PostgreSQL: connection killed, then read-only" : "SQLite: disk full"})`, () => {
  let app: App;
  let root: string;
  let dbDir: string;
  let mounted = false;
  let database: { url: string; drop(): Promise<void> };
  let n = 0;

  const post = (text: string) =>
    fetch(`${app.url}/chat/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-chat-token": TOKEN },
      body: JSON.stringify({ clientId: `fault-${++n}-0000000000`, text }),
    });
  const health = async () => {
    const response = await fetch(`${app.url}/health`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const chatId = createWebChannel({ dataDir: tmpdir() }).chatIdFor(TOKEN);
  /** Whether /health names a database component in error (the write probe, or failed commits). */
  const databaseInError = (body: Record<string, unknown>) =>
    Object.entries((body.components ?? {}) as Record<string, { status: string }>).some(
      ([name, c]) => name.startsWith("database") && c.status === "error",
    );

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "sportello-fault-"));
    dbDir = join(root, "db");
    mkdirSync(dbDir);
    if (usingPostgres) {
      database = await createEmptyDatabase();
    } else {
      mounted = tryMountTmpfs(dbDir, "4m");
      database = { url: `file:${join(dbDir, "sportello.db")}`, drop: async () => undefined };
    }
    const rawEnv = { DATABASE_URL: database.url, PORT: "0", SPORTELLO_DATA_DIR: join(root, "data") };
    app = await startApp(loadConfig(rawEnv), createLogger({ level: "silent" }), {
      clock: new SimulatedClock("2027-03-30T10:00:00+02:00"),
    });
  });

  afterAll(async () => {
    // Stopping also proves no pool connection was lost to the fault (closing waits for them all).
    await app?.stop();
    if (mounted) execFileSync("umount", ["-l", dbDir]);
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  /** The bot's answers stored for the web chat so far. */
  const answers = async () =>
    (await store.chatTranscript(app.db, "web", chatId)).filter((l) => l.direction === "out");

  it("fails the message, reports degraded, then processes the next message without a restart", async () => {
    expect((await health()).status).toBe(200);
    expect((await post("Buongiorno")).status).toBe(202);
    const before = (await answers()).length;
    expect(before).toBeGreaterThan(0);

    if (usingPostgres) {
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        // Mid-transaction: hold the chat's lock so the message's transaction waits inside, then
        // kill the connection it runs on.
        const chat = chatId;
        await admin.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [`chat:web:${chat}`]);
        const pending = post("Il programma non si apre");
        await vi.waitFor(
          async () => {
            const { rows } = await admin.query(
              "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            );
            expect(rows.length).toBe(1);
            await admin.query("SELECT pg_terminate_backend($1)", [rows[0].pid]);
          },
          { timeout: 10_000, interval: 20 },
        );
        const failed = await pending;
        expect(failed.status).toBe(503);
        expect(((await failed.json()) as { error: { code: string } }).error.code).toBe("unavailable");
        await admin.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`chat:web:${chat}`]);

        // Read-only for a while (a failover to a replica): writes fail, /health says so.
        await admin.query(
          `ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET default_transaction_read_only = on`,
        );
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
        const degraded = await health();
        expect(degraded.status).toBe(503);
        expect(degraded.body.status).toBe("degraded");
        expect(databaseInError(degraded.body)).toBe(true);
        expect((await post("Il programma non si apre")).status).toBe(503);
        await admin.query(
          `ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" RESET default_transaction_read_only`,
        );
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
      } finally {
        await admin.end();
      }
    } else {
      if (mounted) {
        fill(dbDir);
      } else {
        // No mount here: cap the database at its current size, which fails writes the same way.
        const [row] = await app.db.session(async (tx) => tx.rows("PRAGMA page_count"));
        await app.db.session(async (tx) => tx.rows(`PRAGMA max_page_count = ${Number(row?.page_count)}`));
      }
      const failed = await post("Il programma non si apre ".repeat(mounted ? 1 : 200));
      expect(failed.status).toBe(503);
      expect(((await failed.json()) as { error: { code: string } }).error.code).toBe("unavailable");
      const degraded = await health();
      expect(degraded.status).toBe(503);
      expect(degraded.body.status).toBe("degraded");
      expect(databaseInError(degraded.body)).toBe(true);
      // The fault clears.
      if (mounted) execFileSync("sh", ["-c", `rm -f ${dbDir}/fill-* ${dbDir}/small-*`]);
      else await app.db.session(async (tx) => tx.rows("PRAGMA max_page_count = 1073741823"));
    }

    // Next message: processed at once, no restart; the failed one can be sent again.
    const next = await post("Il programma non si apre");
    expect(next.status).toBe(202);
    expect((await answers()).length).toBeGreaterThan(before);
    await vi.waitFor(async () => expect((await health()).status).toBe(200), {
      timeout: 10_000,
      interval: 50,
    });
  });
});

/**
 * Attempts counted per key in the database (`RateCounter`), so every instance on one database
 * shares one count: sign-in throttling must not allow N times the attempts behind a load balancer
 * of N instances. A key's window starts at its first attempt and lasts `windowMs` (a fixed window,
 * as @fastify/rate-limit's own store counts); one atomic upsert counts and starts a new window
 * once the old one ended, so concurrent attempts on several instances never lose a count.
 *
 * Windows are wall-clock time (an operational matter, like leases), never the business clock.
 */
import type { Database } from "./database.js";
import { date, iso, num } from "./sqlTx.js";

/** An attempt count in its window. */
export interface AttemptCount {
  /** Attempts in the current window, this one included. */
  count: number;
  /** When the window ends (the count starts again from the next attempt). */
  resetAt: Date;
}

/** Counts attempts per key across every instance on the database. */
export interface AttemptCounter {
  /** Counts one attempt on `key`; a window of `windowMs` starts if none is running. */
  hit(key: string, windowMs: number): Promise<AttemptCount>;
  /** The running window's count without counting (null: none running). */
  peek(key: string): Promise<AttemptCount | null>;
}

const HIT = `INSERT INTO "RateCounter" ("key", "count", "resetAt") VALUES (?, 1, ?)
  ON CONFLICT ("key") DO UPDATE SET
    "count" = CASE WHEN "RateCounter"."resetAt" <= ? THEN 1 ELSE "RateCounter"."count" + 1 END,
    "resetAt" = CASE WHEN "RateCounter"."resetAt" <= ? THEN excluded."resetAt" ELSE "RateCounter"."resetAt" END
  RETURNING "count", "resetAt"`;
const PEEK = `SELECT "count", "resetAt" FROM "RateCounter" WHERE "key" = ? AND "resetAt" > ?`;
const SWEEP = `DELETE FROM "RateCounter" WHERE "resetAt" <= ?`;

/** Ended windows are deleted at most this often (per process), after an attempt. */
const SWEEP_EVERY_MS = 60_000;

/** The {@link AttemptCounter} on `db`; `now` is the wall clock. */
export function createAttemptCounter(db: Database, now: () => Date = () => new Date()): AttemptCounter {
  let swept = 0;
  const sweep = (at: Date) => {
    if (at.getTime() - swept < SWEEP_EVERY_MS) return;
    swept = at.getTime();
    db.session(async (s) => s.run(SWEEP, iso(at))).catch(() => {
      // A failed sweep only leaves ended windows for the next one.
    });
  };
  return {
    async hit(key, windowMs) {
      const at = now();
      const stamp = iso(at);
      const rows = await db.session(async (s) =>
        s.rows(HIT, key, iso(new Date(at.getTime() + windowMs)), stamp, stamp),
      );
      const row = rows[0]!;
      sweep(at);
      return { count: num(row.count), resetAt: date(row.resetAt) };
    },
    async peek(key) {
      const row = await db.session(async (s) => s.row(PEEK, key, iso(now())));
      return row ? { count: num(row.count), resetAt: date(row.resetAt) } : null;
    },
  };
}

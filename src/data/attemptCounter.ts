/**
 * Attempts counted per key in the database (`RateCounter`), so every instance on one database
 * shares one count: sign-in throttling must not allow N times the attempts behind a load balancer
 * of N instances. A key's window starts at its first attempt and lasts `windowMs` (a fixed window,
 * as @fastify/rate-limit's own store counts); one atomic upsert counts and starts a new window
 * once the old one ended, so concurrent attempts on several instances never lose a count.
 *
 * Windows are wall-clock time (an operational matter, like leases), never the business clock.
 */
import { sql } from "kysely";
import type { Database } from "./database.js";
import { qb, statement } from "./schema/queryBuilder.js";
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

/** Counts an attempt: a new window (count 1) when none runs or the old one ended at `now`. */
const HIT = statement<{ key: string; resetAt: string; now: string }>((p) =>
  qb
    .insertInto("RateCounter")
    .values({ key: p.key, count: sql.lit(1), resetAt: p.resetAt })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet((eb) => ({
        count: eb
          .case()
          .when("RateCounter.resetAt", "<=", p.now)
          .then(eb.lit(1))
          .else(eb("RateCounter.count", "+", eb.lit(1)))
          .end(),
        resetAt: eb
          .case()
          .when("RateCounter.resetAt", "<=", p.now)
          .then(eb.ref("excluded.resetAt"))
          .else(eb.ref("RateCounter.resetAt"))
          .end(),
      })),
    )
    .returning(["count", "resetAt"]),
);
/** The running window of a key. */
const PEEK = statement<{ key: string; now: string }>((p) =>
  qb
    .selectFrom("RateCounter")
    .select(["count", "resetAt"])
    .where("key", "=", p.key)
    .where("resetAt", ">", p.now),
);
/** Deletes the windows ended at `now`. */
const SWEEP = statement<{ now: string }>((p) => qb.deleteFrom("RateCounter").where("resetAt", "<=", p.now));

/** Ended windows are deleted at most this often (per process), after an attempt. */
const SWEEP_EVERY_MS = 60_000;

/** The {@link AttemptCounter} on `db`; `now` is the wall clock. */
export function createAttemptCounter(db: Database, now: () => Date = () => new Date()): AttemptCounter {
  let swept = 0;
  const sweep = (at: Date) => {
    if (at.getTime() - swept < SWEEP_EVERY_MS) return;
    swept = at.getTime();
    db.session(async (s) => s.run(SWEEP.sql, ...SWEEP.args({ now: iso(at) }))).catch(() => {
      // A failed sweep only leaves ended windows for the next one.
    });
  };
  return {
    async hit(key, windowMs) {
      const at = now();
      const stamp = iso(at);
      const rows = await db.session(async (s) =>
        s.rows(HIT.sql, ...HIT.args({ key, resetAt: iso(new Date(at.getTime() + windowMs)), now: stamp })),
      );
      const row = rows[0]!;
      sweep(at);
      return { count: num(row.count), resetAt: date(row.resetAt) };
    },
    async peek(key) {
      const row = await db.session(async (s) => s.row(PEEK.sql, ...PEEK.args({ key, now: iso(now()) })));
      return row ? { count: num(row.count), resetAt: date(row.resetAt) } : null;
    },
  };
}

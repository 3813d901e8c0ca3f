/**
 * Token buckets kept in the database (the `RateCounter` table of the sign-in counts), so every
 * instance on one database drains the same bucket: a chat posting through a load balancer gets
 * the same rate as on one instance.
 *
 * Each bucket is one row holding its "theoretical arrival time" (GCRA, the token bucket written as
 * one timestamp) in `resetAt`: a take moves it one interval later; the bucket is full again once
 * it lies in the past, so the counter's sweep of ended windows deletes only full buckets and never
 * loses a count. A take reads the row and writes it back only if no other take moved it meanwhile
 * (compare-and-set on `count`, which grows by one per accepted take), retrying on a race.
 *
 * Times are wall-clock (an operational matter, like leases), never the business clock.
 */
import { sql } from "kysely";
import type { Database } from "./database.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { date, iso, num } from "./sqlTx.js";

/** A bucket's shape: `burst` takes at once, then one per `intervalMs`. */
export interface BucketShape {
  burst: number;
  intervalMs: number;
}

/** What a take answered. */
export interface BucketVerdict {
  allowed: boolean;
  /** Refused: how long until a take would be allowed (ms). Allowed: 0. */
  retryAfterMs: number;
}

/** Token buckets by key. */
export interface TokenBuckets {
  take(key: string, shape: BucketShape): Promise<BucketVerdict>;
}

/** A bucket's row. */
const READ = statement<{ key: string }>((p) =>
  qb.selectFrom("RateCounter").select(["count", "resetAt"]).where("key", "=", p.key),
);
/** A first take of a full bucket (none stored): changes nothing if another take stored one meanwhile. */
const INSERT = statement<{ key: string; resetAt: string }>((p) =>
  qb
    .insertInto("RateCounter")
    .values({ key: p.key, count: sql.lit(1), resetAt: p.resetAt })
    .onConflict((oc) => oc.column("key").doNothing()),
);
/** A take: moves the arrival time, unless another take moved it since `count` was read. */
const MOVE = statement<{ resetAt: string; key: string; count: number }>((p) =>
  qb
    .updateTable("RateCounter")
    .set((eb) => ({ count: eb("count", "+", eb.lit(1)), resetAt: p.resetAt }))
    .where("key", "=", p.key)
    .where("count", "=", p.count),
);

/** Takes that lost a race this many times in a row are refused for a moment (never happens in practice). */
const MAX_RACES = 8;

/** What a take of `shape` at `now` does to a bucket whose arrival time is `tat` (null: full). */
export function gcra(
  tat: number | null,
  now: number,
  shape: BucketShape,
): { allowed: true; next: number } | { allowed: false; retryAfterMs: number } {
  const from = tat === null || tat < now ? now : tat;
  const slack = (shape.burst - 1) * shape.intervalMs;
  if (from - now > slack) return { allowed: false, retryAfterMs: from - now - slack };
  return { allowed: true, next: from + shape.intervalMs };
}

/** The {@link TokenBuckets} on `db`; `now` is the wall clock. */
export function createTokenBuckets(db: Database, now: () => Date = () => new Date()): TokenBuckets {
  return {
    async take(key, shape) {
      return db.session(async (s) => {
        for (let race = 0; race < MAX_RACES; race++) {
          const at = now().getTime();
          const row = await s.row(READ.sql, ...READ.args({ key }));
          const verdict = gcra(row ? date(row.resetAt).getTime() : null, at, shape);
          if (!verdict.allowed) return { allowed: false, retryAfterMs: verdict.retryAfterMs };
          const next = iso(new Date(verdict.next));
          const changed = row
            ? await s.run(MOVE.sql, ...MOVE.args({ resetAt: next, key, count: num(row.count) }))
            : await s.run(INSERT.sql, ...INSERT.args({ key, resetAt: next }));
          if (changed === 1) return { allowed: true, retryAfterMs: 0 };
        }
        return { allowed: false, retryAfterMs: shape.intervalMs };
      });
    },
  };
}

/** Token buckets in this process only (tests, and the fallback while the database is away). */
export function memoryTokenBuckets(now: () => Date = () => new Date(), maxKeys = 50_000): TokenBuckets {
  const tats = new Map<string, number>();
  return {
    async take(key, shape) {
      const at = now().getTime();
      const verdict = gcra(tats.get(key) ?? null, at, shape);
      if (!verdict.allowed) return { allowed: false, retryAfterMs: verdict.retryAfterMs };
      tats.delete(key);
      tats.set(key, verdict.next);
      // Oldest first: drop full buckets (and, past the cap, the least recently used).
      for (const [k, tat] of tats) {
        if (tats.size <= maxKeys && tat > at) break;
        tats.delete(k);
      }
      return { allowed: true, retryAfterMs: 0 };
    },
  };
}

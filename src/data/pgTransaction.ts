/**
 * Running {@link PgTx}s on the pool: {@link pgTransaction} is `db.transaction` on PostgreSQL
 * (BEGIN … COMMIT, ROLLBACK when the work throws, the client always given back; a client whose
 * connection broke is destroyed, not reused); {@link pgSharedTransaction} runs several works in
 * one such transaction; {@link pgSession} is `db.session`: one pooled client, each statement
 * committing alone; {@link pgOneTrip} runs fixed statements as one transaction in one round trip.
 * {@link CarriedWrites} are the small writes that ride with the next
 * transaction.
 */
import type pg from "pg";
import { PgTx, TransactionTimeout } from "./pgTx.js";
import type { SqlArg, SqlRow } from "./sqlTx.js";

export interface PgTransactionOptions {
  /** Longest a transaction may run before it is rolled back (Prisma's `timeout`). */
  timeoutMs: number;
  /** Writes waiting to ride with the next transaction (see {@link CarriedWrites}). */
  carried?: CarriedWrites;
  /** A separate pool for {@link PgTx.outside} statements. */
  outsidePool?: pg.Pool;
}

/** A write waiting in {@link CarriedWrites}. */
interface Carried {
  work: (tx: PgTx) => unknown;
  resolve: () => void;
  reject: (error: Error) => void;
  /** Transactions that carried it and failed. */
  failures: number;
}

/** A carried write given up after this many failed transactions. */
const CARRY_ATTEMPTS = 3;

/**
 * Small idempotent writes (delivery marks) that need not cost a transaction of their own: each
 * transaction this process starts sends the waiting ones first, pipelined with its own first
 * statement, and they count once it commits; if it fails they wait for the next one. Writes no
 * transaction picked up within `flushMs` run in one transaction of their own.
 */
export class CarriedWrites {
  private queue: Carried[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly runAlone: () => Promise<void>,
    private readonly flushMs = 2,
  ) {}

  /** Queues `work`; resolves once a transaction that ran it committed. */
  add(work: (tx: PgTx) => unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ work, resolve, reject, failures: 0 });
      this.schedule();
    });
  }

  /**
   * Runs the waiting writes in `tx` (at its start); resolves, once they were all sent, to them
   * for {@link settle}. Their statements are pipelined: a failure shows at the commit.
   */
  async take(tx: PgTx): Promise<Carried[]> {
    const taken = this.queue;
    this.queue = [];
    await Promise.allSettled(taken.map(async (c) => c.work(tx)));
    return taken;
  }

  /** After the carrying transaction: done if it committed, else queued again (or given up). */
  settle(taken: Carried[], error: Error | null): void {
    if (taken.length === 0) return;
    if (!error) {
      for (const c of taken) c.resolve();
      return;
    }
    for (const c of taken) {
      if (++c.failures >= CARRY_ATTEMPTS) c.reject(error);
      else this.queue.push(c);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.queue.length === 0) return;
      // An empty transaction: it carries whatever is waiting when it starts.
      this.runAlone().catch(() => undefined);
    }, this.flushMs);
    this.timer.unref();
  }
}

/**
 * Holds a pooled client for `work`. `work` calls `broken(error)` when the connection can no longer
 * be used (killed backend, network): the client is then destroyed instead of going back to the pool.
 */
async function withClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, broken: (error: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const broken = (error: Error) => {
    lost ??= error;
  };
  // A connection error while the client is out would otherwise be an unhandled 'error' event.
  client.on("error", broken);
  try {
    return await work(client, broken);
  } finally {
    client.removeListener("error", broken);
    client.release(lost);
  }
}

/** Runs `work` in one transaction on a pooled client (see the module comment). */
export async function pgTransaction<T>(
  pool: pg.Pool,
  options: PgTransactionOptions,
  work: (tx: PgTx) => Promise<T>,
): Promise<T> {
  const outcome = await pgSharedTransaction(pool, options, () => [work]);
  if (!outcome.committed) throw outcome.error;
  return outcome.values[0]!;
}

/** How a {@link pgSharedTransaction} ended. */
export type SharedOutcome<T> =
  | { committed: true; values: T[] }
  | {
      committed: false;
      /** The first work's error, else the commit's. */
      error: unknown;
      /** COMMIT went out and its answer was lost with the connection: it may have committed. */
      uncertain: boolean;
    };

/**
 * Runs several works in ONE transaction on one pooled client: all are started at once on the same
 * {@link PgTx}, so their statements share round trips (and one COMMIT) instead of a connection,
 * a BEGIN and a COMMIT each. `works` is called once the client is held (callers may still add
 * work while waiting for one). Committed only if every work resolves and COMMIT succeeds; else
 * rolled back, and the outcome says why.
 */
export function pgSharedTransaction<T>(
  pool: pg.Pool,
  options: PgTransactionOptions,
  works: () => ((tx: PgTx) => Promise<T>)[],
): Promise<SharedOutcome<T>> {
  return withClient(pool, async (client, broken) => {
    const tx = new PgTx(client, true, options.outsidePool);
    const carried = (await options.carried?.take(tx)) ?? [];
    let ended = null as Promise<unknown> | null;
    const rollback = () =>
      client.query("ROLLBACK").catch((error: Error) => {
        // The connection is gone (the server rolled back with it): never reuse the client.
        broken(error);
      });
    const timer = setTimeout(() => {
      tx.closed = new TransactionTimeout(`transaction rolled back after ${options.timeoutMs} ms`);
      // Queued behind the statement in flight, if any; the work's next statement fails.
      if (tx.begun) ended = rollback();
    }, options.timeoutMs);
    try {
      const settled = await Promise.allSettled(works().map((work) => work(tx)));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
      if (failed) throw failed.reason;
      await tx.commit();
      options.carried?.settle(carried, null);
      return { committed: true, values: settled.map((s) => (s as PromiseFulfilledResult<T>).value) };
    } catch (error) {
      if (ended) await ended;
      else if (tx.begun) await rollback();
      options.carried?.settle(carried, error as Error);
      return { committed: false, error, uncertain: tx.commitUncertain };
    } finally {
      clearTimeout(timer);
    }
  });
}

/** Runs `work` with one pooled client, each statement committing on its own. */
export function pgSession<T>(pool: pg.Pool, work: (tx: PgTx) => Promise<T>): Promise<T> {
  return withClient(pool, (client) => work(new PgTx(client, false)));
}

/**
 * Runs `statements` (`?` placeholders, bound parameters) as ONE transaction in ONE round trip:
 * BEGIN, the statements and COMMIT go out together on a pooled client (pipeline mode) and
 * PostgreSQL runs them in order, each statement with a snapshot taken when it starts (so a
 * statement after an advisory lock reads what was committed before the lock was granted). If one
 * fails, the transaction is rolled back and its error thrown. Returns the last statement's rows.
 */
export function pgOneTrip(pool: pg.Pool, statements: readonly [string, SqlArg[]][]): Promise<SqlRow[]> {
  const last = statements.at(-1);
  if (!last) return Promise.resolve([]);
  return withClient(pool, async (client, broken) => {
    const tx = new PgTx(client, true);
    for (const [sql, args] of statements.slice(0, -1)) tx.write(sql, ...args);
    const rows = tx.rows(last[0], ...last[1]);
    try {
      // COMMIT is sent now, in this tick, behind the statements: one round trip for all.
      const [result] = await Promise.all([rows, tx.commit()]);
      return result;
    } catch (error) {
      // Normally COMMIT already ended the transaction (as a ROLLBACK when a statement failed);
      // this only matters if it never reached the server.
      await client.query("ROLLBACK").catch((lost: Error) => broken(lost));
      throw error;
    }
  });
}

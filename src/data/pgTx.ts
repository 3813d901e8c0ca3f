/**
 * The hot path on PostgreSQL without Prisma: {@link SqlTx} statements run on a `pg` client of the
 * pool Prisma's adapter also uses, as named prepared statements (each SQL text is parsed and
 * planned once per connection, then only bound and executed).
 *
 * {@link pgTransaction} is `db.transaction` on PostgreSQL (BEGIN … COMMIT, ROLLBACK when the work
 * throws, the client always given back; a client whose connection broke is destroyed, not
 * reused). {@link pgSession} is `db.session`: one pooled client, each statement committing alone.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { type SqlArg, type SqlRow, SqlTx } from "./sqlTx.js";

interface Prepared {
  /** Statement name (null: run unnamed, once the cache is full). */
  name: string | null;
  /** The SQL with `$1..$n` placeholders. */
  text: string;
}

/** Distinct statement texts prepared by name; beyond it they run unnamed (never grow forever). */
const NAMED_LIMIT = 1_000;
const prepared = new Map<string, Prepared>();

/** Replaces each `?` placeholder outside quotes and comments by `param(index)`. */
function replacePlaceholders(sql: string, param: (index: number) => string): string {
  let text = "";
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      text += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "?") {
      text += param(n++);
    } else {
      text += c;
    }
  }
  return text;
}

/**
 * The statement for an SQL text with `?` placeholders: `$1..$n` instead, named after a hash of
 * its text (worked out once per text).
 */
export function toPostgres(sql: string): Prepared {
  let p = prepared.get(sql);
  if (p) return p;
  const text = replacePlaceholders(sql, (i) => `$${i + 1}`);
  p = {
    name:
      prepared.size < NAMED_LIMIT ? `sp_${createHash("sha1").update(text).digest("hex").slice(0, 20)}` : null,
    text,
  };
  if (p.name) prepared.set(sql, p);
  return p;
}

/**
 * The statement with its arguments written in as quoted literals, which PostgreSQL types from
 * their use as it does untyped parameters (so `'1'` fits a boolean and an integer column alike).
 */
export function withLiterals(sql: string, args: SqlArg[]): string {
  return replacePlaceholders(sql, (i) => {
    const value = args[i];
    return value === null || value === undefined ? "NULL" : pg.escapeLiteral(String(value));
  });
}

const TIMESTAMP = 1114;
const INT8 = 20;
/** `timestamp(3)` columns hold UTC (as Prisma writes them); bigint counts fit a number. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMP) return (v: string) => new Date(`${v.replace(" ", "T")}Z`);
    if (oid === INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as "text");
  },
} as unknown as pg.CustomTypesConfig;

/** Thrown by statements of a transaction that ran past its time limit (it was rolled back). */
export class TransactionTimeout extends Error {}

/** Hot-path statements on one pooled `pg` client. */
export class PgTx extends SqlTx {
  /** Set when the transaction was ended behind the work's back (time limit): no more statements. */
  closed: Error | null = null;
  /** A transaction whose BEGIN is still to be sent (with its first statement). */
  private beginPending: boolean;
  /** Whether BEGIN went out: COMMIT or ROLLBACK is due. */
  begun = false;
  /** Writes not sent yet (see {@link PgTx.write}). */
  private deferred: { sql: string; args: SqlArg[] }[] = [];

  constructor(
    private readonly client: pg.PoolClient,
    private readonly transaction: boolean,
  ) {
    super();
    this.beginPending = transaction;
  }

  private async query(sql: string, args: SqlArg[]): Promise<pg.QueryResult<SqlRow>> {
    if (this.closed) throw this.closed;
    if (this.beginPending || this.deferred.length > 0) {
      // One round trip instead of several: BEGIN (if still due), the deferred writes and this
      // statement in one simple query.
      const results = await this.script(withLiterals(sql, args));
      return results[results.length - 1]!;
    }
    const p = toPostgres(sql);
    return this.client.query<SqlRow>(
      p.name ? { name: p.name, text: p.text, values: args, types } : { text: p.text, values: args, types },
    );
  }

  /**
   * Sends BEGIN (if still due), the deferred writes and then `last` as one simple query (one
   * round trip); returns each statement's result. PostgreSQL stops at the first failing statement
   * and the transaction is aborted, so the promise rejects and the transaction rolls back.
   */
  private async script(last: string): Promise<pg.QueryResult<SqlRow>[]> {
    const parts = this.beginPending ? ["BEGIN"] : [];
    if (this.beginPending) {
      this.beginPending = false;
      this.begun = true;
    }
    for (const w of this.deferred) parts.push(withLiterals(w.sql, w.args));
    this.deferred = [];
    parts.push(last);
    // A newline before each `;`: a statement may end in a `--` comment.
    const results = (await this.client.query({ text: parts.join("\n;\n"), types })) as unknown as
      | pg.QueryResult<SqlRow>[]
      | pg.QueryResult<SqlRow>;
    return Array.isArray(results) ? results : [results];
  }

  /**
   * In a transaction: queued, sent with the next statement or the COMMIT (see {@link SqlTx.write}).
   * In a session (each statement committing alone): run at once.
   */
  write(sql: string, ...args: SqlArg[]): void | Promise<void> {
    if (this.closed) throw this.closed;
    if (!this.transaction) return this.query(sql, args).then(() => undefined);
    this.deferred.push({ sql, args });
  }

  /** Commits: the deferred writes (and BEGIN, if nothing was sent yet) go in the same round trip. */
  async commit(): Promise<void> {
    if (this.closed) throw this.closed;
    if (this.deferred.length > 0) await this.script("COMMIT");
    else if (this.begun) await this.client.query("COMMIT");
  }

  async rows(sql: string, ...args: SqlArg[]): Promise<SqlRow[]> {
    return (await this.query(sql, args)).rows;
  }

  async row(sql: string, ...args: SqlArg[]): Promise<SqlRow | undefined> {
    return (await this.query(sql, args)).rows[0];
  }

  async run(sql: string, ...args: SqlArg[]): Promise<number> {
    return (await this.query(sql, args)).rowCount ?? 0;
  }
}

export interface PgTransactionOptions {
  /** Longest a transaction may run before it is rolled back (Prisma's `timeout`). */
  timeoutMs: number;
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
export function pgTransaction<T>(
  pool: pg.Pool,
  options: PgTransactionOptions,
  work: (tx: PgTx) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (client, broken) => {
    const tx = new PgTx(client, true);
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
      const value = await work(tx);
      await tx.commit();
      return value;
    } catch (error) {
      if (ended) await ended;
      else if (tx.begun) await rollback();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  });
}

/**
 * Runs several statements (`;`-separated, `?` placeholders over all of them) in one round trip:
 * one simple query with the arguments written in, which PostgreSQL runs as one implicit
 * transaction (all or nothing), each statement with a fresh snapshot. Returns the last
 * statement's rows.
 */
export async function pgScript(pool: pg.Pool, sql: string, args: SqlArg[]): Promise<SqlRow[]> {
  const results = (await pool.query({ text: withLiterals(sql, args), types })) as unknown as
    | pg.QueryResult<SqlRow>[]
    | pg.QueryResult<SqlRow>;
  return Array.isArray(results) ? results[results.length - 1]!.rows : results.rows;
}

/** Runs `work` with one pooled client, each statement committing on its own. */
export function pgSession<T>(pool: pg.Pool, work: (tx: PgTx) => Promise<T>): Promise<T> {
  return withClient(pool, (client) => work(new PgTx(client, false)));
}

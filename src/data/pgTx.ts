/**
 * The hot path on PostgreSQL without Prisma: {@link SqlTx} statements run on a `pg` client of the
 * pool Prisma's adapter also uses, as named prepared statements (each SQL text is parsed and
 * planned once per connection, then only bound and executed). The pool's clients are in pipeline
 * mode: statements whose answers nobody waits for (BEGIN, {@link SqlTx.write}s) go out at once
 * and share the round trip of the next statement that is awaited, or of COMMIT.
 *
 * Transactions and sessions on these clients are run by `pgTransaction.ts`.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { CodedError } from "../errors.js";
import { replacePlaceholders } from "./placeholders.js";
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

/** SQLSTATE of a statement refused because its transaction already failed. */
const IN_FAILED_TRANSACTION = "25P02";
/** SQLSTATE raised by `sportello_expect_rows` (see {@link PgTx.writeExpecting}). */
const EXPECT_ROWS_FAILED = "SP409";

/** Thrown by statements of a transaction that ran past its time limit (it was rolled back). */
export class TransactionTimeout extends CodedError<"transaction-timeout"> {
  constructor(message: string) {
    super("transaction-timeout", message);
  }
}

/**
 * Holds back the client's socket writes until the current tick ends, so the protocol messages of
 * every statement sent in this tick (`pg` writes Bind, Describe, Execute and Sync separately)
 * leave in one system call instead of four or more per statement.
 */
function corkUntilNextTick(client: pg.PoolClient): void {
  const stream = (client as unknown as { connection?: { stream?: import("node:net").Socket } }).connection
    ?.stream;
  if (!stream || stream.writableCorked > 0) return;
  stream.cork();
  process.nextTick(() => stream.uncork());
}

/** Hot-path statements on one pooled `pg` client (in pipeline mode, see {@link pgPoolOptions}). */
export class PgTx extends SqlTx {
  /** Set when the transaction was ended behind the work's back (time limit): no more statements. */
  closed: Error | null = null;
  /** Whether BEGIN went out: COMMIT or ROLLBACK is due. */
  begun = false;
  /** Statements sent whose answers nobody awaited yet (BEGIN, writes). */
  private pending: Promise<unknown>[] = [];
  /** The first of them that failed: the transaction is aborted and must not commit. */
  private failure: Error | null = null;
  /** Set when COMMIT went out and no answer came (connection lost): it may have committed. */
  commitUncertain = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly transaction: boolean,
    /** Where {@link outside} statements run (else on this client, in the transaction). */
    private readonly outsidePool?: pg.Pool,
  ) {
    super();
  }

  async outside(sql: string, ...args: SqlArg[]): Promise<SqlRow[]> {
    if (!this.outsidePool) return this.rows(sql, ...args);
    const p = toPostgres(sql);
    const result = await this.outsidePool.query<SqlRow>(
      p.name ? { name: p.name, text: p.text, values: args, types } : { text: p.text, values: args, types },
    );
    return result.rows;
  }

  /** Sends a statement (after BEGIN, the first time in a transaction); the client pipelines it. */
  private send(sql: string, args: SqlArg[]): Promise<pg.QueryResult<SqlRow>> {
    if (this.closed) return Promise.reject(this.closed);
    corkUntilNextTick(this.client);
    if (this.transaction && !this.begun) {
      this.begun = true;
      this.track(this.client.query("BEGIN"));
    }
    const p = toPostgres(sql);
    return this.client.query<SqlRow>(
      p.name ? { name: p.name, text: p.text, values: args, types } : { text: p.text, values: args, types },
    );
  }

  /**
   * Keeps an unawaited statement's outcome for {@link commit} (and never leaves it unhandled);
   * `mismatch` replaces the error of a {@link writeExpecting} check that failed.
   */
  private track(sent: Promise<unknown>, mismatch?: () => Error): void {
    this.pending.push(
      sent.catch((error: Error & { code?: string }) => {
        this.failure ??= mismatch && error.code === EXPECT_ROWS_FAILED ? mismatch() : error;
      }),
    );
  }

  writeExpecting(sql: string, args: SqlArg[], expected: number, mismatch: () => Error): void | Promise<void> {
    if (this.closed) throw this.closed;
    if (!this.transaction) {
      return this.send(sql, args).then((r) => {
        if ((r.rowCount ?? 0) !== expected) throw mismatch();
      });
    }
    // The check runs in PostgreSQL (sportello_expect_rows, a migration), so a mismatch aborts the
    // transaction even though COMMIT may already be on its way behind this statement.
    this.track(
      this.send(
        `WITH "changed" AS (${sql} RETURNING 1) SELECT sportello_expect_rows(COUNT(*), ?, 'unexpected row count') FROM "changed"`,
        [...args, expected],
      ),
      mismatch,
    );
  }

  /**
   * In a transaction: sent at once without waiting for its answer (the client pipelines it with
   * the statements that follow, which PostgreSQL runs after it); a failure aborts the transaction
   * and is thrown by {@link commit}. In a session (each statement committing alone): awaited.
   */
  write(sql: string, ...args: SqlArg[]): void | Promise<void> {
    if (this.closed) throw this.closed;
    if (!this.transaction) return this.send(sql, args).then(() => undefined);
    this.track(this.send(sql, args));
  }

  /**
   * Commits: COMMIT goes out behind the unanswered writes (one round trip for all). If any of
   * them failed, PostgreSQL turned the COMMIT into a ROLLBACK and that failure is thrown.
   */
  async commit(): Promise<void> {
    if (this.closed) throw this.closed;
    if (!this.begun) return;
    corkUntilNextTick(this.client);
    const committed = this.client.query("COMMIT");
    const [, outcome] = await Promise.all([
      Promise.allSettled(this.pending),
      committed.then(
        (result) => ({ result }),
        (error: Error) => ({ error }),
      ),
    ]);
    this.pending = [];
    if (this.failure) throw this.failure;
    if ("error" in outcome) {
      // PostgreSQL refused the COMMIT (then nothing was committed), or the connection broke
      // with COMMIT on its way: whether it committed is then unknown.
      this.commitUncertain = !(outcome.error instanceof pg.DatabaseError);
      throw outcome.error;
    }
    // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK (and no error).
    if (outcome.result.command !== "COMMIT")
      throw new Error(`transaction ended by ${outcome.result.command}, not COMMIT`);
  }

  async rows(sql: string, ...args: SqlArg[]): Promise<SqlRow[]> {
    return (await this.answer(sql, args)).rows;
  }

  async row(sql: string, ...args: SqlArg[]): Promise<SqlRow | undefined> {
    return (await this.answer(sql, args)).rows[0];
  }

  async run(sql: string, ...args: SqlArg[]): Promise<number> {
    return (await this.answer(sql, args)).rowCount ?? 0;
  }

  /**
   * A statement whose answer is awaited. If an earlier unanswered write already failed, the
   * transaction is aborted and PostgreSQL refuses this one too: the earlier failure, which says
   * what went wrong, is thrown instead of "current transaction is aborted".
   */
  private async answer(sql: string, args: SqlArg[]): Promise<pg.QueryResult<SqlRow>> {
    try {
      return await this.send(sql, args);
    } catch (error) {
      if ((error as { code?: unknown }).code === IN_FAILED_TRANSACTION && this.failure) throw this.failure;
      throw error;
    }
  }
}

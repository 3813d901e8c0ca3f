/**
 * The hot path's view of a database transaction: calls that run one SQL statement each,
 * written once for both providers (`?` placeholders, double-quoted identifiers, `TRUE`/`FALSE`,
 * `ON CONFLICT`, `RETURNING`). On SQLite a call returns its result at once (synchronous driver);
 * on PostgreSQL it returns a promise ({@link PgTx}). The store `await`s either.
 *
 * Values are bound as Prisma stores them: instants as ISO text with "+00:00" (PostgreSQL's
 * `timestamp(3)` columns read it as UTC), booleans as 1/0. Rows may come back with either
 * provider's types (0/1 or true/false, ISO text or Date, bigint counts as numbers); the readers
 * below accept both.
 */
import type { SqliteConnection } from "./sqliteConnection.js";

/** A bound argument. */
export type SqlArg = string | number | null;
/** A result row, by column name. */
export type SqlRow = Record<string, unknown>;
/** A value now (SQLite) or later (PostgreSQL). */
export type MaybePromise<T> = T | Promise<T>;

/** A transaction (or, from `db.session`, a connection in autocommit) of the hot path. */
export abstract class SqlTx {
  /** All rows of a query. */
  abstract rows(sql: string, ...args: SqlArg[]): MaybePromise<SqlRow[]>;
  /** The first row of a query, if any. */
  abstract row(sql: string, ...args: SqlArg[]): MaybePromise<SqlRow | undefined>;
  /** Runs a statement; returns the number of rows it changed. */
  abstract run(sql: string, ...args: SqlArg[]): MaybePromise<number>;
  /**
   * Runs a statement whose result nobody needs (an INSERT with a client-made id, an UPDATE whose
   * count is ignored). SQLite runs it at once; a PostgreSQL transaction may defer it and send it
   * in the same round trip as its next statement or its COMMIT, so later reads still see it and a
   * failure still fails (and rolls back) the transaction, only at that later point.
   */
  abstract write(sql: string, ...args: SqlArg[]): MaybePromise<void>;
  /**
   * Runs an UPDATE (or DELETE) that must change exactly `expected` rows, else the transaction
   * fails with `mismatch()`: at once on SQLite; on PostgreSQL possibly only when a later
   * statement or COMMIT is answered (it may be sent without waiting, as {@link write}), and the
   * transaction is then rolled back, never committed.
   */
  abstract writeExpecting(
    sql: string,
    args: SqlArg[],
    expected: number,
    mismatch: () => Error,
  ): MaybePromise<void>;
  /**
   * Runs a statement outside this transaction, committed at once whatever becomes of it, for
   * counters that must never make transactions queue behind each other (PostgreSQL: on a
   * connection of its own). On SQLite, whose one writer never waits for another, it runs in the
   * transaction. Returns its rows.
   */
  abstract outside(sql: string, ...args: SqlArg[]): MaybePromise<SqlRow[]>;
}

/** A write transaction on the shared SQLite connection (from {@link SqliteConnection.transaction}). */
export class SqliteTx extends SqlTx {
  constructor(private readonly conn: SqliteConnection) {
    super();
  }

  // The arguments go to libsql as one array (bound by position): spread, libsql would gather and
  // flatten them into another array on every statement.
  rows(sql: string, ...args: SqlArg[]): SqlRow[] {
    return this.conn.statement(sql).all(args) as SqlRow[];
  }

  row(sql: string, ...args: SqlArg[]): SqlRow | undefined {
    return this.conn.firstRowStatement(sql).get(args) as SqlRow | undefined;
  }

  run(sql: string, ...args: SqlArg[]): number {
    return this.conn.statement(sql).run(args).changes;
  }

  write(sql: string, ...args: SqlArg[]): void {
    this.conn.statement(sql).run(args);
  }

  writeExpecting(sql: string, args: SqlArg[], expected: number, mismatch: () => Error): void {
    if (this.conn.statement(sql).run(args).changes !== expected) throw mismatch();
  }

  outside(sql: string, ...args: SqlArg[]): SqlRow[] {
    return this.rows(sql, ...args);
  }
}

/** An instant as Prisma stores it (libSQL: this text; PostgreSQL `timestamp(3)`: its UTC time). */
export const iso = (d: Date): string => d.toISOString().replace("Z", "+00:00");
/** An instant column. */
export const date = (v: unknown): Date => (v instanceof Date ? v : new Date(v as string));
/** A nullable instant column. */
export const maybeDate = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
/** A text column. */
export const str = (v: unknown): string => v as string;
/** A nullable text column. */
export const maybeStr = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
/** A boolean column (SQLite 0/1, PostgreSQL true/false). */
export const bool = (v: unknown): boolean => v === true || v === 1;
/** A whole-number column (PostgreSQL counts are bigint). */
export const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
/** A nullable whole-number column. */
export const maybeNum = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

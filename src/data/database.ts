/**
 * Opening the database and applying the committed migrations. Only this folder (`src/data`)
 * touches the database; everything else goes through the stores it exports, which run on SQL
 * ({@link SqlTx}). Prisma is not used at run time: its schema (`prisma/models.prisma`) only
 * generates the tables' description (`schema/tables.ts`) and the migrations.
 */

import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { DatabaseError } from "./databaseError.js";
import { PgGroupCommit } from "./pgGroupCommit.js";
import { CarriedWrites, pgSession, pgTransaction } from "./pgTransaction.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { SqliteConnection } from "./sqliteConnection.js";
import { SqliteTx, type SqlTx } from "./sqlTx.js";

export { DatabaseError };

export type Provider = "sqlite" | "postgres";

/**
 * A transaction of the runtime, which the stores run as plain SQL: on SQLite the shared
 * connection's own transaction (cached statements), on PostgreSQL a pooled `pg` client (named
 * prepared statements).
 */
export type StoreTx = SqlTx;

/**
 * Where a store function that runs on SQL only runs: in the caller's transaction (or session),
 * or on the database itself, where it then takes a session connection (see {@link onSql}).
 */
export type SqlExecutor = SqlTx | Database;

/**
 * Runs `work` on SQL: at once in the caller's transaction, or, given the database, on a
 * connection of its own outside a transaction ({@link Database.session}).
 */
export function onSql<T>(on: SqlExecutor, work: (tx: SqlTx) => T | Promise<T>): Promise<T> {
  if (opened.has(on)) return (on as Database).session(async (tx) => work(tx));
  return Promise.resolve(work(on as SqlTx));
}

/** The databases {@link openDatabase} opened (to tell one from a client). */
const opened = new WeakSet<object>();

/** How {@link Database.transaction} may run a transaction. */
export interface TransactionOptions {
  /** The work may share a transaction with others and be run again (see the method). */
  shared?: boolean;
  /**
   * Shared works start in the order of their keys (then of asking): a lock each takes first
   * (the chat lock) is then taken in one order by every instance, so two groups never deadlock
   * on them.
   */
  key?: string;
}

export interface Database {
  readonly provider: Provider;
  readonly url: string;
  /** SQLite only: the process's one connection. */
  readonly sqlite?: SqliteConnection;
  /** PostgreSQL only: the process's connection pool. */
  readonly pool?: pg.Pool;
  /**
   * Runs `work` in one write transaction (committed when it resolves, rolled back if it throws).
   * With `shared`, PostgreSQL may run it in one transaction with others asked for at the same
   * time (group commit, see pgGroupCommit.ts): all or nothing still holds for `work`, but it may
   * run twice (again alone, from the start, if the shared transaction failed), so it must keep
   * its effects in the transaction and in what it returns. SQLite group-commits every
   * transaction already; a `shared` one runs there without a savepoint of its own, and again in
   * the next group if another one of its group fails (see SqliteConnection.transaction).
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `work` outside a transaction (each statement commits on its own) on one connection: on
   * SQLite the shared one, held so no transaction's statements and these interleave; on
   * PostgreSQL a pooled one.
   */
  session<T>(work: (client: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Small idempotent writes that may wait a moment (delivery marks); resolves once committed. On
   * PostgreSQL they ride with the next transaction this process starts (no transaction or round
   * trip of their own; retried with the next one if it fails), or run alone after 2 ms if none
   * starts; on SQLite they are a transaction of the next group commit.
   */
  carry(work: (tx: StoreTx) => unknown): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_URL = "file:./data/sportello.db";

/** PostgreSQL: how long a transaction waits for a pooled connection. */
const TRANSACTION_MAX_WAIT_MS = 15_000;
/** PostgreSQL: how long a transaction may run before it is rolled back. */
const TRANSACTION_TIMEOUT_MS = 30_000;

export function providerOf(url: string): Provider {
  if (/^postgres(ql)?:\/\//.test(url)) return "postgres";
  if (url.startsWith("file:")) return "sqlite";
  throw new DatabaseError(
    "bad-url",
    `DATABASE_URL must start with file: (SQLite) or postgresql:// (got "${url}")`,
  );
}

/** Opens (and for SQLite creates) the database at `url`; call {@link migrate} before use. */
export async function openDatabase(
  url: string = DEFAULT_DATABASE_URL,
  options: { /** Connections in the PostgreSQL pool (`DATABASE_POOL_SIZE`). */ poolSize?: number } = {},
): Promise<Database> {
  const provider = providerOf(url);
  let sqlite: SqliteConnection | undefined;
  let pool: pg.Pool | undefined;
  if (provider === "sqlite") {
    const file = url.slice("file:".length);
    if (file !== ":memory:") mkdirSync(dirname(resolve(file)), { recursive: true });
    // One connection for the whole process (PRAGMAs set there).
    sqlite = new SqliteConnection(file);
  } else {
    // One pool for the process. Under a burst every connection may be busy: a transaction waits
    // for one up to 15 s instead of failing the message (each chat's queue keeps order meanwhile).
    pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: TRANSACTION_MAX_WAIT_MS,
      // Pipeline mode: a statement is sent without waiting for the answers to earlier ones, so a
      // transaction's writes and its next read or COMMIT share one round trip (see pgTx.ts).
      pipeline: true,
    } as pg.PoolConfig);
    dropDeadConnections(pool);
    // An idle connection that dies (server restart, pg_terminate_backend) is dropped by the pool;
    // without a listener its "error" event would end the process (Prisma's adapter listened on its
    // clients before; the fault test kills connections).
    pool.on("error", () => undefined);
    try {
      await pool.query("SELECT 1");
    } catch (cause) {
      throw new DatabaseError(
        "unreachable",
        `cannot reach PostgreSQL at ${redact(url)} (${conciseReason(cause)}): check DATABASE_URL, that PostgreSQL runs and that the database exists`,
        {
          cause,
        },
      );
    }
  }
  const pgPool = pool;
  // One more connection, for statements that must commit outside the transaction asking for
  // them (the ticket counter): a pool of its own, so it is never held up by a full main pool.
  const outsidePool = pgPool
    ? new pg.Pool({
        connectionString: url,
        max: 1,
        connectionTimeoutMillis: TRANSACTION_MAX_WAIT_MS,
      })
    : undefined;
  // An idle connection that dies is dropped by the pool; the next statement opens another.
  outsidePool?.on("error", () => undefined);
  const pgOptions = { timeoutMs: TRANSACTION_TIMEOUT_MS, outsidePool };
  const carried: CarriedWrites | undefined = pgPool
    ? new CarriedWrites(
        (): Promise<void> => pgTransaction(pgPool, { ...pgOptions, carried }, async () => undefined),
      )
    : undefined;
  const groups = pgPool ? new PgGroupCommit(pgPool, { ...pgOptions, carried }) : undefined;
  const db: Database = {
    provider,
    url,
    ...(sqlite ? { sqlite } : {}),
    ...(pool ? { pool } : {}),
    transaction: sqlite
      ? (work, options) => {
          const tx = new SqliteTx(sqlite);
          return sqlite.transaction(() => work(tx), { rerunnable: options?.shared === true });
        }
      : (work, options) =>
          options?.shared
            ? groups!.run(work, options.key)
            : pgTransaction(pgPool!, { ...pgOptions, carried }, work),
    carry: sqlite
      ? (work) => {
          const tx = new SqliteTx(sqlite);
          // Idempotent writes: they may run again.
          return sqlite.transaction(
            async () => {
              await work(tx);
            },
            { rerunnable: true },
          );
        }
      : (work) => carried!.add(work),
    session: sqlite
      ? async (work) => {
          const release = await sqlite.acquire();
          try {
            return await work(new SqliteTx(sqlite));
          } finally {
            release();
          }
        }
      : (work) => pgSession(pgPool!, work),
    close: async () => {
      await pgPool?.end();
      await outsidePool?.end();
      sqlite?.close();
    },
  };
  opened.add(db);
  return db;
}

/** The health table (made by a migration, outside the Prisma schema: not in `Tables`). */
const withHealth = qb.withTables<{ _sportello_health: { id: number; at: string } }>();
const touchHealth = statement<{ at: string }>((p) =>
  withHealth
    .insertInto("_sportello_health")
    .values({ id: sql.lit(1), at: p.at })
    .onConflict((oc) => oc.column("id").doUpdateSet((eb) => ({ at: eb.ref("excluded.at") }))),
);

/**
 * Checks that the database can be written now (disk full, read-only, connection gone all fail):
 * rewrites the one row of the health table. Resolves null when fine, else the reason.
 */
export async function probeWrite(db: Database): Promise<string | null> {
  try {
    await db.session(async (tx) =>
      tx.run(touchHealth.sql, ...touchHealth.args({ at: new Date().toISOString() })),
    );
    return null;
  } catch (error) {
    return (error as Error).message.split("\n").filter(Boolean).pop()?.slice(0, 300) ?? "write failed";
  }
}

const dropPublic = statement((_p) => qb.schema.dropSchema("public").ifExists().cascade());
const createPublic = statement((_p) => qb.schema.createSchema("public"));

/** PostgreSQL: drops every table (the `public` schema), for a bench that starts afresh. */
export async function dropPostgresSchema(db: Database): Promise<void> {
  if (db.provider !== "postgres") return;
  await db.session(async (tx) => {
    await tx.run(dropPublic.sql);
    await tx.run(createPublic.sql);
  });
}

/**
 * A connection killed while a transaction holds it (server restart, failover,
 * `pg_terminate_backend`) is not always given back to the pool by the Prisma adapter, which would
 * lose a pool slot per fault and hang shutdown. Such a connection is removed from the pool as
 * soon as it ends; the adapter's own later release of it is then a no-op.
 */
function dropDeadConnections(pool: pg.Pool): void {
  const checkedOut = new Set<pg.PoolClient>();
  pool.on("acquire", (client) => checkedOut.add(client));
  pool.on("release", (_error, client) => checkedOut.delete(client as pg.PoolClient));
  pool.on("connect", (client) => {
    client.on("end", () => {
      const held = client as pg.PoolClient;
      if (!checkedOut.has(held)) return;
      checkedOut.delete(held);
      try {
        held.release(new Error("connection lost"));
      } catch {
        // already released
      }
      held.release = () => undefined;
    });
  });
}

/** The gist of a driver error: Prisma wraps it in several lines, the last one says what happened. */
function conciseReason(cause: unknown): string {
  const lines = String((cause as Error)?.message ?? cause)
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const last = lines.at(-1) ?? "unknown error";
  return last.replace(/^Raw query failed\. Code: `[^`]*`\. Message: /, "").replace(/^`|`$/g, "");
}

/** Hides the password of a connection URL for logs and errors. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

export { migrate } from "./migrate.js";

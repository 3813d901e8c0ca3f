/**
 * Applies the committed migrations (`prisma/<provider>/migrations/<name>/migration.sql`) that are
 * not yet applied, each in its own transaction, recorded in the `_sportello_migrations` ledger;
 * refuses to run if an applied migration was edited since. Our own ledger rather than
 * `prisma migrate deploy`, so start-up and tests need no CLI process.
 *
 * Safe when several instances start at once: on PostgreSQL the ledger is read and written under
 * a session advisory lock (one migrator at a time, the others then find the work done); on
 * SQLite each migration runs in a `BEGIN IMMEDIATE` transaction that checks the ledger first.
 * A file runs as one script (the database splits it: `$$`-quoted function bodies, `;` in
 * strings), never split here.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import pg from "pg";
import { MIGRATION_DATA_STEPS } from "./contactBackfill.js";
import type { Database, Provider } from "./database.js";
import { DatabaseError } from "./databaseError.js";
import { toPostgres } from "./pgTx.js";
import { qb, sqlOf, statement } from "./schema/queryBuilder.js";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The ledger's rows (not a table of the schema: migrations create the schema). */
interface LedgerTable {
  name: string;
  checksum: string;
  appliedAt: string;
}
/** The query builder over the ledger. */
const ledger = qb.withTables<{ _sportello_migrations: LedgerTable }>();

const LEDGER = sqlOf(
  ledger.schema
    .createTable("_sportello_migrations")
    .ifNotExists()
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("checksum", "text", (c) => c.notNull())
    .addColumn("appliedAt", "text", (c) => c.notNull()),
);
/** Every applied migration (and data step) with its checksum. */
const APPLIED = statement((_p) => ledger.selectFrom("_sportello_migrations").select(["name", "checksum"]));
/** Whether `name` is applied: its checksum. */
const APPLIED_ONE = statement<{ name: string }>((p) =>
  ledger.selectFrom("_sportello_migrations").select(["name", "checksum"]).where("name", "=", p.name),
);
/** Records `name` as applied. */
const RECORD = statement<LedgerTable>((p) =>
  ledger
    .insertInto("_sportello_migrations")
    .values({ name: p.name, checksum: p.checksum, appliedAt: p.appliedAt }),
);
/**
 * PostgreSQL: the advisory lock every migrator takes (a constant 64-bit key), and its release.
 * The ledger's statements run there on a plain `pg` client, which takes `$n` placeholders.
 */
const lockCall = (fn: "pg_advisory_lock" | "pg_advisory_unlock") =>
  sqlOf(
    qb.selectNoFrom((eb) =>
      eb.fn(fn, [eb.fn("hashtextextended", [sql.lit("sportello:migrations"), eb.lit(0)])]).as("lock"),
    ),
  );
const PG = {
  lock: lockCall("pg_advisory_lock"),
  unlock: lockCall("pg_advisory_unlock"),
  applied: toPostgres(APPLIED.sql).text,
  record: toPostgres(RECORD.sql).text,
};

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

function migrationFiles(dir: string): MigrationFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export function migrationsDir(provider: Provider): string {
  return join(projectRoot, "prisma", provider, "migrations");
}

function edited(name: string): DatabaseError {
  return new DatabaseError(
    "migration-failed",
    `migration ${name} was changed after it was applied; add a new migration instead`,
  );
}

function failed(name: string, cause: unknown): DatabaseError {
  return new DatabaseError("migration-failed", `migration ${name} failed: ${(cause as Error).message}`, {
    cause,
  });
}

/**
 * Applies the pending migrations (from `options.dir`, default the committed ones) and returns
 * the names of those it applied.
 */
export async function migrate(db: Database, options: { dir?: string } = {}): Promise<string[]> {
  const files = migrationFiles(options.dir ?? migrationsDir(db.provider));
  const done =
    db.provider === "postgres" ? await migratePostgres(db.url, files) : await migrateSqlite(db, files);
  if (!options.dir) await runDataSteps(db);
  return done;
}

/**
 * Data a migration's SQL cannot convert (`contactBackfill.ts`), run once per database after its
 * migration is applied, in a transaction that records it in the ledger as `<migration>#data`: a
 * step interrupted by a crash runs again at the next start, and when several instances start at
 * once only the first records it (the others' transactions fail on the ledger's key and are
 * dropped). Each step only fills what is still empty, so running it again changes nothing.
 */
async function runDataSteps(db: Database): Promise<void> {
  const applied = await db.session(async (tx) => tx.rows(APPLIED.sql, ...APPLIED.args({})));
  const names = new Set(applied.map((row) => String(row.name)));
  for (const [migration, step] of Object.entries(MIGRATION_DATA_STEPS)) {
    const marker = `${migration}#data`;
    if (!names.has(migration) || names.has(marker)) continue;
    try {
      await db.transaction(async (tx) => {
        await step(tx);
        await tx.run(
          RECORD.sql,
          ...RECORD.args({ name: marker, checksum: "data", appliedAt: new Date().toISOString() }),
        );
      });
    } catch (cause) {
      const recorded = await db.session(async (tx) =>
        tx.row(APPLIED_ONE.sql, ...APPLIED_ONE.args({ name: marker })),
      );
      if (recorded === undefined) throw failed(marker, cause);
    }
  }
}

async function migratePostgres(url: string, files: MigrationFile[]): Promise<string[]> {
  // A connection of its own (not the pipelined pool): a script with several statements runs
  // as one simple query, and the session lock stays on this connection.
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(PG.lock);
    await client.query(LEDGER);
    const applied = new Map(
      (await client.query<{ name: string; checksum: string }>(PG.applied)).rows.map((row) => [
        row.name,
        row.checksum,
      ]),
    );
    const done: string[] = [];
    for (const file of files) {
      const known = applied.get(file.name);
      if (known !== undefined) {
        if (known !== file.checksum) throw edited(file.name);
        continue;
      }
      try {
        await client.query("BEGIN");
        await client.query(file.sql);
        await client.query(
          PG.record,
          RECORD.args({ name: file.name, checksum: file.checksum, appliedAt: new Date().toISOString() }),
        );
        await client.query("COMMIT");
      } catch (cause) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw failed(file.name, cause);
      }
      done.push(file.name);
    }
    return done;
  } finally {
    // Ending the session releases the lock too; unlocking first lets the next migrator go at once.
    await client.query(PG.unlock).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

async function migrateSqlite(db: Database, files: MigrationFile[]): Promise<string[]> {
  const conn = db.sqlite!;
  const release = await conn.acquire();
  try {
    const raw = conn.db;
    raw.exec(LEDGER);
    const done: string[] = [];
    for (const file of files) {
      // The write lock first: another process migrating the same file waits, then finds it done.
      raw.exec("BEGIN IMMEDIATE");
      try {
        const known = raw.prepare(APPLIED_ONE.sql).get(...APPLIED_ONE.args({ name: file.name })) as
          | { checksum: string }
          | undefined;
        if (known) {
          raw.exec("ROLLBACK");
          if (known.checksum !== file.checksum) throw edited(file.name);
          continue;
        }
        raw.exec(file.sql);
        raw
          .prepare(RECORD.sql)
          .run(
            ...RECORD.args({ name: file.name, checksum: file.checksum, appliedAt: new Date().toISOString() }),
          );
        raw.exec("COMMIT");
      } catch (cause) {
        if (raw.inTransaction) raw.exec("ROLLBACK");
        if (cause instanceof DatabaseError) throw cause;
        throw failed(file.name, cause);
      }
      done.push(file.name);
    }
    return done;
  } finally {
    release();
  }
}

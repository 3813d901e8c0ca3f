/**
 * A fresh, migrated database per test file: a temporary SQLite file by default, or a new
 * PostgreSQL database when SPORTELLO_TEST_DB=postgres (CI runs the suite both ways).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Database, migrate, openDatabase } from "../../src/data/database.js";

export const usingPostgres = process.env.SPORTELLO_TEST_DB === "postgres";
const adminUrl = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  db: Database;
  url: string;
  /** Closes the connection and deletes the database. */
  drop(): Promise<void>;
}

/** Creates an empty database (not opened) and returns its URL and a drop function. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!usingPostgres) {
    const dir = mkdtempSync(join(tmpdir(), "sportello-test-"));
    return {
      url: `file:${join(dir, "test.db")}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `sportello_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyDatabase();
  const db = await openDatabase(empty.url);
  await migrate(db);
  return {
    db,
    url: empty.url,
    drop: async () => {
      await db.close();
      await empty.drop();
    },
  };
}

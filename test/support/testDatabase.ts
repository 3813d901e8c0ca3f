/**
 * A fresh, migrated database per test file: a temporary SQLite file by default, or a new
 * PostgreSQL database when SPORTELLO_TEST_DB=postgres (CI runs the suite both ways), made by the
 * benches' `scratchDatabase`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrate, openDatabase } from "../../src/data/database.js";
import { type ScratchDatabase, scratchDatabase } from "../../src/data/scratchDatabase.js";

export const usingPostgres = process.env.SPORTELLO_TEST_DB === "postgres";
const adminUrl = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  db: Database;
  url: string;
  /** Closes the connection and deletes the database. */
  drop(): Promise<void>;
}

/** Creates an empty database (not opened) and returns its URL and a drop function. */
export async function createEmptyDatabase(): Promise<ScratchDatabase> {
  if (!usingPostgres) {
    const dir = mkdtempSync(join(tmpdir(), "sportello-test-"));
    return {
      url: `file:${join(dir, "test.db")}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  return scratchDatabase(adminUrl, `sportello_t_${process.pid}`);
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

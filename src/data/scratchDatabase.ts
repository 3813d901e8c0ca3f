/**
 * A throw-away PostgreSQL database (benches, and the tests' `testDatabase.ts`): created empty,
 * dropped after, even while connections to it are still open.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** An empty database: its URL, and how to drop it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random>` on the server of `adminUrl` (which must allow CREATE DATABASE). */
export async function scratchDatabase(
  adminUrl: string,
  prefix = "sportello_bench",
): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  await onAdmin(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onAdmin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function onAdmin(adminUrl: string, statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

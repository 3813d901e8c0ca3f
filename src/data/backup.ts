/**
 * A consistent copy of a live SQLite database with `VACUUM INTO`: SQLite reads one snapshot
 * (WAL readers never block writers), so the bot keeps running while the copy is made, and the
 * result is a compact standalone database file. PostgreSQL has its own tools (pg_dump).
 */
import { existsSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { CodedError } from "../errors.js";
import type { Database } from "./database.js";

export type BackupErrorCode = "exists" | "postgres" | "failed";

/** Why a backup could not be made; `code` is stable. */
export class BackupError extends CodedError<BackupErrorCode> {}

/** Copies the SQLite database to `file` (which must not exist); resolves to its size in bytes. */
export async function backupSqlite(db: Database, file: string): Promise<{ file: string; bytes: number }> {
  if (db.provider !== "sqlite") {
    throw new BackupError(
      "postgres",
      "this is a PostgreSQL database: back it up with pg_dump -Fc (see the README, Backup and restore)",
    );
  }
  const target = path.resolve(file);
  if (existsSync(target)) throw new BackupError("exists", `${file} already exists: choose a new file name`);
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await db.session(async (tx) => tx.run(`VACUUM INTO '${target.replaceAll("'", "''")}'`));
  } catch (cause) {
    throw new BackupError("failed", `backup to ${file} failed: ${(cause as Error).message}`);
  }
  return { file: target, bytes: statSync(target).size };
}

/**
 * The database's error, in a module of its own so that code which only reports it (the CLI's
 * error mapping) does not load Prisma.
 */
import { CodedError } from "../errors.js";

export type DatabaseErrorCode = "bad-url" | "migration-failed" | "unreachable";

/** Error with a stable code, thrown when the database cannot be opened or migrated. */
export class DatabaseError extends CodedError<DatabaseErrorCode> {}

/** SQLite's extended codes for a duplicate key (a UNIQUE index, or the primary key). */
const SQLITE_UNIQUE = new Set(["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"]);
/** PostgreSQL's SQLSTATE unique_violation. */
const PG_UNIQUE = "23505";

/**
 * Whether `error` (or an error it wraps as its `cause`) is the driver's refusal of a duplicate
 * key: SQLite `SQLITE_CONSTRAINT_UNIQUE`/`_PRIMARYKEY`, PostgreSQL `23505`.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === PG_UNIQUE || (typeof code === "string" && SQLITE_UNIQUE.has(code))) return true;
  }
  return false;
}

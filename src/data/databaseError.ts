/**
 * The database's error, in a module of its own so that code which only reports it (the CLI's
 * error mapping) does not load Prisma.
 */
import { CodedError } from "../errors.js";

export type DatabaseErrorCode = "bad-url" | "migration-failed" | "unreachable";

/** Error with a stable code, thrown when the database cannot be opened or migrated. */
export class DatabaseError extends CodedError<DatabaseErrorCode> {}

/**
 * The database's error, in a module of its own so that code which only reports it (the CLI's
 * error mapping) does not load Prisma.
 */

/** Error with a stable code, thrown when the database cannot be opened or migrated. */
export class DatabaseError extends Error {
  constructor(
    readonly code: "bad-url" | "migration-failed" | "unreachable",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DatabaseError";
  }
}

/** Opens and migrates the database for one CLI command, and always closes it. */
import type { Database } from "../data/database.js";
import { type CliContext, CliError, EXIT_FAILURE } from "./cliContext.js";

export async function withDatabase<T>(
  ctx: CliContext,
  url: string | undefined,
  run: (db: Database) => Promise<T>,
): Promise<T> {
  // Loaded on use: commands without a database should not pay for the drivers.
  const { DatabaseError, DEFAULT_DATABASE_URL, migrate, openDatabase } = await import("../data/database.js");
  let db: Database;
  try {
    db = await openDatabase(url ?? ctx.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
    await migrate(db);
  } catch (error) {
    if (error instanceof DatabaseError) throw new CliError(error.message, EXIT_FAILURE);
    throw error;
  }
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

/** `sportello backup FILE`: a consistent copy of the live SQLite database. */
import type { Command } from "commander";
import { type CliContext, CliError, EXIT_FAILURE, printJson, processContext } from "./cliContext.js";
import { withDatabase } from "./withDatabase.js";

export function registerBackupCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("backup")
    .description(
      "consistent copy of the SQLite database while the bot runs (VACUUM INTO); PostgreSQL: use pg_dump",
    )
    .argument("<file>", "new file to write, e.g. backups/sportello-2027-03-31.db")
    .option("--database-url <url>", "database URL; default $DATABASE_URL or file:./data/sportello.db")
    .action(async (file: string, options: { databaseUrl?: string }) => {
      const { BackupError, backupSqlite } = await import("../data/backup.js");
      await withDatabase(ctx, options.databaseUrl, async (db) => {
        try {
          printJson(ctx, await backupSqlite(db, file));
        } catch (error) {
          if (error instanceof BackupError) throw new CliError(error.message, EXIT_FAILURE);
          throw error;
        }
      });
    });
}

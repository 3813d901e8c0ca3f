/** `sportello retention purge [--months N]`: delete transcripts and files older than N months. */
import type { Command } from "commander";
import { type CliContext, CliError, printJson, processContext } from "./cliContext.js";
import { dataDirOf, privacy } from "./customersCommand.js";
import { withDatabase } from "./withDatabase.js";

export function registerRetentionCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("retention")
    .description("retention of personal data")
    .command("purge")
    .description("delete transcripts and files older than N months (tickets and charges stay)")
    .option("--months <n>", "keep this many months; default $RETENTION_MONTHS")
    .option("--data-dir <dir>", "data folder with the stored files; default $SPORTELLO_DATA_DIR or ./data")
    .option("--database-url <url>", "database URL; default $DATABASE_URL or file:./data/sportello.db")
    .action(async (options: { months?: string; dataDir?: string; databaseUrl?: string }) => {
      const raw = options.months ?? ctx.env.RETENTION_MONTHS;
      if (!raw || !/^\d+$/.test(raw.trim())) {
        throw new CliError(
          "missing or invalid --months <n> (or set RETENTION_MONTHS): expected whole months, e.g. 24",
        );
      }
      const { purgeRetention } = await import("../privacy/personalData.js");
      await withDatabase(ctx, options.databaseUrl, async (db) => {
        printJson(
          ctx,
          await privacy(() => purgeRetention(db, dataDirOf(ctx, options.dataDir), Number(raw), ctx.now())),
        );
      });
    });
}

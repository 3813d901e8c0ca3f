/** `sportello report --from YYYY-MM-DD --to YYYY-MM-DD`: the manager's figures as JSON. */
import type { Command } from "commander";
import { loadPolicy } from "../policy/loadPolicy.js";
import { policyResolver } from "../policy/policyResolver.js";
import { buildReport, dayRange, ReportError } from "../reports/report.js";
import { type CliContext, CliError, printJson, processContext } from "./cliContext.js";
import { withDatabase } from "./withDatabase.js";

export function registerReportCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("report")
    .description(
      "tickets per week, first response and resolution in service hours, SLA, satisfaction, revenue (JSON)",
    )
    .requiredOption("--from <YYYY-MM-DD>", "first day (included)")
    .requiredOption("--to <YYYY-MM-DD>", "last day (included)")
    .option("--policy <name|path>", "preset whose time zone the days are in; default $SPORTELLO_POLICY")
    .option("--database-url <url>", "database URL; default $DATABASE_URL or file:./data/sportello.db")
    .action(async (options: { from: string; to: string; policy?: string; databaseUrl?: string }) => {
      const name = options.policy ?? ctx.env.SPORTELLO_POLICY;
      const main = name ? loadPolicy(name) : null;
      const timezone = main?.timezone ?? "Europe/Rome";
      let window: { from: Date; to: Date };
      try {
        window = dayRange(options.from, options.to, timezone);
      } catch (error) {
        if (error instanceof ReportError) throw new CliError(error.message);
        throw error;
      }
      const { reportData } = await import("../data/reportQueries.js");
      await withDatabase(ctx, options.databaseUrl, async (db) => {
        const data = await reportData(db, window);
        printJson(
          ctx,
          buildReport(
            { from: options.from, to: options.to, timezone },
            data,
            policyResolver(main ? [main] : []),
          ),
        );
      });
    });
}

/**
 * `sportello statement --month YYYY-MM [--customer CODE] [--format json|csv|csv-it]`: the monthly
 * statement (csv-it: `;`, decimal comma and a byte-order mark, for Excel set to Italian).
 */
import type { Command } from "commander";
import { loadPolicy } from "../policy/loadPolicy.js";
import { policyResolver } from "../policy/policyResolver.js";
import { buildStatement, monthQueryWindow, parseMonth, StatementError } from "../reports/statement.js";
import { statementToCsv } from "../reports/statementCsv.js";
import { type CliContext, CliError, EXIT_FAILURE, printJson, processContext } from "./cliContext.js";
import { withDatabase } from "./withDatabase.js";

export function registerStatementCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("statement")
    .description(
      "monthly statement: every work session with its lines, coverage, billed minutes, charges (JSON: integer cents; CSV: euros), plan allowances, minutes per technician",
    )
    .requiredOption("--month <YYYY-MM>", "calendar month, in each preset's time zone")
    .option("--customer <code>", "one customer (their code); default all customers")
    .option(
      "--format <json|csv|csv-it>",
      "output format (csv-it: ; and decimal comma for Italian Excel)",
      "json",
    )
    .option("--policy <name|path>", "preset of tickets opened under a preset that is not bundled")
    .option("--database-url <url>", "database URL; default $DATABASE_URL or file:./data/sportello.db")
    .action(
      async (options: {
        month: string;
        customer?: string;
        format: string;
        policy?: string;
        databaseUrl?: string;
      }) => {
        if (!["json", "csv", "csv-it"].includes(options.format)) {
          throw new CliError(`invalid --format "${options.format}": expected json, csv or csv-it`);
        }
        try {
          parseMonth(options.month);
        } catch (error) {
          throw new CliError((error as Error).message);
        }
        const extra = options.policy ?? ctx.env.SPORTELLO_POLICY;
        const policies = policyResolver(extra ? [loadPolicy(extra)] : []);
        const { closedSessionsBetween, customerCodeExists } = await import("../data/statementQueries.js");
        await withDatabase(ctx, options.databaseUrl, async (db) => {
          if (options.customer && !(await customerCodeExists(db, options.customer))) {
            throw new CliError(`no customer with code "${options.customer}"`, EXIT_FAILURE);
          }
          const tickets = await closedSessionsBetween(db, monthQueryWindow(options.month), options.customer);
          let statement: ReturnType<typeof buildStatement>;
          try {
            statement = buildStatement(options.month, tickets, policies);
          } catch (error) {
            if (error instanceof StatementError) throw new CliError(error.message, EXIT_FAILURE);
            throw error;
          }
          if (options.format === "csv") ctx.stdout(statementToCsv(statement));
          else if (options.format === "csv-it") ctx.stdout(statementToCsv(statement, "it"));
          else printJson(ctx, statement);
        });
      },
    );
}

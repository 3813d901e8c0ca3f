/** `sportello customers import FILE.csv`: bulk-load customers, all rows or none. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { loadPolicy } from "../policy/loadPolicy.js";
import {
  type CliContext,
  CliError,
  EXIT_FAILURE,
  EXIT_USAGE,
  printJson,
  processContext,
} from "./cliContext.js";

export function registerCustomersCommand(program: Command, ctx: CliContext = processContext()): void {
  const customers = program.command("customers").description("customer records");
  customers
    .command("import")
    .description(
      "import customers from CSV (company, phone, email, telegram, language, plan, jsystem, purchases, salesrep); " +
        "nothing is written unless every row is valid",
    )
    .argument("<file>", "CSV file with a header row")
    .option(
      "--policy <name|path>",
      "check plans and warranty months against this preset; default $SPORTELLO_POLICY",
    )
    .option("--database-url <url>", "database URL; default $DATABASE_URL or file:./data/sportello.db")
    .action(async (file: string, options: { policy?: string; databaseUrl?: string }) => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (cause) {
        throw new CliError(`cannot read ${file}: ${(cause as Error).message}`, EXIT_USAGE);
      }
      const policyName = options.policy ?? ctx.env.SPORTELLO_POLICY;
      const policy = policyName ? loadPolicy(policyName) : undefined;
      // Loaded on use: the other commands should not pay for (or depend on) the Prisma clients.
      const { CustomerImportError, importCustomersFromCsv } = await import("../data/customerImport.js");
      const { DatabaseError, DEFAULT_DATABASE_URL, migrate, openDatabase } = await import(
        "../data/database.js"
      );
      try {
        const db = await openDatabase(options.databaseUrl ?? ctx.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
        try {
          await migrate(db);
          const summary = await importCustomersFromCsv(db, text, { policy, file });
          printJson(ctx, { file, ...summary });
        } finally {
          await db.close();
        }
      } catch (error) {
        if (error instanceof CustomerImportError || error instanceof DatabaseError) {
          throw new CliError(error.message, EXIT_FAILURE);
        }
        throw error;
      }
    });
}

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
import { withDatabase } from "./withDatabase.js";

export function registerCustomersCommand(program: Command, ctx: CliContext = processContext()): void {
  const customers = program.command("customers").description("customer records");
  customers
    .command("import")
    .description(
      "import customers from CSV (company, phone, email, telegram, language, plan, jsystem, purchases, salesrep, salesrep_email, salesrep_phone); " +
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
      // Loaded on use: the other commands should not pay for (or depend on) the drivers.
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

  customers
    .command("export")
    .description(
      "write everything held about a customer (record, identities, transcripts, tickets, feedback, files) to one .tar.gz",
    )
    .argument("<code>", "customer code")
    .option("--out <file>", "archive to write; default ./customer-CODE.tar.gz")
    .option("--data-dir <dir>", "data folder with the stored files; default $SPORTELLO_DATA_DIR or ./data")
    .option("--database-url <url>", "database URL; default $DATABASE_URL or file:./data/sportello.db")
    .action(async (code: string, options: { out?: string; dataDir?: string; databaseUrl?: string }) => {
      const { exportCustomer } = await import("../privacy/personalData.js");
      const file = options.out ?? `customer-${code.toUpperCase().replace(/[^A-Z0-9]/g, "")}.tar.gz`;
      await withDatabase(ctx, options.databaseUrl, async (db) => {
        printJson(
          ctx,
          await privacy(() => exportCustomer(db, dataDirOf(ctx, options.dataDir), code, file, ctx.now())),
        );
      });
    });
  customers
    .command("erase")
    .description(
      "erase a customer's personal data and files; anonymised tickets and charges stay for invoicing (audited)",
    )
    .argument("<code>", "customer code")
    .option("--by <name>", "who asked for the erasure, for the audit event", "cli")
    .option("--data-dir <dir>", "data folder with the stored files; default $SPORTELLO_DATA_DIR or ./data")
    .option("--database-url <url>", "database URL; default $DATABASE_URL or file:./data/sportello.db")
    .action(async (code: string, options: { by: string; dataDir?: string; databaseUrl?: string }) => {
      const { eraseCustomer } = await import("../privacy/personalData.js");
      await withDatabase(ctx, options.databaseUrl, async (db) => {
        printJson(
          ctx,
          await privacy(() =>
            eraseCustomer(db, dataDirOf(ctx, options.dataDir), code, { actor: options.by, at: ctx.now() }),
          ),
        );
      });
    });
}

function dataDirOf(ctx: CliContext, option: string | undefined): string {
  return option ?? (ctx.env.SPORTELLO_DATA_DIR?.trim() || "./data");
}

/** Runs a personal-data operation, turning its coded errors into CLI errors. */
async function privacy<T>(run: () => Promise<T>): Promise<T> {
  const { PrivacyError } = await import("../data/customerPrivacy.js");
  try {
    return await run();
  } catch (error) {
    if (error instanceof PrivacyError) {
      throw new CliError(error.message, error.code === "unknown-customer" ? EXIT_FAILURE : EXIT_USAGE);
    }
    throw error;
  }
}

export { dataDirOf, privacy };

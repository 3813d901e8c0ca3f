/**
 * The `sportello` command line. Each command lives in `./<name>Command.ts` and exports
 * `register<Name>Command(program, ctx)`; add a command by importing it and calling it below.
 * Command modules import only what defining the command needs: the database, the
 * runtime and the channels are loaded inside the action (`await import(…)`), so `sportello hours`
 * never pays for them.
 */
import { Command, CommanderError } from "commander";
import { DatabaseError } from "../data/databaseError.js";
import { CalendarError } from "../policy/calendar.js";
import { CoverageError } from "../policy/coverage.js";
import { PolicyError } from "../policy/loadPolicy.js";
import { registerBackupCommand } from "./backupCommand.js";
import { registerChargeCommand } from "./chargeCommand.js";
import { registerChatCommand } from "./chatCommand.js";
import { type CliContext, CliError, EXIT_FAILURE, EXIT_USAGE, processContext } from "./cliContext.js";
import { registerCustomersCommand } from "./customersCommand.js";
import { registerHoursCommand } from "./hoursCommand.js";
import { registerOncallCommand } from "./oncallCommand.js";
import { registerPlayCommand } from "./playCommand.js";
import { registerReportCommand } from "./reportCommand.js";
import { registerRetentionCommand } from "./retentionCommand.js";
import { registerStaffCommand } from "./staffCommand.js";
import { registerStatementCommand } from "./statementCommand.js";

/** Builds the program; output goes through `ctx` and errors are thrown, never `process.exit`. */
export function buildProgram(ctx: CliContext = processContext()): Command {
  const program = new Command("sportello")
    .description("sportello: support bot for small technical-support teams")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout(s), writeErr: (s) => ctx.stderr(s) });
  registerHoursCommand(program, ctx);
  registerChargeCommand(program, ctx);
  registerCustomersCommand(program, ctx);
  registerPlayCommand(program, ctx);
  registerChatCommand(program, ctx);
  registerStaffCommand(program, ctx);
  registerOncallCommand(program, ctx);
  registerStatementCommand(program, ctx);
  registerReportCommand(program, ctx);
  registerRetentionCommand(program, ctx);
  registerBackupCommand(program, ctx);
  return program;
}

/** Maps an error to its exit code and prints it on stderr. */
export function reportError(ctx: CliContext, error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed its message; help and version are not failures.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  const say = (message: string) => ctx.stderr(`sportello: ${message}\n`);
  if (error instanceof CliError) {
    say(error.message);
    return error.exitCode;
  }
  if (error instanceof PolicyError) {
    say(error.message);
    return error.code === "unknown-preset" ? EXIT_USAGE : EXIT_FAILURE;
  }
  if (error instanceof CoverageError) {
    say(error.message);
    return EXIT_USAGE;
  }
  if (error instanceof CalendarError || error instanceof DatabaseError) {
    say(error.message);
    return EXIT_FAILURE;
  }
  say(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT_FAILURE;
}

/** Runs the CLI with `args` (without node and script) and resolves to the exit code. */
export async function runCli(args: string[], ctx: CliContext = processContext()): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    return reportError(ctx, error);
  }
}

import { processEnvironment } from "../config/env.js";
import { CodedError } from "../errors.js";

/** What a CLI command may touch: output streams, environment and clock (injectable for tests). */

export interface CliContext {
  /** Writes to standard output (commands print one JSON object + newline). */
  stdout(text: string): void;
  /** Writes to standard error (messages for humans). */
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  /** Current instant (e.g. the default of `hours --at`). */
  now(): Date;
}

/** The real process: stdout, stderr, process.env and the system clock. */
export function processContext(): CliContext {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: processEnvironment(),
    now: () => new Date(),
  };
}

/** Exit codes: 1 = the operation failed (bad data, broken preset, database); 2 = bad command-line input. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Codes of a command failure: bad command-line input (exit 2) or a failed operation (exit 1). */
export type CliErrorCode = "cli-usage" | "cli-failed";

/** A command failure with a message for humans and the process exit code; its code follows the exit code. */
export class CliError extends CodedError<CliErrorCode> {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(exitCode === EXIT_USAGE ? "cli-usage" : "cli-failed", message);
  }
}

/** Prints `value` as one line of JSON on stdout. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout(`${JSON.stringify(value)}\n`);
}

/** The `--policy` value, else $SPORTELLO_POLICY. */
export function policyOption(ctx: CliContext, value: string | undefined): string {
  const policy = value ?? ctx.env.SPORTELLO_POLICY;
  if (!policy) throw new CliError("missing --policy <name|path> (or set SPORTELLO_POLICY)");
  return policy;
}

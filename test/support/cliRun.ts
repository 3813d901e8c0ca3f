/** Runs the `sportello` CLI in this process and keeps what it printed (the CLI tests' one runner). */
import type { CliContext } from "../../src/cli/cliContext.js";
import { runCli } from "../../src/cli/program.js";

/** What a CLI run printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `args` with `env` (nothing of this process's) and the clock fixed at `now`. */
export async function runCliCaptured(
  args: string[],
  options: { env: Record<string, string>; now: string | (() => Date) },
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const { now } = options;
  const ctx: CliContext = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: options.env,
    now: typeof now === "string" ? () => new Date(now) : now,
  };
  const code = await runCli(args, ctx);
  return { code, stdout, stderr };
}

/** `sportello hours`: is the service open at an instant, and when does it close / open next. */
import type { Command } from "commander";
import { DateTime } from "luxon";
import { hoursReport } from "../policy/calendar.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { type CliContext, CliError, policyOption, printJson, processContext } from "./cliContext.js";

/** Parses `--at`: ISO-8601; without an offset the time is read in the policy's zone. */
export function parseAt(value: string, zone: string): Date {
  const at = DateTime.fromISO(value.trim(), { zone });
  if (!at.isValid) {
    throw new CliError(
      `invalid --at "${value}": expected an ISO-8601 instant such as 2027-03-29T10:00:00+02:00 (${at.invalidExplanation ?? at.invalidReason})`,
    );
  }
  return at.toJSDate();
}

export function registerHoursCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("hours")
    .description("open now? which service, when it closes and when it opens next (JSON)")
    .option(
      "--policy <name|path>",
      "preset name (policies/<name>.yaml) or YAML path; default $SPORTELLO_POLICY",
    )
    .option("--at <instant>", "ISO-8601 instant, e.g. 2027-03-29T10:00:00+02:00 (default: now)")
    .action((options: { policy?: string; at?: string }) => {
      const policy = loadPolicy(policyOption(ctx, options.policy));
      const at = options.at === undefined ? ctx.now() : parseAt(options.at, policy.timezone);
      printJson(ctx, hoursReport(policy, at));
    });
}

/** `sportello charge`: what an intervention costs, for quoting a customer on the phone. */
import type { Command } from "commander";
import { computeCharge } from "../policy/charge.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { type CliContext, CliError, policyOption, printJson, processContext } from "./cliContext.js";

/** Parses whole non-negative minutes from a flag. */
export function parseMinutes(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new CliError(`invalid ${flag} "${value}": expected whole minutes (0 or more), e.g. 70`);
  }
  return Number(value);
}

export function registerChargeCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("charge")
    .description("charge of an intervention in cents: net, VAT, gross (JSON)")
    .option("--policy <name|path>", "preset name or YAML path; default $SPORTELLO_POLICY")
    .requiredOption("--minutes <min>", "minutes the intervention took")
    .option("--plan <key>", "none or a plan of the preset (standard, j-system, ...)", "none")
    .option("--category <key>", "request category (plans cover only their categories)")
    .option("--used-this-month <min>", "minutes of a monthly-capped plan already used this month", "0")
    .action(
      (options: {
        policy?: string;
        minutes: string;
        plan: string;
        category?: string;
        usedThisMonth: string;
      }) => {
        const minutes = parseMinutes("--minutes", options.minutes);
        const used = parseMinutes("--used-this-month", options.usedThisMonth);
        const policy = loadPolicy(policyOption(ctx, options.policy));
        printJson(
          ctx,
          computeCharge(policy, {
            minutes,
            plan: options.plan,
            usedThisMonthMinutes: used,
            ...(options.category !== undefined ? { category: options.category } : {}),
          }),
        );
      },
    );
}

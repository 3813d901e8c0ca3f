/** `sportello hours`: is the service open at an instant, and when does it close / open next. */
import type { Command } from "commander";
import { DateTime } from "luxon";
import { type Audience, hoursReport } from "../policy/calendar.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import type { Policy } from "../policy/schema.js";
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

interface AudienceOptions {
  plan?: string;
  category?: string;
  blocking?: boolean;
}

/**
 * `--plan a,b` / `--category KEY` / `--blocking`: whose hours (checked against the preset).
 * `--plan none` is a customer without plans. No flag at all: the company's hours.
 */
export function parseAudience(policy: Policy, options: AudienceOptions): Audience | null {
  if (options.plan === undefined && options.category === undefined && !options.blocking) return null;
  const plans = (options.plan ?? "")
    .split(/[,;]/)
    .map((p) => p.trim())
    .filter((p) => p !== "" && p !== "none");
  const planKeys = policy.plans.map((p) => p.key);
  for (const plan of plans) {
    if (!planKeys.includes(plan)) {
      throw new CliError(`unknown --plan "${plan}": expected none or one of ${planKeys.join(", ")}`);
    }
  }
  const categoryKeys = policy.categories.map((c) => c.key);
  if (options.category !== undefined && !categoryKeys.includes(options.category)) {
    throw new CliError(
      `unknown --category "${options.category}": expected one of ${categoryKeys.join(", ")}`,
    );
  }
  return { plans, category: options.category ?? null, blocking: options.blocking === true };
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
    .option("--plan <keys>", "answer for a customer with these plans (comma-separated, or none)")
    .option("--category <key>", "… and a problem of this category")
    .option("--blocking", "… that blocks their work")
    .action((options: { policy?: string; at?: string } & AudienceOptions) => {
      const policy = loadPolicy(policyOption(ctx, options.policy));
      const at = options.at === undefined ? ctx.now() : parseAt(options.at, policy.timezone);
      printJson(ctx, hoursReport(policy, at, parseAudience(policy, options)));
    });
}

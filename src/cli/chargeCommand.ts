/** `sportello charge`: what an intervention or a package costs, for quoting a customer on the phone. */
import type { Command } from "commander";
import { computeCharge, packageCharge, vatCentsOf } from "../policy/charge.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import type { Policy } from "../policy/schema.js";
import { type CliContext, CliError, policyOption, printJson, processContext } from "./cliContext.js";

/** Parses whole non-negative minutes from a flag. */
export function parseMinutes(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new CliError(`invalid ${flag} "${value}": expected whole minutes (0 or more), e.g. 70`);
  }
  return Number(value);
}

/** Parses a whole non-negative count (kilometres, days) from a flag. */
function parseCount(flag: string, value: string | undefined, example: string): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value.trim())) {
    throw new CliError(`invalid ${flag} "${value}": expected a whole number (0 or more), e.g. ${example}`);
  }
  return Number(value);
}

/** The preset's price list: hourly rate and every package with its gross price, plus travel rates. */
export function priceList(policy: Policy) {
  const c = policy.charges;
  const priced = (netCents: number) => {
    const vatCents = vatCentsOf(policy, netCents);
    return { netCents, vatCents, grossCents: netCents + vatCents };
  };
  return {
    policy: policy.id,
    currency: c.currency,
    vatPercent: c.vatPercent,
    hourly: {
      ...priced(c.hourlyCents),
      minimumMinutes: c.minimumMinutes,
      incrementMinutes: c.incrementMinutes,
      freeMinutes: c.freeMinutes,
    },
    packages: c.packages.map((p) => ({
      key: p.key,
      aliases: p.aliases,
      label: p.label,
      travel: p.travel,
      ...priced(p.cents),
    })),
    travel: c.travel,
  };
}

interface ChargeOptions {
  policy?: string;
  minutes?: string;
  plan: string;
  category?: string;
  usedThisMonth: string;
  package?: string;
  km?: string;
  daysOvernight?: string;
  days?: string;
}

export function registerChargeCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("charge")
    .description(
      "charge in cents (net, VAT, gross) of hourly work (--minutes) or of a package (--package); without either, the price list (JSON)",
    )
    .option("--policy <name|path>", "preset name or YAML path; default $SPORTELLO_POLICY")
    .option("--minutes <min>", "minutes the intervention took")
    .option("--plan <key>", "none or a plan of the preset (standard, j-system, ...)", "none")
    .option("--category <key>", "request category (plans cover only their categories)")
    .option("--used-this-month <min>", "minutes of a monthly-capped plan already used this month", "0")
    .option("--package <key>", "a package of the preset (e.g. half-day, day, onsite-day)")
    .option("--km <km>", "kilometres travelled (packages with travel)")
    .option("--days-overnight <n>", "per-diem days with an overnight stay (packages with travel)")
    .option("--days <n>", "per-diem days without an overnight stay (packages with travel)")
    .action((options: ChargeOptions) => {
      const policy = loadPolicy(policyOption(ctx, options.policy));
      const travelGiven = [options.km, options.daysOvernight, options.days].some((v) => v !== undefined);
      if (options.package !== undefined) {
        if (options.minutes !== undefined) {
          throw new CliError("give either --minutes (hourly work) or --package, not both");
        }
        printJson(
          ctx,
          packageCharge(policy, {
            package: options.package,
            km: parseCount("--km", options.km, "120"),
            daysOvernight: parseCount("--days-overnight", options.daysOvernight, "1"),
            days: parseCount("--days", options.days, "2"),
          }),
        );
        return;
      }
      if (travelGiven) throw new CliError("--km, --days-overnight and --days need --package");
      if (options.minutes === undefined) {
        printJson(ctx, priceList(policy));
        return;
      }
      const minutes = parseMinutes("--minutes", options.minutes);
      const used = parseMinutes("--used-this-month", options.usedThisMonth);
      printJson(
        ctx,
        computeCharge(policy, {
          minutes,
          plan: options.plan,
          usedThisMonthMinutes: used,
          ...(options.category !== undefined ? { category: options.category } : {}),
        }),
      );
    });
}

/**
 * The charge of one work session: a close of a ticket (the first, or one after a reopen). Its
 * lines are hourly time (or a package with its travel), spare parts and transport; VAT is
 * rounded once on the net. After a reopen the preset says how the ticket is charged
 * (`charges.reopened`): `separate` charges each close on its own minutes; `sum` charges all the
 * ticket's minutes as one intervention, minus what earlier closes already charged, so the closes
 * of a ticket always add up to the charge of the whole intervention. Pure, integer cents.
 */
import {
  type Charge,
  type ChargeLine,
  computeCharge,
  coverageOfPlan,
  type PackageInput,
  packageCharge,
  vatCentsOf,
} from "./charge.js";
import { CoverageError } from "./coverage.js";
import type { Localized, Policy, WorkMode } from "./schema.js";

/** A spare part fitted at a close (net cents each). */
export interface PartInput {
  description: string;
  cents: number;
  quantity?: number;
}

/** What a close adds to the time: spare parts and transport (net cents). */
export interface ExtrasInput {
  parts?: PartInput[];
  transportCents?: number;
}

/** An earlier close of the same ticket, as stored. */
export interface PriorSession {
  minutes: number;
  /** Billed by the hour (not a package). */
  hourly: boolean;
  /** Net cents of its hourly line (0 when covered or a package). */
  hourlyNetCents: number;
  billedMinutes: number;
  coveredMinutes: number;
  /** Plan it fell under. */
  plan: string | null;
  /** Closed in the current month (its minutes are in `usedThisMonthByPlan`). */
  inThisMonth: boolean;
  netCents: number;
  vatCents: number;
  grossCents: number;
}

export interface SessionChargeInput extends ExtrasInput {
  minutes: number;
  /** Plan of the close; "none" or null = billable. */
  plan: string | null;
  category?: string;
  /** Minutes of the customer's closes this month under each plan (earlier sessions of this ticket included). */
  usedThisMonthByPlan?: Record<string, number>;
  /** A package billed instead of the minutes. */
  billing?: PackageInput;
  /** Earlier closes of this ticket, oldest first. */
  previous?: PriorSession[];
}

/** The charge of a close: this session's lines and amounts, and the ticket's total so far. */
export interface SessionCharge extends Charge {
  lines: ChargeLine[];
  basis: "plan" | "warranty" | "billable";
  /** Minutes of this session the plan covers. */
  coveredMinutes: number;
  /** 1 for the first close, 2 after the first reopen, … */
  session: number;
  charging: "separate" | "sum";
  /** Every close of the ticket up to this one. */
  total: { sessions: number; minutes: number; netCents: number; vatCents: number; grossCents: number };
}

const MAX_CENTS = 100_000_000;
const MAX_DESCRIPTION = 200;

function cents(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_CENTS) {
    throw new CoverageError(
      "invalid-input",
      `${name} must be whole cents from 0 to ${MAX_CENTS}, got ${String(value)}`,
    );
  }
  return value;
}

/** The parts and transport lines of a close. @throws CoverageError invalid-input */
export function extraLines(input: ExtrasInput): ChargeLine[] {
  const lines: ChargeLine[] = [];
  for (const [i, part] of (input.parts ?? []).entries()) {
    const description = typeof part.description === "string" ? part.description.trim() : "";
    if (!description || description.length > MAX_DESCRIPTION) {
      throw new CoverageError(
        "invalid-input",
        `parts[${i}].description must be 1 to ${MAX_DESCRIPTION} characters`,
      );
    }
    const quantity = part.quantity ?? 1;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
      throw new CoverageError("invalid-input", `parts[${i}].quantity must be a whole number from 1 to 1000`);
    }
    const unitCents = cents(`parts[${i}].cents`, part.cents);
    lines.push({ item: "parts", quantity, unitCents, cents: quantity * unitCents, description });
  }
  if (input.transportCents !== undefined) {
    const transport = cents("transportCents", input.transportCents);
    if (transport > 0) lines.push({ item: "transport", quantity: 1, unitCents: transport, cents: transport });
  }
  return lines;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * The charge of a close. @throws CoverageError unknown-plan / unknown-category / unknown-package /
 * invalid-input
 */
export function sessionCharge(policy: Policy, input: SessionChargeInput): SessionCharge {
  if (!Number.isInteger(input.minutes) || input.minutes < 0) {
    throw new CoverageError(
      "invalid-input",
      `minutes must be whole non-negative minutes, got ${input.minutes}`,
    );
  }
  const previous = input.previous ?? [];
  const charging = previous.length > 0 ? policy.charges.reopened : "separate";
  const extras = extraLines(input);
  const plan = input.plan === "none" ? null : input.plan;
  let lines: ChargeLine[];
  let covered = false;
  let chargePlan: string | null = null;
  let basis: SessionCharge["basis"] = "billable";
  let billedMinutes = 0;
  let coveredMinutes = 0;
  let packageKey: string | undefined;
  if (input.billing) {
    const pkg = packageCharge(policy, input.billing);
    // The plan and category are still checked: an unknown one is a mistake, not "no plan".
    coverageOfPlan(policy, { minutes: 0, plan, ...(input.category ? { category: input.category } : {}) });
    lines = pkg.lines ?? [];
    packageKey = pkg.package;
  } else {
    const earlier = charging === "sum" ? previous.filter((p) => p.hourly) : [];
    const minutes = input.minutes + sum(earlier.map((p) => p.minutes));
    // In `sum` the ticket's own earlier minutes are part of this intervention, not of the month's use.
    const usedThisMonth =
      (plan ? (input.usedThisMonthByPlan?.[plan] ?? 0) : 0) -
      sum(earlier.filter((p) => p.inThisMonth && p.plan === plan).map((p) => p.minutes));
    const chargeInput = {
      minutes,
      plan,
      ...(input.category ? { category: input.category } : {}),
      usedThisMonthMinutes: Math.max(0, usedThisMonth),
    };
    const coverage = coverageOfPlan(policy, chargeInput);
    const whole = computeCharge(policy, { ...chargeInput, coverage });
    covered = whole.covered;
    chargePlan = whole.plan;
    basis = coverage.basis;
    const wholeCovered = coverage.covered
      ? coverage.capMinutes === null
        ? minutes
        : Math.min(minutes, coverage.capMinutes)
      : 0;
    coveredMinutes = Math.max(0, wholeCovered - sum(earlier.map((p) => p.coveredMinutes)));
    billedMinutes = Math.max(0, whole.billedMinutes - sum(earlier.map((p) => p.billedMinutes)));
    const hourlyCents = Math.max(0, whole.netCents - sum(earlier.map((p) => p.hourlyNetCents)));
    lines =
      billedMinutes > 0 || hourlyCents > 0
        ? [
            {
              item: "hourly",
              quantity: billedMinutes,
              unitCents: policy.charges.hourlyCents,
              cents: hourlyCents,
            },
          ]
        : [];
  }
  lines = [...lines, ...extras];
  const netCents = sum(lines.map((l) => l.cents));
  // VAT once on the net: on this close's net, or (sum) on the whole ticket's minus what was charged.
  const vatCents =
    charging === "sum"
      ? Math.max(
          0,
          vatCentsOf(policy, netCents + sum(previous.map((p) => p.netCents))) -
            sum(previous.map((p) => p.vatCents)),
        )
      : vatCentsOf(policy, netCents);
  const grossCents = netCents + vatCents;
  return {
    covered,
    plan: chargePlan,
    basis,
    billedMinutes,
    coveredMinutes,
    netCents,
    vatCents,
    grossCents,
    currency: policy.charges.currency,
    ...(packageKey ? { package: packageKey } : {}),
    lines,
    session: previous.length + 1,
    charging,
    total: {
      sessions: previous.length + 1,
      minutes: input.minutes + sum(previous.map((p) => p.minutes)),
      netCents: netCents + sum(previous.map((p) => p.netCents)),
      vatCents: vatCents + sum(previous.map((p) => p.vatCents)),
      grossCents: grossCents + sum(previous.map((p) => p.grossCents)),
    },
  };
}

/** What a plan does not cover for a category, as the customer is told (warranty terms included). */
export function exclusionsFor(policy: Policy, plan: string | null, category: string | null): Localized[] {
  const def = plan ? policy.plans.find((p) => p.key === plan) : undefined;
  if (!def) return [];
  const own = def.exclusions
    .filter((e) => e.categories === null || (category !== null && e.categories.includes(category)))
    .map((e) => e.text);
  const warranty =
    def.warranty && (category === null || def.covers.includes(category)) ? def.warranty.excludes : [];
  return [...warranty, ...own];
}

/** Whether `mode` is a way of working the preset records. */
export function isWorkMode(policy: Policy, mode: unknown): mode is WorkMode {
  return typeof mode === "string" && (policy.charges.workModes as string[]).includes(mode);
}

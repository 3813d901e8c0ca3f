/**
 * The preset's rules across fields, checked after its shape (`schema.ts`): unique keys, every key
 * that names a category, plan, package or service level names one that exists, one warranty plan,
 * each weekday in one service level, holiday services and phone lines that fit their levels.
 * Each problem is reported at its field path, so the error names the entry to fix.
 */
import type { z } from "zod";
import { isKnownCountry } from "./holidayCalendar.js";
import type { Policy, WeekdayKey } from "./schema.js";

/** Adds an issue to `ctx` for every cross-reference of `policy` that does not hold. */
export function checkPolicyReferences(policy: Policy, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const duplicates = (items: { key: string }[], path: string) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item.key)) issue([path, i, "key"], `expected a unique key, "${item.key}" appears twice`);
      seen.add(item.key);
    });
  };
  duplicates(policy.categories, "categories");
  duplicates(policy.plans, "plans");
  duplicates(policy.contacts, "contacts");
  duplicates(policy.holidays.days, "holidays.days");
  duplicates(policy.charges.packages, "charges.packages");
  duplicates(policy.serviceLevels, "serviceLevels");
  const packageNames = new Set<string>();
  policy.charges.packages.forEach((p, i) => {
    for (const name of [p.key, ...p.aliases]) {
      if (packageNames.has(name))
        issue(["charges", "packages", i], `expected "${name}" to name one package only`);
      packageNames.add(name);
    }
    if (p.travel && policy.charges.travel === null)
      issue(["charges", "travel"], `expected travel rates, since package "${p.key}" has travel: true`);
  });

  const categories = new Set(policy.categories.map((c) => c.key));
  const known = `expected one of the keys under categories (${[...categories].join(", ")})`;
  if (!categories.has("other")) issue(["categories"], 'expected a catch-all category with key "other"');
  policy.plans.forEach((plan, i) => {
    plan.covers.forEach((key, j) => {
      if (!categories.has(key)) issue(["plans", i, "covers", j], `unknown category "${key}": ${known}`);
    });
    if (plan.kind === "warranty" && plan.warranty === null) {
      issue(
        ["plans", i, "warranty"],
        "expected warranty terms (standardMonths, maxMonths) on a warranty plan",
      );
    }
    if (plan.kind === "contract" && plan.warranty !== null) {
      issue(["plans", i, "warranty"], "expected no warranty terms on a contract plan (use kind: warranty)");
    }
    if (plan.warranty && plan.warranty.maxMonths < plan.warranty.standardMonths) {
      issue(["plans", i, "warranty", "maxMonths"], "expected maxMonths to be at least standardMonths");
    }
    plan.exclusions.forEach((exclusion, j) => {
      exclusion.categories?.forEach((key, k) => {
        if (!categories.has(key))
          issue(["plans", i, "exclusions", j, "categories", k], `unknown category "${key}": ${known}`);
      });
    });
    if (plan.capMinutesPerIntervention !== null && plan.capMinutesPerMonth !== null) {
      issue(["plans", i], "expected at most one of capMinutesPerIntervention and capMinutesPerMonth");
    }
  });
  if (policy.plans.filter((p) => p.kind === "warranty").length > 1) {
    issue(["plans"], "expected at most one plan of kind warranty");
  }
  const plans = new Set(policy.plans.map((p) => p.key));
  const levels = new Map(policy.serviceLevels.map((l) => [l.key, l]));
  const dayOwner = new Map<string, string>();
  policy.serviceLevels.forEach((level, i) => {
    level.days.forEach((day, j) => {
      const owner = dayOwner.get(day);
      if (owner !== undefined)
        issue(
          ["serviceLevels", i, "days", j],
          `expected "${day}" in only one service level (also in "${owner}")`,
        );
      dayOwner.set(day, level.key);
    });
    for (const day of Object.keys(level.byDay)) {
      if (!level.days.includes(day as WeekdayKey))
        issue(
          ["serviceLevels", i, "byDay", day],
          `expected "${day}" to be listed in serviceLevels[${i}].days`,
        );
    }
    if (level.pageWhenOpens && !level.pageOnCall)
      issue(["serviceLevels", i, "pageWhenOpens"], "expected pageOnCall: true on a level with pageWhenOpens");
    level.serves.plans?.forEach((key, j) => {
      if (!plans.has(key))
        issue(
          ["serviceLevels", i, "serves", "plans", j],
          `unknown plan "${key}": expected one of ${[...plans].join(", ")}`,
        );
    });
    level.serves.categories?.forEach((key, j) => {
      if (!categories.has(key))
        issue(["serviceLevels", i, "serves", "categories", j], `unknown category "${key}": ${known}`);
    });
  });
  const holidayLevel = (service: string, path: (string | number)[]) => {
    if (service === "closed") return;
    if (levels.get(service)?.holidays !== true)
      issue(path, `expected "closed" or the key of a service level with holidays: true (got "${service}")`);
  };
  policy.holidays.days.forEach((d, i) => {
    holidayLevel(d.service, ["holidays", "days", i, "service"]);
  });
  if (policy.holidays.calendar)
    holidayLevel(policy.holidays.calendar.service, ["holidays", "calendar", "service"]);
  const lineNumbers = new Set<string>();
  policy.contacts.forEach((c, i) => {
    if (c.when !== "always" && !levels.has(c.when))
      issue(
        ["contacts", i, "when"],
        `expected "always" or a service level key (${[...levels.keys()].join(", ")})`,
      );
    const line = c.line;
    if (!line) return;
    if (c.kind !== "phone") issue(["contacts", i, "line"], "expected a line only on a phone contact");
    if (lineNumbers.has(line.number))
      issue(["contacts", i, "line", "number"], `expected ${line.number} on one line only`);
    lineNumbers.add(line.number);
    const level = c.when === "always" ? undefined : levels.get(c.when);
    // (An unknown level is reported above.)
    if (line.answers === "on-call" && (c.when === "always" || (level && !level.pageOnCall)))
      issue(["contacts", i, "when"], "expected the key of a level with pageOnCall: true on an on-call line");
    if (line.tellOpeningOf !== null && !levels.has(line.tellOpeningOf))
      issue(
        ["contacts", i, "line", "tellOpeningOf"],
        `expected a service level key, got "${line.tellOpeningOf}"`,
      );
  });
  const country = policy.holidays.calendar?.country;
  if (country !== undefined && !isKnownCountry(country)) {
    issue(["holidays", "calendar", "country"], `expected a country known to date-holidays, got "${country}"`);
  }
}

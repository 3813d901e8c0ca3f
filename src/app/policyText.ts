/**
 * A compact, plain-text rendering of a support-policy preset for the AI reply drafts: the model
 * must stay within what the company offers (hours, plans, rates, contacts), so it gets the rules
 * as data, not as a prompt someone has to keep in sync by hand.
 */
import type { Policy } from "../policy/schema.js";

type Language = "it" | "en";

const DAY_NAMES: Record<string, string> = {
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
};

function ranges(list: readonly (readonly [string, string])[]): string {
  return list.length > 0 ? list.map(([from, to]) => `${from}-${to}`).join(", ") : "closed";
}

function days(list: readonly string[]): string {
  return list.map((d) => DAY_NAMES[d] ?? d).join(", ");
}

/** Amount in cents as "80.00 EUR" (the draft's language decides nothing about money format here). */
function money(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

/**
 * The policy text a reply draft must stay within: company, opening hours (time zone included),
 * plans and the categories they cover, rates and contacts. Labels in `language`; pure.
 */
export function policyText(policy: Policy, language: Language = policy.defaultLanguage): string {
  const label = (key: string) => policy.categories.find((c) => c.key === key)?.label[language] ?? key;
  const lines: string[] = [`Company: ${policy.company}`];

  lines.push(`Service levels (${policy.timezone}):`);
  for (const level of policy.serviceLevels) {
    const special = Object.entries(level.byDay)
      .map(([day, r]) => `${DAY_NAMES[day] ?? day} ${ranges(r ?? [])}`)
      .join("; ");
    const when = level.holidays ? "on the holidays that name it" : days(level.days);
    const serves = level.audience
      ? `only for ${level.audience[language]}`
      : [
          level.serves.plans ? `plans ${level.serves.plans.join(", ")}` : null,
          level.serves.categories ? `categories ${level.serves.categories.map(label).join(", ")}` : null,
          level.serves.requiresBlocking ? "blocking problems" : null,
        ]
          .filter(Boolean)
          .join(", ") || "every customer";
    lines.push(
      `- ${level.label[language]}: ${when} ${ranges(level.ranges)}${special ? ` (${special})` : ""}; ${serves}`,
    );
  }
  const holidays = policy.holidays.days;
  const closedDays = holidays.filter((d) => d.service === "closed").map((d) => `${d.rule} (${d.key})`);
  if (closedDays.length) lines.push(`Closed all day on holidays: ${closedDays.join(", ")}`);
  for (const level of policy.serviceLevels.filter((l) => l.holidays)) {
    const named = holidays.filter((d) => d.service === level.key).map((d) => `${d.rule} (${d.key})`);
    if (named.length)
      lines.push(
        `${level.label[language]} ${ranges(level.ranges)} instead of the usual hours on: ${named.join(", ")}`,
      );
  }
  if (policy.holidays.calendar)
    lines.push(
      `Public holidays of ${policy.holidays.calendar.country}: ${policy.holidays.calendar.service === "closed" ? "closed all day" : policy.holidays.calendar.service}`,
    );
  lines.push(
    "Say what is true at the moment of the reply for this customer's plans: on a day with shorter hours, after they end support closed at that time today (not all day); give the next opening; a level that serves only some requests (e.g. weekend service) is described with whom it serves.",
  );
  if (policy.sla.callbackWithinHours)
    lines.push(`Callback promise: within ${policy.sla.callbackWithinHours} hours`);

  if (policy.plans.length > 0) {
    lines.push("Plans:");
    for (const plan of policy.plans) {
      const caps = [
        plan.capMinutesPerIntervention
          ? `up to ${plan.capMinutesPerIntervention} min per intervention`
          : null,
        plan.capMinutesPerMonth ? `up to ${plan.capMinutesPerMonth} min per month` : null,
      ].filter(Boolean);
      const parts = [`- ${plan.label[language]} (${plan.kind}): covers ${plan.covers.map(label).join(", ")}`];
      if (caps.length) parts.push(`; ${caps.join(", ")}`);
      if (plan.warranty) {
        parts.push(
          `; warranty ${plan.warranty.standardMonths} months (extendable to ${plan.warranty.maxMonths})`,
        );
        if (plan.warranty.excludes.length)
          parts.push(`; excludes: ${plan.warranty.excludes.map((e) => e[language]).join(" ")}`);
      }
      for (const note of plan.notes) parts.push(`; ${note[language]}`);
      lines.push(parts.join(""));
    }
  }

  const c = policy.charges;
  const rate = [
    `Work not covered by a plan: ${money(c.hourlyCents, c.currency)} per hour + VAT ${c.vatPercent}%`,
    c.minimumMinutes > 0 ? `minimum ${c.minimumMinutes} min` : null,
    `then ${c.incrementMinutes}-minute increments`,
    c.freeMinutes > 0 ? `first ${c.freeMinutes} min free` : null,
  ].filter(Boolean);
  lines.push(`${rate.join(", ")}; the customer agrees to the rate before the work starts`);
  for (const p of c.packages)
    lines.push(
      `- ${p.label[language]}: ${money(p.cents, c.currency)}${p.travel ? " + travel expenses" : ""}`,
    );
  if (c.travel) {
    lines.push(
      `- Travel: ${money(c.travel.kmCents, c.currency)}/km, per diem ${money(c.travel.perDiemOvernightCents, c.currency)} with overnight stay, ${money(c.travel.perDiemCents, c.currency)} without`,
    );
  }

  if (policy.contacts.length > 0) {
    lines.push("Contacts:");
    for (const contact of policy.contacts) {
      const when = contact.when === "always" ? "" : ` (${contact.when})`;
      lines.push(`- ${contact.label[language]}${contact.value ? `: ${contact.value}` : ""}${when}`);
    }
  }
  return lines.join("\n");
}

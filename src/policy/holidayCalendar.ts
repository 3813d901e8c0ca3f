/**
 * Holidays of a policy per year: explicit rules of the preset plus, optionally, a country's
 * holidays imported from the date-holidays library (which also computes Easter).
 */
import Holidays from "date-holidays";
import type { Policy } from "./schema.js";

/** How the service runs on a holiday: "closed", or the key of the service level that runs. */
export type HolidayService = string;

export interface HolidayEntry {
  key: string;
  service: HolidayService;
}

/**
 * Stable keys for the date-holidays rules of Italian national holidays, so the keys do not change
 * with the library's display names. Rules not listed fall back to a slug of the English name.
 */
const KEYS_BY_RULE: Record<string, string> = {
  "01-01": "new-year",
  "01-06": "epiphany",
  easter: "easter-sunday",
  "easter 1": "easter-monday",
  "04-25": "liberation-day",
  "05-01": "labour-day",
  "06-02": "republic-day",
  "08-15": "assumption",
  "10-04": "st-francis",
  "11-01": "all-saints",
  "12-08": "immaculate-conception",
  "12-25": "christmas",
  "12-26": "st-stephen",
};

/** ISO country codes date-holidays knows. */
export function isKnownCountry(country: string): boolean {
  return Object.hasOwn(new Holidays().getCountries(), country);
}

function slug(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function importedKey(rule: string, name: string): string {
  // date-holidays qualifies rules with validity (e.g. "10-04 since 2026"); the date part is the identity.
  const base = rule.replace(/\s+(since|prior to|in|and|#).*$/, "").trim();
  return KEYS_BY_RULE[base] ?? KEYS_BY_RULE[rule] ?? slug(name);
}

interface Calendars {
  explicit: Holidays;
  imported: Holidays | null;
  byYear: Map<number, Map<string, HolidayEntry>>;
}

const cache = new WeakMap<Policy, Calendars>();

function calendarsOf(policy: Policy): Calendars {
  let calendars = cache.get(policy);
  if (!calendars) {
    const explicit = new Holidays();
    for (const day of policy.holidays.days) {
      explicit.setHoliday(day.rule.replace(/\+/, ""), { name: day.key, type: "public" });
    }
    const source = policy.holidays.calendar;
    const imported = source ? new Holidays(source.country, { languages: ["en"], types: source.types }) : null;
    calendars = { explicit, imported, byYear: new Map() };
    cache.set(policy, calendars);
  }
  return calendars;
}

/** Holidays of `year` keyed by local date (YYYY-MM-DD). Explicit preset days win over imported ones. */
export function holidaysOfYear(policy: Policy, year: number): Map<string, HolidayEntry> {
  const calendars = calendarsOf(policy);
  let days = calendars.byYear.get(year);
  if (days) return days;
  days = new Map();
  const source = policy.holidays.calendar;
  if (calendars.imported && source) {
    for (const h of calendars.imported.getHolidays(year)) {
      if (!(source.types as string[]).includes(h.type)) continue;
      days.set(h.date.slice(0, 10), { key: importedKey(h.rule, h.name), service: source.service });
    }
  }
  const services = new Map(policy.holidays.days.map((d) => [d.key, d.service]));
  for (const h of calendars.explicit.getHolidays(year)) {
    days.set(h.date.slice(0, 10), { key: h.name, service: services.get(h.name) ?? "closed" });
  }
  calendars.byYear.set(year, days);
  return days;
}

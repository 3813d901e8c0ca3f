/**
 * Turns a message key and parameters into customer-facing text in Italian or English, from
 * `locales/<lang>.json` through i18next. Typed parameters (instants, money, categories,
 * holidays, contact lists) are formatted here, per locale and in the policy's time zone.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import i18next, { type i18n } from "i18next";
import { DateTime, Info } from "luxon";
import type { ChoiceIntent, Language, Params, ParamValue } from "../../flows/intents.js";
import { levelOpenToPlans } from "../policy/calendar.js";
import { type Policy, WEEKDAYS } from "../policy/schema.js";
import { zoneNamed } from "../policy/zone.js";
import { elideArticles, hasArticleBeforePlaceholder } from "./elision.js";
import { PlainTemplates } from "./plainTemplates.js";

export const LANGUAGES: readonly Language[] = ["it", "en"];

const localesDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../locales");

function loadLocale(language: Language): Record<string, unknown> {
  return JSON.parse(readFileSync(join(localesDir, `${language}.json`), "utf8")) as Record<string, unknown>;
}

let shared: i18n | null = null;

/** One i18next instance for the process (resources are read once, synchronously). */
export function translator(): i18n {
  if (shared) return shared;
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    lng: "it",
    fallbackLng: "en",
    resources: { it: { translation: loadLocale("it") }, en: { translation: loadLocale("en") } },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  shared = instance;
  return instance;
}

/** Formats money in integer cents for a language, e.g. "97,60 €" / "€97.60". */
export function formatMoney(cents: number, language: Language, currency = "EUR"): string {
  return new Intl.NumberFormat(language === "it" ? "it-IT" : "en-GB", { style: "currency", currency }).format(
    cents / 100,
  );
}

/**
 * Formats an instant in the policy zone, e.g. "lunedì 30 marzo alle 09:00". Given `from` (the
 * instant the text is said at), the same local day reads "oggi alle 09:00" / "today at 09:00"
 * and the next day "domani, martedì 31 marzo, alle 09:00" / "tomorrow, Tuesday 31 March, at
 * 09:00" (the date stays, so a message read later is still right about the day).
 */
export function formatWhen(iso: string, language: Language, zone: string, from?: string | Date): string {
  const tz = zoneNamed(zone);
  const dt = DateTime.fromISO(iso, { zone: tz }).setLocale(language === "it" ? "it" : "en-GB");
  const day = dt.toFormat("cccc d LLLL");
  const time = dt.toFormat("HH:mm");
  const said =
    from === undefined
      ? null
      : (typeof from === "string"
          ? DateTime.fromISO(from, { zone: tz })
          : DateTime.fromJSDate(from, { zone: tz })
        ).startOf("day");
  const days = said?.isValid ? Math.round(dt.startOf("day").diff(said, "days").days) : null;
  if (language === "it") {
    if (days === 0) return `oggi alle ${time}`;
    if (days === 1) return `domani, ${day}, alle ${time}`;
    return `${day} alle ${time}`;
  }
  if (days === 0) return `today at ${time}`;
  if (days === 1) return `tomorrow, ${day}, at ${time}`;
  return `${day} at ${time}`;
}

/**
 * Formats an instant as a date with year and time, without the weekday, for texts read later (an
 * e-mail): "8 dicembre 2026 alle 10:30" / "8 December 2026 at 10:30". After "il" the Italian
 * article elides where the day is read with a vowel ("l'8", "l'11", "l'1").
 */
export function formatDateTime(iso: string, language: Language, zone: string): string {
  const dt = DateTime.fromISO(iso, { zone: zoneNamed(zone) }).setLocale(language === "it" ? "it" : "en-GB");
  return `${dt.toFormat("d LLLL yyyy")} ${language === "it" ? "alle" : "at"} ${dt.toFormat("HH:mm")}`;
}

export interface Renderer {
  render(key: string, params: Params | undefined, language: Language): string;
  choiceLabel(choice: ChoiceIntent, language: Language): string;
  /** Whether the key exists in both locales (tests use it to catch missing strings). */
  has(key: string, language: Language): boolean;
}

/**
 * Rendered texts remembered per renderer, the least recently used forgotten first: enough for
 * every repeating text (a preset has a few hundred keys and labels), while one-off texts (a
 * greeting by name) pass through without growing the process.
 */
const RENDERED_KEPT = 256;

/**
 * What identifies a rendered text: language, key and parameters as JSON; `null` (not
 * remembered) when a parameter is a number JSON cannot tell apart (NaN, ±Infinity read "null").
 */
function renderKey(key: string, params: Params | undefined, language: Language): string | null {
  if (params === undefined) return `${language}\u0000${key}`;
  const json = JSON.stringify(params);
  // Only a text holding "null" may hide such a number (JSON.stringify's replacer, which tells
  // them apart, costs several times the plain call that most texts need).
  if (json.includes("null")) {
    let exact = true;
    JSON.stringify(params, (_name, v: unknown) => {
      if (typeof v === "number" && !Number.isFinite(v)) exact = false;
      return v;
    });
    if (!exact) return null;
  }
  return `${language}\u0000${key}\u0000${json}`;
}

export function createRenderer(policy: Policy): Renderer {
  const t = translator();
  const plain = new PlainTemplates(t);

  const contactLines = (which: string, language: Language) =>
    policy.contacts
      .filter((c) => c.value && c.kind !== "payment" && (which === "all" || c.when === which))
      .map(
        (c) =>
          `• ${c.label[language]}: ${c.value}${c.voicemail ? ` (${t.t("common.voicemail", { lng: language })})` : ""}`,
      )
      .join("\n");

  /** "• regular support: Mon–Fri 09:00–13:00, 14:30–18:30", per level open to `plans`. */
  const hoursLines = (plans: string[], language: Language) => {
    const names = Info.weekdays("short", { locale: language === "it" ? "it" : "en-GB" });
    const day = (key: string) => names[WEEKDAYS.indexOf(key as (typeof WEEKDAYS)[number])] ?? key;
    // Consecutive days read as a span ("Mon–Fri"), others as a list.
    const dayList = (keys: string[]) => {
      const idx = keys.map((k) => WEEKDAYS.indexOf(k as (typeof WEEKDAYS)[number])).sort((x, y) => x - y);
      const consecutive = idx.length > 2 && idx.every((v, i) => i === 0 || v === (idx[i - 1] ?? 0) + 1);
      const first = WEEKDAYS[idx[0] ?? 0] ?? "";
      const last = WEEKDAYS[idx[idx.length - 1] ?? 0] ?? "";
      return consecutive ? `${day(first)}–${day(last)}` : keys.map(day).join(", ");
    };
    const ranges = (list: readonly (readonly [string, string])[]) =>
      list.map(([a, b]) => `${a}–${b}`).join(", ");
    const holidayNames = (service: string) =>
      policy.holidays.days
        .filter((d) => d.service === service)
        .map((d) => t.t(`holidays.${d.key}`, { lng: language, defaultValue: d.key }));
    return policy.serviceLevels
      .filter((level) => levelOpenToPlans(level, plans))
      .map((level) => {
        const parts: string[] = [];
        if (level.holidays) {
          parts.push(`${ranges(level.ranges)} (${holidayNames(level.key).join(", ")})`);
        } else {
          const plain = level.days.filter((d) => !level.byDay[d]);
          if (plain.length) parts.push(`${dayList(plain)} ${ranges(level.ranges)}`);
          for (const [d, r] of Object.entries(level.byDay)) parts.push(`${day(d)} ${ranges(r ?? [])}`);
        }
        const only = level.audience
          ? ` — ${t.t("menu.hoursOnlyFor", { lng: language, audience: level.audience[language] })}`
          : "";
        const label = level.label[language];
        return `• ${label.charAt(0).toUpperCase()}${label.slice(1)}: ${parts.join("; ")}${only}`;
      })
      .join("\n");
  };

  const value = (v: ParamValue, language: Language): string | number | boolean | null => {
    if (v === null || typeof v !== "object") return v;
    if ("$instant" in v) return formatWhen(v.$instant, language, policy.timezone, v.from);
    if ("$dateTime" in v) return formatDateTime(v.$dateTime, language, policy.timezone);
    if ("$time" in v)
      return DateTime.fromISO(v.$time, { zone: zoneNamed(policy.timezone) }).toFormat("HH:mm");
    if ("$level" in v)
      return policy.serviceLevels.find((l) => l.key === v.$level)?.label[language] ?? v.$level;
    if ("$levelAudience" in v) {
      const level = policy.serviceLevels.find((l) => l.key === v.$levelAudience);
      return level?.audience?.[language] ?? level?.label[language] ?? v.$levelAudience;
    }
    if ("$plan" in v) return policy.plans.find((p) => p.key === v.$plan)?.label[language] ?? v.$plan;
    if ("$package" in v)
      return policy.charges.packages.find((p) => p.key === v.$package)?.label[language] ?? v.$package;
    if ("$money" in v) return formatMoney(v.$money, language, policy.charges.currency);
    if ("$category" in v)
      return policy.categories.find((c) => c.key === v.$category)?.label[language] ?? v.$category;
    if ("$holiday" in v) return t.t(`holidays.${v.$holiday}`, { lng: language, defaultValue: v.$holiday });
    if ("$hours" in v) return hoursLines(v.$hours, language);
    if ("$tickets" in v)
      return v.$tickets
        .map(
          (ticket) =>
            `• ${ticket.number} — ${t.t(`ticketStatus.${ticket.status}`, { lng: language, defaultValue: ticket.status })}`,
        )
        .join("\n");
    if ("$list" in v) return v.$list.map((line) => `• ${line}`).join("\n");
    if ("$texts" in v) return v.$texts.map((x) => renderer.render(x.key, x.params, language)).join("\n");
    if ("$localized" in v) return v.$localized.map((x) => `• ${x[language]}`).join("\n");
    if ("$contacts" in v) return contactLines(v.$contacts, language);
    return null;
  };

  /** Italian texts with no article before a placeholder (looked at once each: the locales are read once). */
  const nothingToElide = new Set<string>();
  /**
   * The Italian text of `key` when an article before a placeholder elides for its value ("il
   * {{day}}" with 8 → "l'8"); undefined otherwise (nothing to change, or not Italian).
   */
  const elided = (key: string, language: Language, values: Record<string, unknown>): string | undefined => {
    if (language !== "it" || nothingToElide.has(key)) return undefined;
    const raw: unknown = t.getResource(language, "translation", key);
    if (typeof raw !== "string" || !hasArticleBeforePlaceholder(raw)) {
      nothingToElide.add(key);
      return undefined;
    }
    const fixed = elideArticles(raw, values);
    return fixed === raw ? undefined : t.services.interpolator.interpolate(fixed, values, language, {});
  };

  // A text is a pure function of (key, params, language) for this policy and the locale files,
  // and most replies repeat (menus, questions, choice labels): rendered texts are remembered.
  const rendered = new Map<string, string>();

  const renderer: Renderer = {
    render(key, params, language) {
      const memoKey = renderKey(key, params, language);
      const known = memoKey === null ? undefined : rendered.get(memoKey);
      if (known !== undefined) {
        // Most recently used last: texts that keep coming back are the ones kept.
        rendered.delete(memoKey!);
        rendered.set(memoKey!, known);
        return known;
      }
      const values: Record<string, unknown> = { company: policy.company };
      for (const [name, v] of Object.entries(params ?? {})) values[name] = value(v, language);
      const text =
        elided(key, language, values) ??
        plain.fill(key, language, values) ??
        t.t(key, { ...values, lng: language });
      if (memoKey !== null) {
        if (rendered.size >= RENDERED_KEPT) rendered.delete(rendered.keys().next().value!);
        rendered.set(memoKey, text);
      }
      return text;
    },
    choiceLabel(choice, language) {
      if (choice.text) return choice.text;
      if (choice.key?.startsWith("category:")) {
        const key = choice.key.slice("category:".length);
        return policy.categories.find((c) => c.key === key)?.label[language] ?? key;
      }
      return choice.key ? this.render(choice.key, choice.params, language) : choice.id;
    },
    has(key, language) {
      return t.exists(key, { lng: language, fallbackLng: [] });
    },
  };
  return renderer;
}

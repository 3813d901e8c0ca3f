import { readFileSync } from "node:fs";
import i18next, { type i18n } from "i18next";

/** Renders the adapter's own customer-facing lines (key under `telegram.`) in a language. */
export type TelegramTranslate = (
  key: string,
  language: string | undefined,
  values?: Record<string, string>,
) => string;

const SUPPORTED = ["it", "en"] as const;

/**
 * Default translator over `locales/it.json` and `locales/en.json` (i18next). Telegram's
 * `language_code` is an IETF tag (`it`, `en-GB`…): only the base language is used, and anything
 * else falls back to `fallbackLanguage`.
 */
export function createTelegramTranslate(fallbackLanguage: "it" | "en" = "it"): TelegramTranslate {
  let instance: i18n | undefined;
  const load = (): i18n => {
    if (instance) return instance;
    const resources = Object.fromEntries(
      SUPPORTED.map((language) => [language, { translation: readLocale(language) }]),
    );
    const created = i18next.createInstance();
    // With inline resources and initAsync off, init completes synchronously.
    void created.init({
      resources,
      lng: fallbackLanguage,
      fallbackLng: fallbackLanguage,
      supportedLngs: [...SUPPORTED],
      initAsync: false,
      interpolation: { escapeValue: false },
    });
    instance = created;
    return created;
  };
  return (key, language, values = {}) => {
    const base = language?.toLowerCase().split(/[-_]/)[0];
    const lng = SUPPORTED.find((candidate) => candidate === base) ?? fallbackLanguage;
    return load().t(`telegram.${key}`, { lng, ...values });
  };
}

function readLocale(language: string): Record<string, unknown> {
  const url = new URL(`../../../locales/${language}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown>;
}

/**
 * Built-in keyword rules for the standard category keys, in the syntax {@link classify} reads
 * (see src/ai/classifier.ts), kept as data in `locales/understanding/categoryKeywords.yaml`: read
 * and validated once when this module loads (a broken file names the entry that is wrong).
 * Presets may list their own `keywords:`; {@link withDefaultKeywords} adds these to categories
 * that have none, so a preset without keywords still classifies.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { cachedYaml } from "../policy/yamlCache.js";
import { UnderstandingDataError } from "../understanding/understandingDataError.js";
import type { ClassifierCategory } from "./classifier.js";

/** Keyword rules of one category, per language. */
export interface CategoryKeywords {
  it: readonly string[];
  en: readonly string[];
}

const Rules = z.array(z.string().trim().min(1));
const KeywordsFile = z.strictObject({
  categories: z.record(z.string().regex(/^[a-z0-9-]+$/), z.strictObject({ it: Rules, en: Rules })),
});

const FILE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../locales/understanding/categoryKeywords.yaml",
);

/** Reads and validates the built-in keyword rules (default: the bundled file). */
export function loadDefaultKeywords(path = FILE): Readonly<Record<string, CategoryKeywords>> {
  let raw: unknown;
  try {
    const text = readFileSync(path, "utf8");
    raw = cachedYaml(text, () => parse(text));
  } catch (error) {
    throw new UnderstandingDataError(`${path}: ${(error as Error).message}`, { cause: error });
  }
  const result = KeywordsFile.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new UnderstandingDataError(`${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return result.data.categories;
}

/** Keyword rules per category key and language. */
export const DEFAULT_KEYWORDS: Readonly<Record<string, CategoryKeywords>> = loadDefaultKeywords();

/**
 * Returns the categories with {@link DEFAULT_KEYWORDS} filled in for those that list no keywords
 * of their own; categories that do list keywords keep exactly theirs.
 */
export function withDefaultKeywords<C extends ClassifierCategory>(categories: readonly C[]): C[] {
  return categories.map((category) => {
    const own = (category.keywords?.it?.length ?? 0) + (category.keywords?.en?.length ?? 0);
    const defaults = DEFAULT_KEYWORDS[category.key];
    if (own > 0 || !defaults) return category;
    return { ...category, keywords: { it: [...defaults.it], en: [...defaults.en] } };
  });
}

/** The standard category keys, in the order presets list them, with the built-in rules. */
export const DEFAULT_CATEGORIES: readonly ClassifierCategory[] = Object.entries(DEFAULT_KEYWORDS).map(
  ([key, keywords]) => ({ key, keywords }),
);

/**
 * The offline problem classifier: keyword and phrase rules per category, Italian and English.
 * Always available (no network, no key), deterministic and pure; it is the fallback whenever the
 * AI is off, over its cap, slow or wrong, and the suggestion the customer confirms otherwise.
 *
 * Rule syntax (the same strings a policy preset lists under `keywords: { it: [...], en: [...] }`):
 * - `"non si accende"`: a phrase; it matches whole words (accents, case and punctuation ignored),
 *   allowing at most one extra word between its words ("non *mi* si accende").
 * - `"stamp*"`: a trailing `*` matches any word starting with the stem.
 * - `"virus^2"`: a trailing `^N` sets the rule's weight (default: grows with the phrase length,
 *   so a precise phrase outweighs a generic word).
 * Words of six letters or more also match with one typo ("stampnte" → "stampante").
 */

/** A category as the classifier needs it: a stable key and its keyword rules per language. */
export interface ClassifierCategory {
  key: string;
  keywords?: { it?: readonly string[]; en?: readonly string[] };
}

/** The outcome: the best category key, a 0..1 confidence and the raw score of every category. */
export interface Classification {
  category: string;
  confidence: number;
  scores: Record<string, number>;
}

/** Key used when nothing matches well enough (when the preset has it). */
export const FALLBACK_CATEGORY = "other";

/** Below this score a match is too weak to name a category; the fallback is chosen instead. */
export const MIN_SCORE = 0.75;

import { CodedError } from "../errors.js";
import { compileRule, findRule, initialsMask, type Rule, wordsOf } from "./textRules.js";

export { detectLanguage, guessBlocking, saysNotUrgent, saysUrgent } from "./languageCues.js";
export {
  compileRule,
  findRule,
  matchRule,
  normalizeText,
  type Rule,
  type RuleMatch,
  tokenize,
  withinOneEdit,
} from "./textRules.js";

const NO_KEYWORDS: readonly string[] = [];

/**
 * Compiled rules per keyword lists (Italian list, then English list), kept as long as the lists
 * live: a preset's categories are classified on every triage, their rules compiled once. Keyword
 * lists are never edited in place (policies are replaced, not mutated).
 */
const rulesCache = new WeakMap<readonly string[], WeakMap<readonly string[], CategoryRules>>();

/** A category's rules in scoring order, with the initials each rule's words need. */
interface CategoryRules {
  rules: Rule[];
  /** Per rule, the {@link initialsMask} of its words. */
  needs: number[];
}

function rulesOf(category: ClassifierCategory): CategoryRules {
  const it = category.keywords?.it ?? NO_KEYWORDS;
  const en = category.keywords?.en ?? NO_KEYWORDS;
  let byEn = rulesCache.get(it);
  if (!byEn) {
    byEn = new WeakMap();
    rulesCache.set(it, byEn);
  }
  let rules = byEn.get(en);
  if (!rules) {
    rules = compileRules(it, en);
    byEn.set(en, rules);
  }
  return rules;
}

function compileRules(it: readonly string[], en: readonly string[]): CategoryRules {
  const sources = [...it, ...en];
  const seen = new Set<string>();
  const rules: Rule[] = [];
  for (const source of sources) {
    const rule = compileRule(source);
    if (!rule) continue;
    const id = rule.tokens.map((t) => (t.prefix ? `${t.word}*` : t.word)).join(" ");
    if (seen.has(id)) continue; // the same word listed in both languages counts once
    seen.add(id);
    rules.push(rule);
  }
  rules.sort((a, b) => b.tokens.length - a.tokens.length || b.weight - a.weight);
  return { rules, needs: rules.map((rule) => initialsMask(rule.tokens.map((t) => t.word))) };
}

/**
 * Scores `text` against every category's rules and returns the best one. Each rule counts at
 * most once. Ties go to the category listed first; a best score under {@link MIN_SCORE} yields
 * `other` (or, for a preset without `other`, the last listed category) with confidence 0.
 */
export function classify(text: string, categories: readonly ClassifierCategory[]): Classification {
  if (categories.length === 0)
    throw new ClassifierError("no-categories", "classify needs at least one category");
  const words = wordsOf(text);
  const has = initialsMask(words);
  const scores: Record<string, number> = {};
  for (const category of categories) {
    let score = 0;
    // A word already explained by a longer or heavier rule of the same category does not count
    // again ("sigillo" and its variant "sigilli", "non si accende" inside "non si accende più").
    const used = new Set<number>();
    const { rules, needs } = rulesOf(category);
    for (let i = 0; i < rules.length; i++) {
      if ((needs[i]! & ~has) !== 0) continue;
      const rule = rules[i]!;
      const found = findRule(rule, words);
      if (!found || found.positions.every((p) => used.has(p))) continue;
      for (const p of found.positions) used.add(p);
      score += rule.weight * found.strength;
    }
    scores[category.key] = Math.round(score * 100) / 100;
  }
  let bestKey: string | undefined;
  let best = 0;
  let second = 0;
  for (const category of categories) {
    const score = scores[category.key] ?? 0;
    if (score > best) {
      second = best;
      best = score;
      bestKey = category.key;
    } else if (score > second) {
      second = score;
    }
  }
  if (bestKey === undefined || best < MIN_SCORE) {
    const fallback =
      categories.find((c) => c.key === FALLBACK_CATEGORY) ?? categories[categories.length - 1]!;
    return { category: fallback.key, confidence: 0, scores };
  }
  const strength = 1 - Math.exp(-best / 2);
  const margin = (best - second) / best;
  const confidence = Math.round(strength * (0.4 + 0.6 * margin) * 100) / 100;
  return { category: bestKey, confidence, scores };
}

export type ClassifierErrorCode = "no-categories";

/** Error with a stable code from the classifier. */
export class ClassifierError extends CodedError<ClassifierErrorCode> {}

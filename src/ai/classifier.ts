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

// One triage reads the same description several times (category, blocking, urgency, language,
// injection): the last text's normal form and words are kept.
let lastNormalized: { text: string; normalized: string } | null = null;
let lastWords: { text: string; words: readonly string[] } | null = null;

/** Accent-, case- and punctuation-insensitive form of a text: lowercase ASCII-ish words and digits. */
export function normalizeText(text: string): string {
  if (lastNormalized?.text === text) return lastNormalized.normalized;
  const normalized = text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}*^.]+/gu, " ")
    .replace(/(?<!\d)\.|\.(?!\d)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  lastNormalized = { text, normalized };
  return normalized;
}

/** The normalized words of a text (shared: callers only read them). */
function wordsOf(text: string): readonly string[] {
  if (lastWords?.text === text) return lastWords.words;
  const normalized = normalizeText(text).replace(/[*^]/g, " ");
  const words = normalized.length === 0 ? [] : normalized.split(" ").filter((t) => t.length > 0);
  lastWords = { text, words };
  return words;
}

/** Splits a text into normalized words. */
export function tokenize(text: string): string[] {
  return [...wordsOf(text)];
}

interface RuleToken {
  word: string;
  prefix: boolean;
}

/** A compiled keyword rule. */
export interface Rule {
  source: string;
  tokens: RuleToken[];
  weight: number;
}

const compiledCache = new Map<string, Rule | null>();

/** Compiles one keyword string; `null` for an empty or unusable rule. */
export function compileRule(source: string): Rule | null {
  const cached = compiledCache.get(source);
  if (cached !== undefined) return cached;
  let text = source.trim();
  let weight: number | undefined;
  const weightMatch = /\^(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (weightMatch) {
    weight = Number(weightMatch[1]);
    text = text.slice(0, weightMatch.index);
  }
  const words = normalizeText(text)
    .replace(/\^/g, " ")
    .split(" ")
    .filter((w) => w.length > 0 && w !== "*");
  const tokens: RuleToken[] = words.map((w) =>
    w.endsWith("*")
      ? { word: w.replace(/\*+$/, ""), prefix: true }
      : { word: w.replace(/\*/g, ""), prefix: false },
  );
  const rule =
    tokens.length === 0 || tokens.some((t) => t.word.length === 0)
      ? null
      : { source, tokens, weight: weight ?? 1 + 0.75 * (Math.min(tokens.length, 4) - 1) };
  compiledCache.set(source, rule);
  return rule;
}

/** True when `a` and `b` differ by at most one insertion, deletion, substitution or adjacent swap. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  if (la === lb) {
    let first = -1;
    let diffs = 0;
    for (let i = 0; i < la; i++) {
      if (a[i] !== b[i]) {
        diffs++;
        if (first < 0) first = i;
        if (diffs > 2) return false;
      }
    }
    if (diffs <= 1) return true;
    // one adjacent transposition ("stmapante")
    return diffs === 2 && a[first] === b[first + 1] && a[first + 1] === b[first] && first + 1 < la;
  }
  const [short, long] = la < lb ? [a, b] : [b, a];
  let i = 0;
  let j = 0;
  let skipped = false;
  while (i < short.length && j < long.length) {
    if (short[i] === long[j]) {
      i++;
      j++;
    } else {
      if (skipped) return false;
      skipped = true;
      j++;
    }
  }
  return true;
}

const FUZZY_MIN_LENGTH = 6;

/** How well one text word matches one rule word: 1 exact, 0.8 typo, 0 no match. */
function tokenMatch(rule: RuleToken, word: string): number {
  if (rule.prefix) return word.startsWith(rule.word) ? 1 : 0;
  if (word === rule.word) return 1;
  if (
    rule.word.length >= FUZZY_MIN_LENGTH &&
    word.length >= FUZZY_MIN_LENGTH &&
    word[0] === rule.word[0] &&
    withinOneEdit(word, rule.word)
  ) {
    return 0.8;
  }
  return 0;
}

/** Where and how well a rule matched: strength 0..1 and the indexes of the words it used. */
export interface RuleMatch {
  strength: number;
  positions: number[];
}

/** Best match of a rule anywhere in the words, allowing one extra word between rule words; `null` if none. */
export function findRule(rule: Rule, words: readonly string[]): RuleMatch | null {
  let best: RuleMatch | null = null;
  const head = rule.tokens[0];
  if (!head) return null;
  for (let start = 0; start < words.length; start++) {
    const first = tokenMatch(head, words[start]!);
    if (first === 0) continue;
    const found = matchRest(rule.tokens, 1, words, start + 1, { strength: first, positions: [start] });
    if (found && (!best || found.strength > best.strength)) best = found;
    if (best?.strength === 1) break;
  }
  return best;
}

/** Best match strength (0..1) of a rule anywhere in the words. */
export function matchRule(rule: Rule, words: readonly string[]): number {
  return findRule(rule, words)?.strength ?? 0;
}

/** Matches `tokens` from index `next` on at word `at` (or one word later), after `sofar`. */
function matchRest(
  tokens: readonly RuleToken[],
  next: number,
  words: readonly string[],
  at: number,
  sofar: RuleMatch,
): RuleMatch | null {
  const token = tokens[next];
  if (!token) return sofar;
  let best: RuleMatch | null = null;
  for (let gap = 0; gap <= 1; gap++) {
    const index = at + gap;
    if (index >= words.length) break;
    const m = tokenMatch(token, words[index]!);
    if (m === 0) continue;
    const found = matchRest(tokens, next + 1, words, index + 1, {
      strength: sofar.strength * m * (gap === 0 ? 1 : 0.9),
      positions: [...sofar.positions, index],
    });
    if (found && (!best || found.strength > best.strength)) best = found;
  }
  return best;
}

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

/**
 * The first letters of some words as bits: one per letter a–z, one for all digits, one for any
 * other letter. Every kind of token match (exact, prefix, typo) needs the same first letter, so
 * a rule needing a bit the text lacks cannot match (shared bits only make that test coarser).
 */
function initialsMask(words: Iterable<string>): number {
  let mask = 0;
  for (const word of words) {
    const code = word.charCodeAt(0) - 97;
    if (code >= 0 && code < 26) mask |= 1 << code;
    else if (code >= -49 && code <= -40) mask |= 1 << 26;
    else mask |= 1 << 27;
  }
  return mask;
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

const IT_STOP = new Set([
  "il",
  "lo",
  "la",
  "le",
  "gli",
  "un",
  "una",
  "di",
  "del",
  "della",
  "dei",
  "delle",
  "che",
  "non",
  "per",
  "con",
  "sono",
  "ho",
  "ha",
  "mi",
  "si",
  "ci",
  "ma",
  "anche",
  "piu",
  "come",
  "quando",
  "questo",
  "questa",
  "nel",
  "nella",
  "sul",
  "sulla",
  "al",
  "alla",
  "da",
  "dal",
  "dalla",
  "buongiorno",
  "salve",
  "grazie",
  "riesco",
  "funziona",
  "perche",
  "ancora",
  "abbiamo",
  "nostro",
  "nostra",
  "io",
  "ed",
  "oggi",
  "ieri",
]);

const EN_STOP = new Set([
  "the",
  "is",
  "are",
  "a",
  "an",
  "of",
  "to",
  "and",
  "it",
  "my",
  "our",
  "we",
  "i",
  "you",
  "not",
  "with",
  "for",
  "on",
  "in",
  "this",
  "that",
  "can",
  "cannot",
  "doesn",
  "don",
  "isn",
  "won",
  "didn",
  "does",
  "do",
  "have",
  "has",
  "when",
  "since",
  "after",
  "hello",
  "hi",
  "thanks",
  "please",
  "any",
  "what",
  "how",
  "from",
  "but",
  "anymore",
  "again",
  "there",
  "be",
  "was",
  "yesterday",
  "today",
]);

/**
 * Guesses whether a text is Italian or English from common short words; `null` when the text
 * is too short or the evidence is even.
 */
export function detectLanguage(text: string): "it" | "en" | null {
  let it = 0;
  let en = 0;
  for (const word of wordsOf(text)) {
    if (IT_STOP.has(word)) it++;
    if (EN_STOP.has(word)) en++;
  }
  if (it === en) return null;
  if (it > en) return it >= 1 ? "it" : null;
  return en >= 1 ? "en" : null;
}

const BLOCKING_RULES = [
  "non posso lavorare",
  "non riesco a lavorare",
  "non riusciamo a lavorare",
  "impossibile lavorare",
  "non posso vendere",
  "non riesco a vendere",
  "non riusciamo a vendere",
  "non possiamo lavorare",
  "non possiamo vendere",
  "non posso fare scontrini",
  "non riesco a fare scontrini",
  "non possiamo battere",
  "bloccat*",
  "blocca tutto",
  "cassa ferma",
  "casse ferme",
  "cassa bloccata",
  "tutto fermo",
  "siamo fermi",
  "negozio fermo",
  "fermo totale",
  "non funziona niente",
  "non funziona nulla",
  "non va niente",
  "can t work",
  "cant work",
  "cannot work",
  "unable to work",
  "can t sell",
  "cannot sell",
  "unable to sell",
  "down",
  "blocked",
  "stuck",
  "nothing works",
  "completely stopped",
  "standstill",
  "locked out",
].map((s) => compileRule(s)!);

const NOT_URGENT_RULES = ["non urgente", "non e urgente", "not urgent", "no rush", "no hurry"].map(
  (s) => compileRule(s)!,
);

/**
 * Whether the customer says they cannot work (cash desk stopped, can't sell, "down"…). Saying
 * "urgent" is not enough: that is urgency ({@link saysUrgent}), not a stoppage.
 */
export function guessBlocking(text: string): boolean {
  const words = wordsOf(text);
  return BLOCKING_RULES.some((rule) => exact(rule, words));
}

/** Whether the customer explicitly says there is no hurry. */
export function saysNotUrgent(text: string): boolean {
  const words = wordsOf(text);
  return NOT_URGENT_RULES.some((rule) => matchRule(rule, words) >= 0.8);
}

/** Whether the customer explicitly says it is urgent or an emergency. */
export function saysUrgent(text: string): boolean {
  if (saysNotUrgent(text)) return false;
  const words = wordsOf(text);
  return ["urgente", "urgentissimo", "emergenza", "urgent", "emergency", "asap"].some((w) =>
    words.includes(w),
  );
}

// Blocking words are short and common: only exact (non-typo, no-gap-penalty) matches count.
function exact(rule: Rule, words: readonly string[]): boolean {
  return matchRule(rule, words) >= 0.9;
}

/** Error with a stable code from the classifier. */
export class ClassifierError extends Error {
  constructor(
    readonly code: "no-categories",
    message: string,
  ) {
    super(message);
    this.name = "ClassifierError";
  }
}

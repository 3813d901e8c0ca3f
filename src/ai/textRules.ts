/**
 * The classifier's text rules: normalising a text into words, compiling a keyword rule (phrases,
 * `stem*` prefixes, `^N` weights) and matching it with at most one extra word between its words and
 * one typo in words of six letters or more. Pure; the syntax is described in classifier.ts.
 */

import { expandShortForms } from "../understanding/shortForms.js";

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

/**
 * The normalized words of a text (shared: callers only read them), chat shortenings read as the
 * words they stand for ("nn va" → "non va"; see locales/understanding/shortForms.yaml) and
 * letters stretched for emphasis typed once ("nooo" → "no").
 */
export function wordsOf(text: string): readonly string[] {
  if (lastWords?.text === text) return lastWords.words;
  // A letter typed three times or more is one ("nooo", "siiii", "grazieeee").
  const normalized = normalizeText(text)
    .replace(/[*^]/g, " ")
    .replace(/(\p{L})\1{2,}/gu, "$1");
  const words = expandShortForms(
    normalized.length === 0 ? [] : normalized.split(" ").filter((t) => t.length > 0),
  );
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

/**
 * The first letters of some words as bits: one per letter a–z, one for all digits, one for any
 * other letter. Every kind of token match (exact, prefix, typo) needs the same first letter, so
 * a rule needing a bit the text lacks cannot match (shared bits only make that test coarser).
 */
export function initialsMask(words: Iterable<string>): number {
  let mask = 0;
  for (const word of words) {
    const code = word.charCodeAt(0) - 97;
    if (code >= 0 && code < 26) mask |= 1 << code;
    else if (code >= -49 && code <= -40) mask |= 1 << 26;
    else mask |= 1 << 27;
  }
  return mask;
}

const ruleNeeds = new WeakMap<Rule, number>();

/** The {@link initialsMask} of a rule's words (kept per rule): a text lacking one of them cannot match it. */
export function initialsNeeded(rule: Rule): number {
  let needs = ruleNeeds.get(rule);
  if (needs === undefined) {
    needs = initialsMask(rule.tokens.map((t) => t.word));
    ruleNeeds.set(rule, needs);
  }
  return needs;
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

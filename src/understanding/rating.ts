/**
 * Understanding a rating from 1 to 5 as customers type it: a digit ("5", "4/5", "voto 4",
 * "ottimo servizio, 5"), a number in words ("cinque stelle", "five stars"), stars ("⭐⭐⭐⭐"),
 * words alone ("eccellente", "pessimo") or a face (😍, 😡). What else the message says is kept as
 * the comment. Two different scores ("4 o 5") or one out of range ("7") are ambiguous. Pure.
 */
import { findRule, wordsOf } from "../ai/textRules.js";
import { type Lexicon, lexicon as sharedLexicon } from "./lexicon.js";
import type { UnderstoodRating } from "./types.js";

/** "10/10", "10 su 10" → the top score; "x/5", "x su 5" → x. */
const OUT_OF = /(\d{1,2})\s*(?:\/|su|out of|di)\s*(\d{1,2})\b/giu;
const DIGITS = /(?<![\d.,])(\d{1,2})(?:[.,](\d))?(?![\d])/gu;

function clamp(score: number, outOf: number): number | null {
  if (outOf === 5) return score >= 1 && score <= 5 ? score : null;
  if (outOf === 10) return score >= 1 && score <= 10 ? Math.max(1, Math.round(score / 2)) : null;
  return null;
}

/** The comment: the message without the score itself, or null when nothing else was said. */
function commentOf(text: string, remove: RegExp[], lex: Lexicon): string | null {
  let rest = text;
  for (const pattern of remove) rest = rest.replace(pattern, " ");
  for (const star of lex.symbols.stars) rest = rest.split(star).join(" ");
  const words = wordsOf(rest).filter(
    (w) => !lex.fillers.has(w) && !lex.ratingUnits.some((u) => u.tokens[0]?.word === w),
  );
  if (words.length === 0) return null;
  const cleaned = rest
    .replace(/\s+/g, " ")
    .replace(/^[\s,.;:!\-–]+|[\s,;:\-–]+$/g, "")
    .trim();
  return cleaned === "" ? null : cleaned.slice(0, 2000);
}

const removalCache = new WeakMap<Lexicon, RegExp[]>();

/** What is taken out of a rated message to leave its comment: the score, number words, units. */
function removals(lex: Lexicon): RegExp[] {
  let cached = removalCache.get(lex);
  if (!cached) {
    const unitWords = lex.ratingUnits.map((u) => u.tokens.map((t) => t.word).join(" "));
    const words = [...lex.numbers.keys(), ...unitWords].map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    cached = [OUT_OF, DIGITS, new RegExp(`(?<!\\p{L})(?:${words.join("|")})(?!\\p{L})`, "giu")];
    removalCache.set(lex, cached);
  }
  return cached;
}

/** What a typed rating means (see the module's doc). */
export function understandRating(text: string, lex: Lexicon = sharedLexicon()): UnderstoodRating {
  const trimmed = text.trim();
  if (trimmed === "") return { kind: "not-understood" };
  const scores = new Set<number>();
  let outOfRange = false;

  // "4/5", "8 su 10"
  for (const m of trimmed.matchAll(OUT_OF)) {
    const score = clamp(Number(m[1]), Number(m[2]));
    if (score === null) outOfRange = true;
    else scores.add(score);
  }
  const withoutOutOf = trimmed.replace(OUT_OF, " ");
  for (const m of withoutOutOf.matchAll(DIGITS)) {
    const n = Number(m[1]);
    if (m[2] !== undefined)
      outOfRange = true; // "4,5": between two scores
    else if (n >= 1 && n <= 5) scores.add(n);
    else outOfRange = true;
  }
  const stars = [...trimmed].filter((c) => lex.symbols.stars.includes(c)).length;
  if (stars > 0) {
    if (stars <= 5) scores.add(stars);
    else outOfRange = true;
  }
  const words = wordsOf(trimmed);
  for (const word of words) {
    const n = lex.numbers.get(word);
    if (n === undefined) continue;
    // "uno"/"un"/"una" are articles too: a number word counts only beside a unit or alone.
    const alone = words.length === 1;
    const i = words.indexOf(word);
    const beforeUnit = lex.ratingUnits.some((u) => findRule(u, words.slice(i + 1, i + 3)) !== null);
    if (!alone && !beforeUnit) continue;
    if (n >= 1 && n <= 5) scores.add(n);
    else outOfRange = true;
  }
  const remove = removals(lex);

  if (scores.size === 1 && !outOfRange) {
    const rating = [...scores][0]!;
    return { kind: "rating", rating, comment: commentOf(trimmed, remove, lex) };
  }
  if (scores.size > 1 || outOfRange) return { kind: "ambiguous" };

  // No number: words ("eccellente") or faces (😍). Different scores in one message are ambiguous.
  const worded = new Set<number>();
  let best: { score: number; strength: number } | null = null;
  for (const { score, rule } of lex.ratingWords) {
    const match = findRule(rule, words);
    if (!match) continue;
    const strength = match.strength * rule.weight;
    if (!best || strength > best.strength) best = { score, strength };
    worded.add(score);
  }
  for (const { score, symbol } of lex.symbols.faces) {
    if (trimmed.includes(symbol)) worded.add(score);
  }
  if (worded.size === 0) return { kind: "not-understood" };
  const spread = Math.max(...worded) - Math.min(...worded);
  if (spread > 1) return { kind: "ambiguous" };
  const rating = best?.score ?? [...worded][0]!;
  return { kind: "rating", rating, comment: trimmed.slice(0, 2000) };
}

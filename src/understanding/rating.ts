/**
 * Understanding a rating from 1 to 5 as customers type it: a digit ("5", "4/5", "voto 4",
 * "ottimo servizio, 5"), a number in words ("cinque stelle", "un cinque pieno", "five stars"),
 * stars ("⭐⭐⭐⭐"), words alone ("eccellente", "pessimo") or a face (😍, 😡). What else the message
 * says is kept as the comment. Two different scores ("4 o 5"), one off the scale ("7", "8/10") or
 * a lukewarm word alone ("abbastanza bene", "it was ok") are ambiguous: the customer is asked
 * again rather than guessed for. Pure.
 */
import { findRule, wordsOf } from "../ai/textRules.js";
import { type Lexicon, lexicon as sharedLexicon } from "./lexicon.js";
import type { UnderstoodRating } from "./types.js";

/** "4/5", "4 su 5", "4 out of 5": a score and its scale. */
const OUT_OF = /(\d{1,2})\s*(?:\/|su|out of)\s*(\d{1,2})\b/giu;
/** A number written with digits ("4", "4,5"). */
const DIGITS = /(?<![\d.,/])(\d{1,2})(?:[.,](\d))?(?![\d/])/gu;
/** Number words that are articles too ("un cinque pieno"): counted only alone or before a unit. */
const ARTICLES = new Set(["un", "una", "uno", "one", "a"]);

/** A part of the message that gave the score (taken out of the comment). */
interface Span {
  from: number;
  to: number;
}

/** The comment: the message without the parts that gave the score, or null when nothing else was said. */
function commentOf(text: string, spans: Span[], lex: Lexicon): string | null {
  let rest = "";
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.from - b.from)) {
    if (span.from < at) continue;
    rest += `${text.slice(at, span.from)} `;
    at = span.to;
  }
  rest += text.slice(at);
  for (const star of lex.symbols.stars) rest = rest.split(star).join(" ");
  const words = wordsOf(rest).filter((w) => !lex.fillers.has(w) && !unitWords(lex).has(w));
  if (words.length === 0) return null;
  const cleaned = rest
    .replace(/\s+/g, " ")
    .replace(/\s+([,.;:!?])/g, "$1")
    .replace(/^[\s,.;:!\-–]+|[\s,;:\-–]+$/g, "")
    .trim();
  return cleaned === "" ? null : cleaned.slice(0, 2000);
}

const unitCache = new WeakMap<Lexicon, Set<string>>();
function unitWords(lex: Lexicon): Set<string> {
  let cached = unitCache.get(lex);
  if (!cached) {
    // Single words only: "su cinque" must not make "cinque" a unit.
    cached = new Set(lex.ratingUnits.filter((u) => u.tokens.length === 1).map((u) => u.tokens[0]!.word));
    unitCache.set(lex, cached);
  }
  return cached;
}

/** Where each word of `text` starts and ends (same words as {@link wordsOf} gives, in order). */
function wordSpans(text: string): { word: string; span: Span }[] {
  const out: { word: string; span: Span }[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}']+/gu)) {
    for (const word of wordsOf(m[0])) out.push({ word, span: { from: m.index, to: m.index + m[0].length } });
  }
  return out;
}

/** What a typed rating means (see the module's doc). */
export function understandRating(text: string, lex: Lexicon = sharedLexicon()): UnderstoodRating {
  const trimmed = text.trim();
  if (trimmed === "") return { kind: "not-understood" };
  const scores = new Set<number>();
  const spans: Span[] = [];
  let offScale = false;
  const units = unitWords(lex);
  const words = wordSpans(trimmed);
  /** A unit word right after a span ("4 stelle") goes with it. */
  const withUnit = (span: Span): Span => {
    const next = words.find((w) => w.span.from >= span.to);
    return next && units.has(next.word) ? { from: span.from, to: next.span.to } : span;
  };

  // Digits: "4/5", "8 su 10", "5", "4,5".
  for (const m of trimmed.matchAll(OUT_OF)) {
    const [score, scale] = [Number(m[1]), Number(m[2])];
    if (scale === 5 && score >= 1 && score <= 5) scores.add(score);
    else offScale = true;
    spans.push({ from: m.index, to: m.index + m[0].length });
  }
  const masked = trimmed.replace(OUT_OF, (x) => " ".repeat(x.length));
  for (const m of masked.matchAll(DIGITS)) {
    const n = Number(m[1]);
    if (m[2] !== undefined || n < 1 || n > 5) offScale = true;
    else scores.add(n);
    spans.push(withUnit({ from: m.index, to: m.index + m[0].length }));
  }
  // Stars.
  const stars = [...trimmed].filter((c) => lex.symbols.stars.includes(c)).length;
  if (stars > 0) {
    if (stars <= 5) scores.add(stars);
    else offScale = true;
  }
  // Numbers in words, only when no digit gave a score ("3. ci avete messo due giorni" is a 3).
  if (scores.size === 0 && !offScale) {
    words.forEach(({ word, span }, i) => {
      const n = lex.numbers.get(word);
      if (n === undefined) return;
      const nextIsUnit = units.has(words[i + 1]?.word ?? "");
      if (ARTICLES.has(word) && words.length > 1 && !nextIsUnit) return;
      if (n >= 1 && n <= 5) scores.add(n);
      else offScale = true;
      spans.push(withUnit(span));
    });
  }

  if (scores.size === 1 && !offScale) {
    return { kind: "rating", rating: [...scores][0]!, comment: commentOf(trimmed, spans, lex) };
  }
  if (scores.size > 1 || offScale) return { kind: "ambiguous" };

  // No number: words ("eccellente") or faces (😍). Scores far apart, or a lukewarm word, are ambiguous.
  const plain = words.map((w) => w.word);
  if (lex.ratingUnsure.some((rule) => findRule(rule, plain) !== null)) return { kind: "ambiguous" };
  const worded = new Set<number>();
  let best: { score: number; strength: number } | null = null;
  for (const { score, rule } of lex.ratingWords) {
    const match = findRule(rule, plain);
    if (!match) continue;
    const strength = match.strength * rule.weight;
    if (!best || strength > best.strength) best = { score, strength };
    worded.add(score);
  }
  for (const { score, symbol } of lex.symbols.faces) {
    if (trimmed.includes(symbol)) worded.add(score);
  }
  if (worded.size === 0) return { kind: "not-understood" };
  if (Math.max(...worded) - Math.min(...worded) > 1) return { kind: "ambiguous" };
  const rating = best?.score ?? [...worded][0]!;
  return { kind: "rating", rating, comment: trimmed.slice(0, 2000) };
}

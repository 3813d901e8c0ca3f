/**
 * Word stems in Italian and English (nlp.js's Snowball stemmers), so "stampante" meets
 * "Stampanti", "periferica" meets "periferiche" and "printer" meets "Printers". Each word is
 * stemmed for both languages: a customer may mix them.
 */
import { StemmerEn } from "@nlpjs/lang-en";
import { StemmerIt } from "@nlpjs/lang-it";
import { wordsOf } from "../ai/textRules.js";
import type { Lexicon } from "./lexicon.js";

const it = new StemmerIt();
const en = new StemmerEn();

/** Stems of a word in both languages (one when they agree). */
export function stemsOf(word: string): string[] {
  if (/^\d+$/.test(word)) return [word];
  const a = it.stemWord(word);
  const b = en.stemWord(word);
  return a === b ? [a] : [a, b];
}

/** A text's words as stems: `stems[i]` are the stems of word i. */
export interface Stemmed {
  stems: string[][];
  /** The stems of the words that carry meaning (no fillers, no digits-only or 1–2 letter words). */
  significant: string[];
}

/** The stems of `words` (the answer's words, indexes kept). */
export function stemmed(words: readonly string[]): Stemmed {
  const stems = words.map(stemsOf);
  return { stems, significant: [] };
}

const labelCache = new Map<string, Stemmed>();

/** The stems of an option's label, its meaningful words only (cached: labels repeat). */
export function labelStems(label: string, lex: Lexicon): Stemmed {
  let cached = labelCache.get(label);
  if (!cached) {
    const words = wordsOf(label).filter((w) => w.length >= 2 && !/^\d+$/.test(w) && !lex.fillers.has(w));
    cached = { stems: words.map(stemsOf), significant: words.map((w) => it.stemWord(w)) };
    if (labelCache.size > 5000) labelCache.clear();
    labelCache.set(label, cached);
  }
  return cached;
}

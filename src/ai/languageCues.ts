/**
 * What a text says besides its category: its language (from common short words), whether the
 * customer cannot work (blocking), and whether they call it urgent or explicitly not urgent.
 */
import { compileRule, matchRule, type Rule, wordsOf } from "./textRules.js";

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

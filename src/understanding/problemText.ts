/**
 * Whether a typed answer reads as a description of a fault rather than the answer asked for: a
 * sentence (three words or more) with a fault phrase of the lexicon ("non stampa", "sono fermo",
 * "doesn't work"), a single fault word ("errore") with a device or in a longer sentence, or a
 * device named with a negation ("la cassa non va più"). Sign-up uses it so
 * that "la stampante non stampa più, sono fermo" at "what is your company called?" becomes the
 * problem's description, not the company's name. Pure: a function of (text, lexicon).
 */
import { findMatches, splitWords } from "./answerWords.js";
import { type Lexicon, lexicon as sharedLexicon } from "./lexicon.js";

/** Fewer words than this are a name, never a description. */
const MIN_WORDS = 3;
/** A single fault word counts without a device from this many words on. */
const SENTENCE_WORDS = 5;

/** True when `text` describes a fault (see the module's description). */
export function readsAsProblem(text: string, lex: Lexicon = sharedLexicon()): boolean {
  const w = splitWords(text);
  if (w.words.length < MIN_WORDS) return false;
  const faults = findMatches(lex.problem, w, lex);
  // A fault phrase of several words ("non stampa", "doesn't work") says it at once.
  if (faults.some((f) => f.positions.length >= 2)) return true;
  const device = findMatches(lex.devices, w, lex).length > 0;
  // A single fault word ("errore", "broken") could be part of a name ("Errore Zero srl"): it
  // needs a device named, or a sentence.
  if (faults.length > 0) return device || w.words.length >= SENTENCE_WORDS;
  return device && w.words.some((word) => lex.negations.has(word));
}

/** Where an answer and a fault written in one line part ("Bar Roma, la cassa non va"). */
const SEPARATOR = /\s*(?:[,;.:\n]|\s-\s)\s*/;
/** An answer before a fault is short: a name, a company. */
const MAX_ANSWER_WORDS = 6;

/**
 * An answer followed by a fault in one line ("Bar Roma, la cassa non va più" at "what is your
 * company called?"): the answer before the first separator and the fault after it, when the
 * fault reads as one ({@link readsAsProblem}), the answer does not and is more than greetings
 * and fillers. Null otherwise (the whole line is one or the other).
 */
export function splitAnswerAndProblem(
  text: string,
  lex: Lexicon = sharedLexicon(),
): { answer: string; problem: string } | null {
  const cut = SEPARATOR.exec(text);
  if (!cut || cut.index === 0) return null;
  const answer = text.slice(0, cut.index).trim();
  const problem = text.slice(cut.index + cut[0].length).trim();
  if (!answer || !problem || !readsAsProblem(problem, lex) || readsAsProblem(answer, lex)) return null;
  const words = splitWords(answer).words;
  if (words.length > MAX_ANSWER_WORDS || words.every((w) => lex.fillers.has(w))) return null;
  return { answer, problem };
}

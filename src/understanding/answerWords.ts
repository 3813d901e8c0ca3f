/**
 * Reading the words of a typed answer for `understandAnswer` (answer.ts): its clauses (and which are
 * questions back), negations and what they reach ("non *mi* va"), the lexicon's phrases matched
 * in it, doubts that stand alone ("non so"), the positions numbers and ordinals point to, and the
 * words it says beyond the answer. Pure functions of the words and the lexicon.
 */
import { findRule, initialsMask, initialsNeeded, wordsOf } from "../ai/textRules.js";
import type { Lexicon, LexiconRule } from "./lexicon.js";

/** The words of a text and where each clause (between , . ; ! ?) starts. */
export interface Words {
  words: readonly string[];
  clauseOf: readonly number[];
  /** The clauses that end in a question mark (a question back, not an answer). */
  questions: ReadonlySet<number>;
  /** The first letters of the words ({@link initialsMask}): a rule needing another cannot match. */
  initials: number;
}

const CLAUSE_END = /[,;:!?\n]+|\.(?!\d)/g;

/** Texts split lately: one message is read against several questions and option lists. */
const SPLIT_KEPT = 64;
const split = new Map<string, Words>();

/** The words and clauses of `text` (the same object for the same text read again: never change it). */
export function splitWords(text: string): Words {
  let w = split.get(text);
  if (w === undefined) {
    w = splitFresh(text);
    if (split.size >= SPLIT_KEPT) split.clear();
    split.set(text, w);
  }
  return w;
}

function splitFresh(text: string): Words {
  const words: string[] = [];
  const clauseOf: number[] = [];
  const questions = new Set<number>();
  let index = 0;
  let from = 0;
  for (const m of text.matchAll(CLAUSE_END)) {
    addClause(words, clauseOf, text.slice(from, m.index), index);
    if (m[0].includes("?")) questions.add(index);
    index++;
    from = m.index + m[0].length;
  }
  addClause(words, clauseOf, text.slice(from), index);
  return { words, clauseOf, questions, initials: initialsMask(words) };
}

function addClause(words: string[], clauseOf: number[], clause: string, index: number): void {
  for (const word of wordsOf(clause)) {
    words.push(word);
    clauseOf.push(index);
  }
}

/** Words that may stand between a negation and what it negates ("non *mi* va"). */
const CLITICS = new Set([
  "mi",
  "ti",
  "ci",
  "vi",
  "si",
  "lo",
  "la",
  "li",
  "le",
  "ne",
  "gli",
  "it",
  "really",
  "ho",
  "è",
  "e",
]);

/**
 * Verbs a negation reaches through to the infinitive after them ("non si *può* lavorare", "can't
 * *be* fixed").
 */
const MODALS = new Set([
  "puo",
  "posso",
  "possiamo",
  "potete",
  "possono",
  "riesce",
  "riescono",
  "can",
  "could",
  "be",
]);

/** Words between a negation and what it negates: clitics and modal verbs, at most this many. */
const NEGATION_REACH = 3;

/** The length of a negation ("non", "don t") ending at word `at`, 0 when none ends there. */
function negationEndingAt(lex: Lexicon, w: Words, at: number): number {
  if (lex.negations.has(w.words[at]!)) return 1;
  // "don t", "can t": two words in the text ("don't" is read as "don t").
  if (
    at >= 1 &&
    w.clauseOf[at - 1] === w.clauseOf[at] &&
    lex.negations.has(`${w.words[at - 1]} ${w.words[at]}`)
  )
    return 2;
  return 0;
}

/** A match preceded, in its own clause, by a negation word (and not starting with one itself). */
export function negated(lex: Lexicon, w: Words, positions: number[]): boolean {
  const first = positions[0]!;
  if (negationEndingAt(lex, w, first) > 0 || lex.negations.has(w.words[first]!)) return false;
  for (let back = 1; back <= NEGATION_REACH; back++) {
    const at = first - back;
    if (at < 0 || w.clauseOf[at] !== w.clauseOf[first]) return false;
    if (negationEndingAt(lex, w, at) > 0) return true;
    const word = w.words[at]!;
    if (!CLITICS.has(word) && !MODALS.has(word)) return false;
  }
  return false;
}

/** A lexicon rule found in the words: where, and how strongly. */
export interface Match {
  positions: number[];
  score: number;
}

/** Matches found per words and rule list: guards ask the same list of the same message again. */
const matchesOf = new WeakMap<Words, Map<readonly LexiconRule[], readonly Match[]>>();

/**
 * The rules of `rules` found in `w` (the same array for the same words and rules: never change
 * it); a phrase matched across a word it skipped that negates ("that's *not* it") is no match.
 */
export function findMatches(rules: readonly LexiconRule[], w: Words, lex: Lexicon): readonly Match[] {
  let byRules = matchesOf.get(w);
  if (!byRules) {
    byRules = new Map();
    matchesOf.set(w, byRules);
  }
  let found = byRules.get(rules);
  if (!found) {
    found = findFresh(rules, w, lex);
    byRules.set(rules, found);
  }
  return found;
}

function findFresh(rules: readonly LexiconRule[], w: Words, lex: Lexicon): Match[] {
  const found: Match[] = [];
  for (const rule of rules) {
    // Every way a rule's word matches (whole, stem*, one typo) keeps its first letter.
    if ((initialsNeeded(rule) & ~w.initials) !== 0) continue;
    const match = findRule(rule, w.words);
    if (!match) continue;
    const from = match.positions[0]!;
    const to = match.positions[match.positions.length - 1]!;
    let skippedNegation = false;
    for (let i = from + 1; i < to; i++) {
      if (!match.positions.includes(i) && lex.negations.has(w.words[i]!)) skippedNegation = true;
    }
    if (!skippedNegation) found.push({ positions: match.positions, score: match.strength * rule.weight });
  }
  return found;
}

/** True when every position of `inner` lies within the span of `outer` and `outer` is longer. */
export function within(inner: number[], outer: number[]): boolean {
  if (outer.length <= inner.length) return false;
  const from = outer[0]!;
  const to = outer[outer.length - 1]!;
  return inner.every((p) => p >= from && p <= to);
}

/** Words after "non so" that keep it a doubt ("non so se…", "not sure which"). */
const DOUBT_FOLLOWERS = new Set(["se", "quale", "quali", "quando", "if", "whether", "which", "when"]);

/**
 * "Non so" is a doubt when it ends its clause or opens a doubt ("non so se posso"); followed by
 * what is not known how to do ("non so usare il reso", "non so come si usa") it describes a
 * problem instead.
 */
export function unsureStandsAlone(lex: Lexicon, w: Words, positions: number[]): boolean {
  const last = positions[positions.length - 1]!;
  for (let i = last + 1; i < w.words.length && w.clauseOf[i] === w.clauseOf[last]; i++) {
    const word = w.words[i]!;
    if (DOUBT_FOLLOWERS.has(word)) return true;
    if (!lex.fillers.has(word)) return false;
  }
  return true;
}

/** Words that join two answers ("2 or 4", "la prima o la seconda"). */
const ALTERNATIVES = new Set(["o", "oppure", "or", "e", "and", "sia", "che", "both", "either"]);

/**
 * The positions numbers or ordinals in a short answer point to (1-based; -1 the last): one for
 * "2" or "la seconda", several for "2 or 4", none when other words say more.
 */
export function pointedPositions(lex: Lexicon, w: Words): number[] {
  const meaningful = w.words.filter(
    (word) => !lex.pointers.has(word) && !lex.fillers.has(word) && !ALTERNATIVES.has(word),
  );
  const positions: number[] = [];
  for (const word of meaningful) {
    const n = /^\d{1,2}$/.test(word) ? Number(word) : (lex.ordinals.get(word) ?? lex.numbers.get(word));
    if (n === undefined) return [];
    positions.push(n);
  }
  return [...new Set(positions)];
}

/**
 * The message says more than the answer ("siamo bloccati da stamattina", "si ma con un altro
 * pc"): a content word (not a filler, pointer or yes/no word) outside the evidence the answer was
 * taken on. The whole text then goes to the ticket.
 */
export function hasRest(lex: Lexicon, w: Words, used: Set<number>): boolean {
  return contentWords(lex, w, used) > 0;
}

/** The content words (not fillers, pointers or negations) outside `used`. */
export function contentWords(lex: Lexicon, w: Words, used: Set<number>): number {
  return w.words.filter(
    (word, i) =>
      !used.has(i) &&
      (word.length >= 3 || /^[a-z]{2}$/.test(word)) &&
      !lex.fillers.has(word) &&
      !lex.pointers.has(word) &&
      !lex.negations.has(word),
  ).length;
}

/**
 * Understanding a typed answer to a question that offers options: a tapped button or the id, a
 * number or a position ("2", "la seconda"), the options' own phrasings from the lexicon ("sono
 * fermo" → blocked), yes/no with negation for the questions that map yes and no to options
 * ("no, non riesco a lavorare" → blocked), the options' labels (typo-tolerant, partial, stemmed:
 * "la stampante" → "Stampanti e periferiche"), and "I don't know" where the question takes it.
 * Pure: a function of (text, question, lexicon).
 */
import { findRule, withinOneEdit, wordsOf } from "../ai/textRules.js";
import { type Lexicon, type LexiconRule, lexicon as sharedLexicon } from "./lexicon.js";
import { labelStems, type Stemmed, stemmed } from "./stems.js";
import type { Expectation, Option, Understood } from "./types.js";

/** One piece of evidence for an option: where it matched and how strongly. */
interface Evidence {
  option: string;
  positions: number[];
  score: number;
  /** A yes/no marker rather than a phrase of the option itself. */
  generic: boolean;
}

const UNSURE = "?unsure";
/** An option's own phrase outweighs a bare yes/no marker. */
const OWN_PHRASE_BONUS = 1.5;
/** The best option must beat the next by this factor, else the answer is ambiguous. */
const CLEAR_MARGIN = 1.5;

/** The words of a text and where each clause (between , . ; ! ?) starts. */
interface Words {
  words: readonly string[];
  clauseOf: number[];
}

function splitWords(text: string): Words {
  const words: string[] = [];
  const clauseOf: number[] = [];
  text.split(/[,;:!?\n]+|\.(?!\d)/).forEach((clause, index) => {
    for (const word of wordsOf(clause)) {
      words.push(word);
      clauseOf.push(index);
    }
  });
  return { words, clauseOf };
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

/** A match preceded, in its own clause, by a negation word (and not starting with one itself). */
function negated(lex: Lexicon, w: Words, positions: number[]): boolean {
  const first = positions[0]!;
  if (lex.negations.has(w.words[first]!)) return false;
  for (let back = 1; back <= 2; back++) {
    const at = first - back;
    if (at < 0 || w.clauseOf[at] !== w.clauseOf[first]) return false;
    const word = w.words[at]!;
    if (lex.negations.has(word)) return true;
    if (!CLITICS.has(word)) return false;
  }
  return false;
}

function find(rules: readonly LexiconRule[], w: Words): { positions: number[]; score: number }[] {
  const found: { positions: number[]; score: number }[] = [];
  for (const rule of rules) {
    const match = findRule(rule, w.words);
    if (match) found.push({ positions: match.positions, score: match.strength * rule.weight });
  }
  return found;
}

/** True when every position of `inner` lies within the span of `outer` and `outer` is longer. */
function within(inner: number[], outer: number[]): boolean {
  if (outer.length <= inner.length) return false;
  const from = outer[0]!;
  const to = outer[outer.length - 1]!;
  return inner.every((p) => p >= from && p <= to);
}

/** The position a number or ordinal in a short answer points to (1-based; -1 the last). */
function pointedPosition(lex: Lexicon, w: Words): number | null {
  const meaningful = w.words.filter((word) => !lex.pointers.has(word) && !lex.fillers.has(word));
  if (meaningful.length !== 1) return null;
  const word = meaningful[0]!;
  if (/^\d{1,2}$/.test(word)) return Number(word);
  return lex.ordinals.get(word) ?? lex.numbers.get(word) ?? null;
}

/** Content words beyond which an answer carries more than the answer ("no, e ho la fila alla cassa"). */
const REST_MIN_WORDS = 3;

/** The message says more than a short answer: it goes to the ticket as well. */
function hasRest(lex: Lexicon, w: Words): boolean {
  const content = w.words.filter(
    (word) => word.length >= 3 && !lex.fillers.has(word) && !lex.pointers.has(word),
  );
  return content.length >= REST_MIN_WORDS;
}

/** How well an option's label matches the answer's words (0 none … 1 every label word). */
function labelScore(label: Stemmed, answer: Stemmed): { score: number; positions: number[] } {
  if (label.significant.length === 0) return { score: 0, positions: [] };
  const positions: number[] = [];
  let matched = 0;
  for (const stem of label.significant) {
    const at = answer.stems.findIndex((stems) => stems.some((s) => s === stem || withinOneEdit(s, stem)));
    if (at >= 0) {
      matched++;
      positions.push(at);
    }
  }
  return { score: matched / label.significant.length, positions };
}

/**
 * What a typed answer means for a question offering `options` (in order). `expectation` tells how
 * yes/no map to the options and which option, if any, stands for "I don't know".
 */
export function understandAnswer(
  text: string,
  options: readonly Option[],
  expectation: Expectation,
  lex: Lexicon = sharedLexicon(),
): Understood {
  const trimmed = text.trim();
  if (trimmed === "" || options.length === 0) return { kind: "not-understood" };
  const ids = options.map((o) => o.id);
  const exact = ids.find((id) => id === trimmed);
  if (exact) return { kind: "answer", value: exact, rest: "", layer: "button" };

  const w = splitWords(trimmed);
  const yesNo = expectation.kind === "yes-no" ? expectation : null;

  // Symbols: 👍 / 👎 on a yes/no question.
  if (yesNo && w.words.length === 0) {
    const yes = lex.symbols.yes.some((s) => trimmed.includes(s));
    const no = lex.symbols.no.some((s) => trimmed.includes(s));
    if (yes !== no) return { kind: "answer", value: yes ? yesNo.yes : yesNo.no, rest: "", layer: "symbol" };
    return { kind: "not-understood" };
  }

  // A number or a position: "2", "la seconda", "the last one".
  const position = pointedPosition(lex, w);
  if (position !== null && expectation.kind !== "rating") {
    const index = position === -1 ? ids.length - 1 : position - 1;
    const id = ids[index];
    if (id !== undefined) return { kind: "answer", value: id, rest: "", layer: "number" };
  }

  const evidence: Evidence[] = [];
  for (const id of ids) {
    for (const m of find(lex.options.get(id) ?? [], w)) {
      evidence.push({
        option: id,
        positions: m.positions,
        score: m.score * OWN_PHRASE_BONUS,
        generic: false,
      });
    }
  }
  if (yesNo) {
    for (const m of find(lex.yes, w)) evidence.push({ option: yesNo.yes, ...m, generic: true });
    for (const m of find(lex.no, w)) evidence.push({ option: yesNo.no, ...m, generic: true });
  }
  for (const m of find(lex.unsure, w)) evidence.push({ option: UNSURE, ...m, generic: true });

  // Labels ("la stampante" → "Stampanti e periferiche"), stemmed and typo-tolerant.
  const answerStems = stemmed(w.words);
  for (const option of options) {
    let best: { score: number; positions: number[] } | null = null;
    for (const label of option.labels ?? []) {
      const match = labelScore(labelStems(label, lex), answerStems);
      if (match.score > 0 && (!best || match.score > best.score)) best = match;
    }
    if (best)
      evidence.push({
        option: option.id,
        positions: best.positions,
        score: 0.8 + best.score,
        generic: false,
      });
  }

  // A longer phrase wins over the shorter ones inside it ("non riesco a lavorare" over "riesco a
  // lavorare"); a negated phrase means the opposite on a yes/no question, nothing elsewhere.
  const kept: Evidence[] = [];
  for (const e of evidence) {
    if (evidence.some((other) => other !== e && within(e.positions, other.positions))) continue;
    if (e.option !== UNSURE && negated(lex, w, e.positions)) {
      if (yesNo && (e.option === yesNo.yes || e.option === yesNo.no)) {
        kept.push({ ...e, option: e.option === yesNo.yes ? yesNo.no : yesNo.yes });
      }
      continue;
    }
    kept.push(e);
  }

  const byOption = new Map<string, number>();
  for (const e of kept) byOption.set(e.option, Math.max(byOption.get(e.option) ?? 0, e.score));
  const unsure = byOption.get(UNSURE) ?? 0;
  byOption.delete(UNSURE);
  const ranked = [...byOption.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  const rest = hasRest(lex, w) ? trimmed : "";

  if (unsure > 0) {
    // "I don't know" is an answer where the question offers one; elsewhere only a precise phrase
    // of one option ("non so, è tutto fermo") outweighs it.
    const unsureId = expectation.kind === "rating" ? undefined : expectation.unsure;
    const unsureOption = unsureId && ids.includes(unsureId) ? unsureId : null;
    if (unsureOption && (!best || best[1] < unsure * CLEAR_MARGIN)) {
      return { kind: "answer", value: unsureOption, rest, layer: "phrase" };
    }
    const strongOwn =
      best !== undefined &&
      kept.some((e) => e.option === best[0] && !e.generic && e.score > unsure * CLEAR_MARGIN);
    if (!strongOwn) return { kind: "ambiguous", options: ranked.length > 1 ? ranked.map(([id]) => id) : ids };
  }
  if (!best) return { kind: "not-understood" };
  if (second && best[1] < second[1] * CLEAR_MARGIN) {
    return {
      kind: "ambiguous",
      options: ranked.filter(([, s]) => s * CLEAR_MARGIN > best[1]).map(([id]) => id),
    };
  }
  return { kind: "answer", value: best[0], rest, layer: "phrase" };
}

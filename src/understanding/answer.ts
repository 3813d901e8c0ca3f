/**
 * Understanding a typed answer to a question that offers options: a tapped button or the id, a
 * number or a position ("2", "la seconda"), the options' own phrasings from the lexicon ("sono
 * fermo" → blocked), yes/no with negation for the questions that map yes and no to options
 * ("no, non riesco a lavorare" → blocked), the options' labels (typo-tolerant, partial, stemmed:
 * "la stampante" → "Stampanti e periferiche"), and "I don't know" where the question takes it.
 * Pure: a function of (text, question, lexicon).
 */
import { withinOneEdit } from "../ai/textRules.js";
import {
  contentWords,
  findMatches,
  hasRest,
  negated,
  pointedPositions,
  splitWords,
  unsureStandsAlone,
  type Words,
  within,
} from "./answerWords.js";
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
/** An option with no phrases of its own (one list for all: matches are kept per list). */
const NO_RULES: readonly LexiconRule[] = [];
/** An option's own phrase outweighs a bare yes/no marker. */
const OWN_PHRASE_BONUS = 1.5;
/** The best option must beat the next by this factor, else the answer is ambiguous. */
const CLEAR_MARGIN = 1.5;

/** Two stems are the same word: equal, or one typo apart when both are long enough to tell. */
function sameStem(a: string, b: string): boolean {
  return a === b || (a.length >= 5 && b.length >= 5 && a[0] === b[0] && withinOneEdit(a, b));
}

/**
 * How well an option's label matches the answer's words: the number of label words the answer
 * has (stemmed, typo-tolerant, synonyms of the lexicon counted), plus a fraction for how much of
 * the label that is, so "uso del software" picks "Uso del software e formazione" over
 * "Reinstallazione del software".
 */
function labelScore(label: Stemmed, answer: Stemmed, lex: Lexicon): { score: number; positions: number[] } {
  if (label.significant.length === 0) return { score: 0, positions: [] };
  const positions: number[] = [];
  let matched = 0;
  for (const stem of label.significant) {
    const alike = [stem, ...(lex.synonyms.get(stem) ?? [])];
    const at = answer.stems.findIndex((stems) => stems.some((s) => alike.some((a) => sameStem(s, a))));
    if (at >= 0) {
      matched++;
      positions.push(at);
    }
  }
  return { score: matched === 0 ? 0 : matched + 0.5 * (matched / label.significant.length), positions };
}

/**
 * Bare yes/no markers that do not answer: those in a clause asked back ("ok, ma è coperto dal
 * contratto?"), and, when the answer opens with a yes or a no, the opposite markers after it,
 * with words between, which describe rather than answer ("no, fuori è perfetto", "sì, ma non
 * va bene la stampa").
 * The options' own phrases still count. Edits `kept` in place.
 */
function settlePolarity(kept: Evidence[], w: Words, yesNo: { yes: string; no: string }): void {
  const isMarker = (e: Evidence) => e.generic && (e.option === yesNo.yes || e.option === yesNo.no);
  const asked = (e: Evidence) => e.positions.every((p) => w.questions.has(w.clauseOf[p]!));
  const opening = kept.find((e) => isMarker(e) && e.positions[0] === 0 && !asked(e));
  const end = opening ? opening.positions[opening.positions.length - 1]! : -1;
  for (let i = kept.length - 1; i >= 0; i--) {
    const e = kept[i]!;
    if (!isMarker(e)) continue;
    // Right after the opening one ("sì no") it is a contradiction, left to ask again.
    if (asked(e) || (opening && e.option !== opening.option && e.positions[0]! > end + 1)) kept.splice(i, 1);
  }
}

/**
 * The request among `requests` that `text` words ("a che ora aprite?" → `hours`), or null. Never
 * by number or position ("3", "la prima"): requests are not a list on the customer's screen, so a
 * number typed at a question is its option, or not understood, never "talk to a person".
 */
export function understandRequest(text: string, requests: readonly Option[]): string | null {
  const read = understandAnswer(text, requests, { kind: "choice" });
  return read.kind === "answer" && read.layer !== "number" ? read.value : null;
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
  const positions = expectation.kind === "rating" ? [] : pointedPositions(lex, w);
  const pointed = positions
    .map((p) => ids[p === -1 ? ids.length - 1 : p - 1])
    .filter((id) => id !== undefined);
  if (pointed.length === 1 && positions.length === 1) {
    return { kind: "answer", value: pointed[0]!, rest: "", layer: "number" };
  }
  if (pointed.length > 1) return { kind: "ambiguous", options: pointed };

  const evidence: Evidence[] = [];
  for (const id of ids) {
    for (const m of findMatches(lex.options.get(id) ?? NO_RULES, w, lex)) {
      evidence.push({
        option: id,
        positions: m.positions,
        score: m.score * OWN_PHRASE_BONUS,
        generic: false,
      });
    }
  }
  if (yesNo) {
    for (const m of findMatches(lex.yes, w, lex)) evidence.push({ option: yesNo.yes, ...m, generic: true });
    for (const m of findMatches(lex.no, w, lex)) evidence.push({ option: yesNo.no, ...m, generic: true });
  }
  for (const m of findMatches(lex.unsure, w, lex)) {
    if (!unsureStandsAlone(lex, w, m.positions)) continue;
    evidence.push({ option: UNSURE, ...m, generic: true });
  }

  // Labels ("la stampante" → "Stampanti e periferiche"), stemmed and typo-tolerant.
  const answerStems = stemmed(w.words);
  for (const option of options) {
    let best: { score: number; positions: number[] } | null = null;
    for (const label of option.labels ?? []) {
      const match = labelScore(labelStems(label, lex), answerStems, lex);
      if (match.score > 0 && (!best || match.score > best.score)) best = match;
    }
    if (best)
      evidence.push({
        option: option.id,
        positions: best.positions,
        score: best.score,
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

  if (yesNo) settlePolarity(kept, w, yesNo);

  // Nothing named: a device none of the options is ("la bilancia") is "another one", where the
  // question has such an option.
  const unlisted = expectation.kind === "choice" ? expectation.unlisted : undefined;
  if (
    kept.length === 0 &&
    unlisted &&
    ids.includes(unlisted) &&
    findMatches(lex.devices, w, lex).length > 0
  ) {
    return { kind: "answer", value: unlisted, rest: "", layer: "phrase" };
  }

  const byOption = new Map<string, number>();
  for (const e of kept) byOption.set(e.option, Math.max(byOption.get(e.option) ?? 0, e.score));
  const unsure = byOption.get(UNSURE) ?? 0;
  byOption.delete(UNSURE);
  const ranked = [...byOption.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  // Words outside the bare yes/no are extra when more than one of them says something
  // ("no, e ho la fila alla cassa!"), or when any lies outside every phrase that was understood.
  const restFor = (option: string) => {
    const generic = new Set(kept.filter((e) => e.option === option && e.generic).flatMap((e) => e.positions));
    const understoodWords = new Set(kept.filter((e) => e.option === option).flatMap((e) => e.positions));
    return hasRest(lex, w, understoodWords) || contentWords(lex, w, generic) >= 2 ? trimmed : "";
  };

  if (unsure > 0) {
    // "I don't know" is an answer where the question offers one; elsewhere only a precise phrase
    // of one option ("non so, è tutto fermo") outweighs it.
    const unsureId = expectation.kind === "rating" ? undefined : expectation.unsure;
    const unsureOption = unsureId && ids.includes(unsureId) ? unsureId : null;
    if (unsureOption && (!best || best[0] === unsureOption || best[1] < unsure * CLEAR_MARGIN)) {
      return { kind: "answer", value: unsureOption, rest: restFor(unsureOption), layer: "phrase" };
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
  return { kind: "answer", value: best[0], rest: restFor(best[0]), layer: "phrase" };
}

/** The message only doubts ("non lo so", "not sure", "boh"): no answer, no problem description. */
export function onlyUnsure(text: string, lex: Lexicon = sharedLexicon()): boolean {
  const w = splitWords(text);
  if (w.words.length === 0) return false;
  const covered = new Set(findMatches(lex.unsure, w, lex).flatMap((m) => m.positions));
  return covered.size > 0 && w.words.every((word, i) => covered.has(i) || lex.fillers.has(word));
}

/**
 * The answer names two things at once ("sia la stampante che il computer", "both the printer
 * and…", "la stampante e il pc").
 */
export function namesBoth(text: string, lex: Lexicon = sharedLexicon()): boolean {
  if (lex.pairs?.test(text.toLowerCase().replace(/\u2019/g, "'"))) return true;
  return findMatches(lex.both, splitWords(text), lex).length > 0;
}

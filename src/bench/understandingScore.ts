/**
 * Scoring the understanding benchmark: each entry's outcome from what the bot took, the counts
 * per question type and language, the pass thresholds and the printed table.
 */
import { normalizeAnswer } from "../../flows/conversationMachine.js";
import type { Expectation, ExpectedFields, QuestionType, TypedEntry } from "./understandingCorpus.js";
import type { Observation } from "./understandingScenes.js";

/**
 * - understood: the expected answer was taken (with its `rest`/`comment` kept);
 * - wrong: a different answer was taken (for a `clarify` entry: any answer);
 * - asked: the question was asked again, "not understood", or a clarifying question;
 * - lost: the right answer, but its `rest` or `comment` did not reach the ticket/feedback, or a
 *   sign-up field is missing;
 * - none: nothing taken and nothing asked (the chat left the question).
 */
export type Outcome = "understood" | "wrong" | "asked" | "lost" | "none";
export const OUTCOMES: Outcome[] = ["understood", "wrong", "asked", "lost", "none"];

/** One played entry. */
export interface EntryResult {
  type: QuestionType;
  lang: "it" | "en";
  where: string;
  text: string;
  expect: Expectation;
  outcome: Outcome;
  taken: string | null;
  fields?: Record<string, string | null>;
  /** The feedback comment recorded (rating only). */
  comment?: string | null;
  /** The locale keys of the replies to the answer. */
  replies: string[];
  /** Why the scene could not be played (the entry then counts as "none"). */
  error?: string;
}

const norm = (s: string) => normalizeAnswer(s);

/** Keys of a re-prompt: "not understood", a clarifying question, a hint how to answer. */
export const isReprompt = (key: string) =>
  key === "common.notUnderstood" ||
  key.startsWith("understanding.clarify") ||
  key === "understanding.pickHint" ||
  key === "understanding.writeHint";

/** The question was asked again: a re-prompt, or the question itself. */
export function askedAgain(keys: string[], isQuestion: (key: string) => boolean): boolean {
  return keys.some((k) => isReprompt(k) || isQuestion(k));
}

function fieldsMatch(
  expected: ExpectedFields,
  observed: Record<string, string | null>,
): "same" | "wrong" | "missing" {
  let missing = false;
  for (const name of ["company", "contactName", "phone", "email"] as const) {
    const want = expected[name];
    const got = observed[name] ?? null;
    if (want === undefined) {
      // A field the customer did not write must not be invented (sign-up runs on Telegram: no sender phone).
      if (got) return "wrong";
      continue;
    }
    if (!got) {
      missing = true;
      continue;
    }
    const same =
      name === "phone"
        ? got.replace(/[^\d+]/g, "") === want
        : name === "email"
          ? got.trim().toLowerCase() === (want as string).toLowerCase()
          : [want].flat().some((w) => norm(got) === norm(w));
    if (!same) return "wrong";
  }
  return missing ? "missing" : "same";
}

/**
 * An expected answer: a choice id or value; "#N" (or "#last") is the N-th choice as shown, so an
 * ordinal answer ("la seconda", "3") follows the list the customer saw; a date "2025-03" or
 * "2025" is any day of that month or year.
 */
function answerMatches(expected: string | string[], taken: string, shown: string[]): boolean {
  const list = Array.isArray(expected) ? expected : [expected];
  return list.some((want) => {
    const ordinal = /^#(\d+|last)$/.exec(want);
    if (ordinal) return taken === (ordinal[1] === "last" ? shown.at(-1) : shown[Number(ordinal[1]) - 1]);
    return taken === want || (/^\d{4}(-\d{2})?$/.test(want) && taken.startsWith(want));
  });
}

/** The outcome of one entry from what the bot took and the keys of its replies. */
export function outcomeOf(
  entry: TypedEntry,
  seen: Observation,
  replies: string[],
  isQuestion: (key: string) => boolean,
  /** The choice ids offered with the question, in the order shown. */
  shown: string[] = [],
): Outcome {
  const asked = askedAgain(replies, isQuestion);
  const { expect } = entry;
  if (expect.clarify) return seen.taken !== null ? "wrong" : asked ? "asked" : "none";
  if (expect.fields) {
    if (seen.taken === null || !seen.fields) return asked ? "asked" : "none";
    const match = fieldsMatch(expect.fields, seen.fields);
    return match === "same" ? "understood" : match === "wrong" ? "wrong" : "lost";
  }
  if (seen.taken === null) return asked ? "asked" : "none";
  if (!answerMatches(expect.answer!, seen.taken, shown)) return "wrong";
  if (expect.rest && !seen.kept.some((t) => norm(t).includes(norm(expect.rest!)))) return "lost";
  if (expect.comment && !(seen.comment && norm(seen.comment).includes(norm(expect.comment)))) return "lost";
  return "understood";
}

/** Counts by outcome, for clear entries and for `clarify` ones. */
export interface Tally {
  clear: Record<Outcome, number> & { total: number };
  clarify: Record<Outcome, number> & { total: number };
}

const emptyCounts = () => ({ understood: 0, wrong: 0, asked: 0, lost: 0, none: 0, total: 0 });

/** Tallies per "type/lang" row, plus "total". */
export function tally(results: EntryResult[]): Map<string, Tally> {
  const rows = new Map<string, Tally>();
  const add = (row: string, r: EntryResult) => {
    const t = rows.get(row) ?? { clear: emptyCounts(), clarify: emptyCounts() };
    const bucket = r.expect.clarify ? t.clarify : t.clear;
    bucket[r.outcome]++;
    bucket.total++;
    rows.set(row, t);
  };
  for (const r of results) {
    add(`${r.type}/${r.lang}`, r);
    add(`${r.type}`, r);
    add(`total/${r.lang}`, r);
    add("total", r);
  }
  return rows;
}

/** The thresholds the test enforces; the reasons they fail (empty when they pass). */
export function thresholdFailures(results: EntryResult[]): string[] {
  const total = tally(results).get("total");
  if (!total) return ["no entries played"];
  const failures: string[] = [];
  const { clear, clarify } = total;
  const rate = clear.total ? clear.understood / clear.total : 1;
  if (rate < 0.95)
    failures.push(
      `${(rate * 100).toFixed(1)}% of clear answers understood (${clear.understood}/${clear.total}), need ≥ 95%`,
    );
  if (clear.wrong > 0) failures.push(`${clear.wrong} clear answers taken as a different answer, need 0`);
  if (clarify.wrong > 0) failures.push(`${clarify.wrong} ambiguous answers taken as an answer, need 0`);
  return failures;
}

const pct = (n: number, d: number) => (d ? `${Math.round((n / d) * 100)}%` : "-");

/** The table printed by `npm run understanding`. */
export function formatTable(results: EntryResult[]): string {
  const rows = tally(results);
  const header = [
    "question/lang".padEnd(22),
    "clear".padStart(5),
    "underst".padStart(8),
    "wrong".padStart(6),
    "asked".padStart(6),
    "lost".padStart(5),
    "none".padStart(5),
    "  ambig".padStart(7),
    "asked".padStart(6),
    "taken".padStart(6),
    "none".padStart(5),
  ].join(" ");
  const lines = [header, "-".repeat(header.length)];
  const order = [...rows.keys()].sort((a, b) => {
    const rank = (k: string) => (k.startsWith("total") ? 1 : 0);
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  for (const key of order) {
    const { clear: c, clarify: a } = rows.get(key)!;
    lines.push(
      [
        key.padEnd(22),
        String(c.total).padStart(5),
        `${c.understood} ${pct(c.understood, c.total)}`.padStart(8),
        String(c.wrong).padStart(6),
        String(c.asked).padStart(6),
        String(c.lost).padStart(5),
        String(c.none).padStart(5),
        String(a.total).padStart(7),
        String(a.asked).padStart(6),
        String(a.wrong).padStart(6),
        String(a.none).padStart(5),
      ].join(" "),
    );
  }
  return lines.join("\n");
}

/**
 * A purchase date as customers write it in a sentence: "a marzo 2025", "il 15 marzo 2025",
 * "settembre del 2026", "Oct 2025", "12th january 2026", "marzo dell'anno scorso", "January this
 * year", "nel 2024", "ieri", "last week". A month without a day is its first day, a year alone its first of January
 * (the warranty is counted from it; the technician checks the receipt). Pure: a function of the
 * text and the instant it is said.
 */
import { DateTime } from "luxon";
import { wordsOf } from "../ai/textRules.js";

/** Month names and their usual abbreviations, Italian and English, by month number. */
const MONTHS: Record<string, number> = {};
const NAMES = [
  ["gennaio", "january", "gen", "jan"],
  ["febbraio", "february", "feb"],
  ["marzo", "march", "mar"],
  ["aprile", "april", "apr"],
  ["maggio", "may", "mag"],
  ["giugno", "june", "giu", "jun"],
  ["luglio", "july", "lug", "jul"],
  ["agosto", "august", "ago", "aug"],
  ["settembre", "september", "set", "sep", "sept"],
  ["ottobre", "october", "ott", "oct"],
  ["novembre", "november", "nov"],
  ["dicembre", "december", "dic", "dec"],
];
NAMES.forEach((names, i) => {
  for (const name of names) MONTHS[name] = i + 1;
});

/** "anno scorso", "last year" → -1; "quest'anno", "this year" → 0. */
const RELATIVE_YEARS: [string[], number][] = [
  [["anno", "scorso"], -1],
  [["last", "year"], -1],
  [["quest", "anno"], 0],
  [["questo", "anno"], 0],
  [["this", "year"], 0],
];

/** "ieri", "yesterday" → -1 day; "l'altro ieri" → -2; "settimana scorsa", "last week" → -7. */
const RELATIVE_DAYS: [string[], number][] = [
  [["altro", "ieri"], -2],
  [["day", "before", "yesterday"], -2],
  [["ieri"], -1],
  [["yesterday"], -1],
  [["oggi"], 0],
  [["today"], 0],
  [["settimana", "scorsa"], -7],
  [["scorsa", "settimana"], -7],
  [["last", "week"], -7],
];

const ORDINAL_SUFFIX = /^(\d{1,2})(st|nd|rd|th|o|°)?$/;

/** The date in `text`, as an ISO date, or null when it names no month or year. */
export function looseDate(text: string, zone: string, now: Date): string | null {
  const words = wordsOf(text.replace(/(\d)(st|nd|rd|th)\b/gi, "$1"));
  const today = DateTime.fromJSDate(now, { zone });
  let month: number | null = null;
  let year: number | null = null;
  let day: number | null = null;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    // "mar", "set", "ago" are words too: an abbreviation counts only next to a year or a day.
    const named = MONTHS[word];
    if (named !== undefined && month === null) {
      const full = word.length > 4 || word === "june" || word === "july";
      const nearNumber = /^\d+$/.test(words[i + 1] ?? "") || /^\d+$/.test(words[i - 1] ?? "");
      if (full || nearNumber) month = named;
      continue;
    }
    if (/^(19|20)\d\d$/.test(word)) {
      year = Number(word);
      continue;
    }
    const dayMatch = ORDINAL_SUFFIX.exec(word);
    if (
      dayMatch &&
      day === null &&
      (MONTHS[words[i + 1] ?? ""] !== undefined || MONTHS[words[i - 1] ?? ""] !== undefined)
    ) {
      const n = Number(dayMatch[1]);
      if (n >= 1 && n <= 31) day = n;
    }
  }
  // "L'anno scorso" alone is too vague to count a warranty from; with a month it is a date.
  if (year === null && month !== null) {
    for (const [phrase, offset] of RELATIVE_YEARS) {
      const at = words.findIndex((_w, i) => phrase.every((p, k) => words[i + k] === p));
      if (at >= 0) {
        year = today.year + offset;
        break;
      }
    }
  }
  if (year === null && month === null) {
    // "Ieri", "last week": a day counted back from today (the technician checks the receipt);
    // only as a short answer: "si è rotto ieri" says when it broke, not when it was bought.
    if (words.length > 3) return null;
    for (const [phrase, offset] of RELATIVE_DAYS) {
      if (words.some((_w, i) => phrase.every((p, k) => words[i + k] === p)))
        return today.plus({ days: offset }).toISODate();
    }
    return null;
  }
  // A month without a year: the last such month that is not in the future.
  if (year === null && month !== null) year = month <= today.month ? today.year : today.year - 1;
  const date = DateTime.fromObject({ year: year!, month: month ?? 1, day: day ?? 1 }, { zone });
  if (!date.isValid || date > today.endOf("day")) return null;
  return date.toISODate();
}

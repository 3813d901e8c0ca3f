/**
 * Understanding short customer answers without AI: commands ("menu", "annulla"), greetings,
 * numbered or worded answers to a choice list, dates. Pure and language-tolerant (it + en).
 */
import { DateTime } from "luxon";

/** Texts normalised lately: one message's text is read by several guards, labels repeat. */
const NORMALIZED_KEPT = 1024;
const normalized = new Map<string, string>();

/** Lower-case, accents stripped, punctuation folded to spaces, trimmed. */
export function normalize(text: string): string {
  let folded = normalized.get(text);
  if (folded === undefined) {
    folded = text
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
    // Long texts (a mail body) are folded each time rather than kept.
    if (text.length <= 500) {
      if (normalized.size >= NORMALIZED_KEPT) normalized.clear();
      normalized.set(text, folded);
    }
  }
  return folded;
}

const MENU = new Set(
  ["menu", "menù", "start", "/start", "help", "aiuto", "/menu", "ricomincia", "restart", "start over"].map(
    normalize,
  ),
);
const CANCEL = new Set(["annulla", "cancel", "stop", "basta", "/cancel", "/annulla"].map(normalize));
const GREETINGS = new Set(
  [
    "ciao",
    "salve",
    "buongiorno",
    "buonasera",
    "buon pomeriggio",
    "hello",
    "hi",
    "hey",
    "good morning",
    "good afternoon",
    "good evening",
    "start",
  ].map(normalize),
);

export function isMenuCommand(text: string): boolean {
  return MENU.has(normalize(text));
}

export function isCancelCommand(text: string): boolean {
  return CANCEL.has(normalize(text));
}

/** A message that is only a greeting (maybe with a name or "!"), not a problem description. */
export function isGreetingOnly(text: string): boolean {
  const n = normalize(text);
  if (n === "") return false;
  if (GREETINGS.has(n)) return true;
  const words = n.split(" ");
  return words.length <= 3 && GREETINGS.has(words[0] ?? "") && !/\d/.test(n);
}

/** Words that answer a choice, by choice id, in both languages. */
const SYNONYMS: Record<string, string[]> = {
  yes: [
    "si",
    "sì",
    "yes",
    "y",
    "s",
    "ok",
    "okay",
    "confermo",
    "esatto",
    "giusto",
    "corretto",
    "certo",
    "correct",
    "right",
  ],
  other: ["no", "altro", "altra", "other", "different", "diverso", "cambia"],
  accept: ["accetto", "accept", "si", "sì", "yes", "ok", "va bene", "procedi", "agree"],
  decline: ["rifiuto", "no", "decline", "non accetto", "lascia stare", "nope"],
  "can-work": ["si", "sì", "yes", "posso lavorare", "i can work", "riesco", "funziona"],
  blocked: ["no", "bloccato", "blocked", "fermo", "non posso", "non riesco", "cannot", "can t"],
  new: ["nuovo", "nuovo problema", "problema", "new", "new problem", "problem", "guasto"],
  status: ["stato", "status", "i miei ticket", "ticket", "my tickets", "tickets", "pratiche"],
  info: ["aggiungi", "informazioni", "aggiungi informazioni", "info", "add", "add information", "more info"],
  hours: ["orari", "orario", "contatti", "hours", "contacts", "opening hours", "quando siete aperti"],
  skip: ["no", "nessuno", "niente", "skip", "salta", "no grazie", "no thanks", "none", "fatto", "done"],
  write: ["scrivo", "scrivere", "write", "riscrivo", "no"],
  damaged: ["si", "sì", "yes", "rotto", "rottura", "danneggiato", "broken", "damaged"],
  "not-damaged": ["no", "non rotto", "not broken", "not damaged"],
};

/** The synonyms normalised once, by choice id. */
const NORMALIZED_SYNONYMS = new Map(
  Object.entries(SYNONYMS).map(([id, words]) => [id, new Set(words.map(normalize))]),
);

/**
 * Maps an answer to one of the offered choice ids: the id itself, its 1-based number ("2", "2."),
 * a known synonym, or (via `labels`) the words of its label. Returns undefined when unsure.
 */
export function matchChoice(
  text: string,
  choiceIds: readonly string[],
  labels: Record<string, string> = {},
): string | undefined {
  const n = normalize(text);
  if (n === "") return undefined;
  if (choiceIds.includes(text.trim())) return text.trim();
  const number = /^(\d{1,2})$/.exec(n);
  if (number) {
    const index = Number(number[1]) - 1;
    return choiceIds[index];
  }
  // Own labels only: a choice id such as "constructor" must not find Object.prototype's.
  const labelOf = (id: string): string | undefined => (Object.hasOwn(labels, id) ? labels[id] : undefined);
  for (const id of choiceIds) {
    const label = labelOf(id);
    if (label && normalize(label) === n) return id;
  }
  const bySynonym = choiceIds.filter((id) => NORMALIZED_SYNONYMS.get(id)?.has(n) === true);
  if (bySynonym.length === 1) return bySynonym[0];
  for (const id of choiceIds) {
    const label = labelOf(id);
    if (label && n.length >= 4 && normalize(label).includes(n)) return id;
  }
  return undefined;
}

/**
 * Parses a purchase date written as 15/03/2026, 15-3-26, 2026-03-15, "03/2026" (first of month),
 * "15 March 2026", "March 15, 2026" or "15 marzo 2026". Day-first wins; a US-style 3/15/2026
 * (month first) is read only when the first number cannot be a month.
 */
export function parseCustomerDate(text: string, zone: string): string | null {
  const t = text.trim().replace(/\s+/g, " ");
  const lower = t.toLowerCase();
  const { worded, numeric } = dateParsers();
  for (const { locale, parser } of worded) {
    const parsed = DateTime.fromFormatParser(lower, parser, { zone, locale });
    if (parsed.isValid) return parsed.toISODate();
  }
  for (const parser of numeric) {
    const parsed = DateTime.fromFormatParser(t, parser, { zone });
    if (parsed.isValid) return parsed.toISODate();
  }
  return null;
}

type FormatParser = ReturnType<typeof DateTime.buildFormatParser>;
let parsers: { worded: { locale: string; parser: FormatParser }[]; numeric: FormatParser[] } | null = null;

/** The date formats, each compiled once (on first use) instead of on every parse. */
function dateParsers() {
  parsers ??= {
    // Month names in Italian and English, tried first.
    worded: ["it", "en"].flatMap((locale) =>
      ["d LLLL yyyy", "d LLL yyyy", "LLLL d, yyyy", "LLLL d yyyy", "LLL d, yyyy", "LLLL yyyy"].map(
        (format) => ({
          locale,
          parser: DateTime.buildFormatParser(format, { locale }),
        }),
      ),
    ),
    numeric: [
      "d/M/yyyy",
      "M/d/yyyy",
      "d-M-yyyy",
      "d.M.yyyy",
      "yyyy-MM-dd",
      "d/M/yy",
      "d-M-yy",
      "d.M.yy",
      "M/yyyy",
      "M-yyyy",
      "MM/yyyy",
    ].map((format) => DateTime.buildFormatParser(format)),
  };
  return parsers;
}

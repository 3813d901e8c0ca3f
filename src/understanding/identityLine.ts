/**
 * Who the customer says they are, from one free answer (or a few lines): "Ferramenta Neri, Giulia
 * Neri, 333 123 4567", "I'm Tom from Acme Ltd, tom@acme.co.uk", "Mario Rossi - Bar Roma" →
 * company, person, phone (E.164), e-mail and what is left, in any order. Pure: the words that
 * tell a company from a person are data in `locales/understanding/identity.yaml` (read once,
 * validated), the phone numbers are found and checked by libphonenumber-js.
 *
 * The question being answered decides what a lone name is: at the company question it is the
 * company, at the name question the person.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type CountryCode, findNumbers, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { parse } from "yaml";
import { z } from "zod";
import { UnderstandingDataError } from "./understandingDataError.js";

/** The question the answer was given to. */
export type IdentityQuestion = "company" | "contact" | "both" | "reach";

/** A field of the customer record the answer may fill. */
export type IdentityField = "company" | "contactName" | "phone" | "email";

/** What one answer said. */
export interface IdentityLine {
  company: string | null;
  contactName: string | null;
  /** E.164, e.g. +393331234567. */
  phone: string | null;
  /** Lower case. */
  email: string | null;
  /** Text that is none of the fields (a second company, a sentence), or null. */
  rest: string | null;
  /** The fields the answer did not give. */
  missing: IdentityField[];
}

export interface IdentityOptions {
  question: IdentityQuestion;
  /** Region of numbers written without a country prefix (default IT). */
  region?: CountryCode;
}

// ---------------------------------------------------------------------------------------------
// Data

const phrases = z.array(z.union([z.string().min(1), z.number()]).transform(String));
const perLanguage = z.strictObject({ it: phrases, en: phrases });
const identityFile = z.strictObject({
  companyMarkers: perLanguage,
  personIntros: perLanguage,
  companyIntros: perLanguage,
  connectors: z.strictObject({ strong: phrases, weak: phrases }),
  phoneLabels: phrases,
  emailLabels: phrases,
  fillers: phrases,
  articles: phrases,
  copulas: phrases,
  firstNames: perLanguage,
  quotedReplyHeaders: phrases,
});

const dataFile = join(
  resolve(dirname(fileURLToPath(import.meta.url)), "../../locales/understanding"),
  "identity.yaml",
);

/** The data file is missing or wrong: names the file and the entry. */
export class IdentityDataError extends UnderstandingDataError {}

/** A word of a text: where it is and how it compares (lower case, no accents, dots or dashes). */
interface Token {
  raw: string;
  norm: string;
  start: number;
  end: number;
}

const TOKEN = /[\p{L}\p{N}](?:[\p{L}\p{N}.\-&]*[\p{L}\p{N}])?\.?['’]?/gu;

const normWord = (word: string) =>
  word
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[.\-'’&]/g, "");

function tokens(text: string): Token[] {
  return [...text.matchAll(TOKEN)]
    .map((m) => ({ raw: m[0], norm: normWord(m[0]), start: m.index, end: m.index + m[0].length }))
    .filter((t) => t.norm !== "");
}

type Phrase = string[];
const phrase = (text: string): Phrase => tokens(text).map((t) => t.norm);
const phraseList = (list: readonly string[]): Phrase[] =>
  list
    .map(phrase)
    .filter((p) => p.length > 0)
    .sort((a, b) => b.length - a.length);

interface IdentityData {
  markers: Phrase[];
  personIntros: Phrase[];
  companyIntros: Phrase[];
  strong: Phrase[];
  weak: Phrase[];
  labels: Phrase[];
  fillers: Phrase[];
  articles: Set<string>;
  copulas: Phrase[];
  firstNames: Set<string>;
  quoteHeaders: string[];
}

function loadIdentityData(): IdentityData {
  let raw: unknown;
  try {
    raw = parse(readFileSync(dataFile, "utf8"));
  } catch (error) {
    throw new IdentityDataError(`${dataFile}: ${(error as Error).message}`);
  }
  const result = identityFile.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new IdentityDataError(`${dataFile}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const d = result.data;
  const both = (p: { it: string[]; en: string[] }) => [...p.it, ...p.en];
  return {
    markers: phraseList(both(d.companyMarkers)),
    personIntros: phraseList(both(d.personIntros)),
    companyIntros: phraseList(both(d.companyIntros)),
    strong: phraseList(d.connectors.strong),
    weak: phraseList(d.connectors.weak),
    labels: phraseList([...d.phoneLabels, ...d.emailLabels]),
    fillers: phraseList(d.fillers),
    articles: new Set(d.articles.map(normWord)),
    copulas: phraseList(d.copulas),
    firstNames: new Set(both(d.firstNames).map(normWord)),
    quoteHeaders: d.quotedReplyHeaders.map((h) => h.toLowerCase()),
  };
}

const data = loadIdentityData();

// ---------------------------------------------------------------------------------------------
// Reading

const EMAIL = /(?:mailto:)?([A-Z0-9._%+-]+@[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,})/gi;
/** Longest part read as a name or a company, in words. */
const MAX_PART_WORDS = 8;
const LINE_NUMBER = /^\s*\d{1,2}\s*[).:\-–]\s+/;
const SEPARATORS = /\n|[,;|()[\]]|\s[-–—/]\s|\s[-–—]|[-–—]\s/;

/** Whether `p` is at token `i` of `ts`. */
const at = (ts: Token[], i: number, p: Phrase) =>
  p.length <= ts.length - i && p.every((w, k) => ts[i + k]!.norm === w);

/** The longest phrase of `list` at the start of `ts`, as its length (0: none). */
const leading = (ts: Token[], list: Phrase[]) => list.find((p) => at(ts, 0, p))?.length ?? 0;

/**
 * The length of an introduction at the start of `ts`: a phrase of `list` ("ditta", "company") and
 * the verb after it ("la ditta *è*", "the company *is*"); articles before it only count with that
 * verb ("La ditta è Bianchi srl", but "Il Negozio di Anna" is a name). 0: none.
 */
function introduction(ts: Token[], list: Phrase[]): number {
  const bare = leading(ts, list);
  if (bare > 0) return bare + leading(ts.slice(bare), data.copulas);
  let from = 0;
  while (from < ts.length - 1 && data.articles.has(ts[from]!.norm)) from++;
  const intro = from > 0 ? leading(ts.slice(from), list) : 0;
  const verb = intro > 0 ? leading(ts.slice(from + intro), data.copulas) : 0;
  return verb > 0 ? from + intro + verb : 0;
}

/** The longest phrase of `list` at the end of `ts`, as its length (0: none). */
const trailing = (ts: Token[], list: Phrase[]) =>
  list.find((p) => p.length <= ts.length && at(ts, ts.length - p.length, p))?.length ?? 0;

const hasMarker = (ts: Token[]) => ts.some((_, i) => data.markers.some((p) => at(ts, i, p)));

/** The original text of tokens `from`..`to` (exclusive) of a segment. */
const textOf = (segment: string, ts: Token[], from = 0, to = ts.length) =>
  from >= to ? "" : segment.slice(ts[from]!.start, ts[to - 1]!.end).replace(/['’]$/, "");

/** Letters only (initials, apostrophes, hyphens allowed), one to four words: a person's name. */
const personLike = (ts: Token[]) =>
  ts.length >= 1 && ts.length <= 4 && ts.every((t) => /^[\p{L}][\p{L}.'’-]*$/u.test(t.raw)) && !hasMarker(ts);

const hasFirstName = (ts: Token[]) => ts.some((t) => data.firstNames.has(t.norm));

/** Lines of the answer without quoted e-mail text and "1)" / "2." line numbers. */
function answerLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const lower = line.trim().toLowerCase();
    if (data.quoteHeaders.some((h) => lower.endsWith(h)) || /^--\s?$/.test(line)) break;
    if (lower.startsWith(">")) continue;
    out.push(line.replace(LINE_NUMBER, ""));
  }
  return out;
}

/** A number written with its country code: "+" or "00", then digits, spaces, dots, dashes, brackets. */
const INTERNATIONAL = /(?:\+|\b00)[1-9][\d\s.()-]{5,18}\d/g;

/** Takes the phone numbers and e-mail addresses out of the text (the places become separators). */
function takeReach(text: string, region: CountryCode) {
  const emails: string[] = [];
  let rest = text.replace(EMAIL, (_, address: string) => {
    emails.push(address.toLowerCase());
    return "\n";
  });
  const phones: string[] = [];
  const found = findNumbers(rest, { defaultCountry: region, v2: true });
  for (const f of [...found].reverse()) {
    if (!f.number.isValid()) continue;
    phones.unshift(f.number.number);
    rest = `${rest.slice(0, f.startsAt)}\n${rest.slice(f.endsAt)}`;
  }
  // Written with its country code ("+44 7700 900123"): a number of a possible length is taken,
  // even in a range the metadata does not know as assigned (new ranges, test ranges).
  rest = rest.replace(INTERNATIONAL, (written: string) => {
    const number = parsePhoneNumberFromString(written.replace(/^00/, "+"));
    if (!number?.isPossible()) return written;
    phones.push(number.number);
    return "\n";
  });
  return { text: rest, phones, emails };
}

type Role = "company" | "person" | "named" | "unknown" | "rest";
interface Part {
  text: string;
  role: Role;
}

/** Strips greetings and thanks at both ends and labels of a phone or address at the end. */
function trimSegment(ts: Token[]): Token[] {
  let out = ts;
  for (let changed = true; changed && out.length > 0; ) {
    changed = false;
    const lead = leading(out, data.fillers);
    const trail = Math.max(trailing(out, data.fillers), trailing(out, data.labels));
    if (lead > 0) {
      out = out.slice(lead);
      changed = true;
    } else if (trail > 0) {
      out = out.slice(0, out.length - trail);
      changed = true;
    } else if (leading(out, data.labels) === out.length) {
      out = [];
    }
  }
  return out;
}

/** "Giulia di Ferramenta Neri", "Tom from Acme": the token where the company starts, or -1. */
function connectorSplit(
  segment: string,
  ts: Token[],
  introduced: boolean,
): { at: number; len: number } | null {
  for (let i = 1; i < ts.length - 1 && i <= 4; i++) {
    const left = ts.slice(0, i);
    if (!personLike(left)) return null;
    const strong = data.strong.find((p) => at(ts, i, p));
    const weak = strong ? undefined : data.weak.find((p) => at(ts, i, p));
    const p = strong ?? weak;
    if (!p) continue;
    const right = ts.slice(i + p.length);
    if (right.length === 0) return null;
    const lowerConnector = segment[ts[i]!.start] === segment[ts[i]!.start]!.toLowerCase();
    const capitalised = /^\p{Lu}/u.test(right[0]!.raw);
    const clear =
      strong !== undefined ||
      introduced ||
      hasMarker(right) ||
      (lowerConnector && capitalised && hasFirstName(left));
    if (clear) return { at: i, len: p.length };
  }
  return null;
}

/** One part of the answer: what it is, split when it names a person and their company. */
function readSegment(segment: string): Part[] {
  let ts = trimSegment(tokens(segment));
  if (ts.length === 0) return [];
  // A sentence (the problem) or a question is no name.
  if (ts.length > MAX_PART_WORDS || segment.trimEnd().endsWith("?"))
    return [{ text: textOf(segment, ts), role: "rest" }];
  const personIntro = introduction(ts, data.personIntros);
  const companyIntro = personIntro ? 0 : introduction(ts, data.companyIntros);
  ts = ts.slice(personIntro + companyIntro);
  if (companyIntro > 0) {
    while (ts.length > 1 && data.articles.has(ts[0]!.norm)) ts = ts.slice(1);
    return ts.length ? [{ text: textOf(segment, ts), role: "company" }] : [];
  }
  if (ts.length === 0) return [];
  const split = connectorSplit(segment, ts, personIntro > 0);
  if (split) {
    let right = ts.slice(split.at + split.len);
    while (right.length > 1 && data.articles.has(right[0]!.norm)) right = right.slice(1);
    return [
      { text: textOf(segment, ts, 0, split.at), role: "named" },
      { text: textOf(segment, right), role: "company" },
    ];
  }
  if (hasMarker(ts)) {
    // "Gelateria Polo Nord di Chiara Fontana": the company, then the person.
    for (let i = 1; i < ts.length - 1; i++) {
      const p = [...data.strong, ...data.weak].find((c) => at(ts, i, c));
      const right = p ? ts.slice(i + p.length) : [];
      if (p && hasMarker(ts.slice(0, i)) && right.length >= 2 && personLike(right) && hasFirstName(right))
        return [
          { text: textOf(segment, ts, 0, i), role: "company" },
          { text: textOf(segment, right), role: "named" },
        ];
    }
    while (ts.length > 1 && data.articles.has(ts[0]!.norm)) ts = ts.slice(1);
    return [{ text: textOf(segment, ts), role: "company" }];
  }
  const text = textOf(segment, ts);
  if (personIntro > 0 && personLike(ts)) return [{ text, role: "named" }];
  if (personLike(ts) && hasFirstName(ts)) return [{ text, role: "person" }];
  const companyLike = text.length <= 120 && /\p{L}/u.test(text) && text.length >= 2;
  return [{ text, role: companyLike || personLike(ts) ? "unknown" : "rest" }];
}

/**
 * Reads one answer to a sign-up question: company, person, phone and e-mail in any order and
 * style, the rest, and what is missing.
 */
export function parseIdentityLine(text: string, options: IdentityOptions): IdentityLine {
  const reach = takeReach(answerLines(text).join("\n"), options.region ?? "IT");
  const parts = reach.text.split(SEPARATORS).flatMap((s) => (s.trim() ? readSegment(s.trim()) : []));
  let company: string | null = null;
  let contactName: string | null = null;
  const rest: string[] = [];
  const setCompany = (t: string) => {
    if (company !== null) return false;
    company = t;
    return true;
  };
  const setName = (t: string) => {
    if (contactName !== null) return false;
    contactName = t;
    return true;
  };
  // Explicit parts first: an introduced name, a part with a company marker.
  const pending: Part[] = [];
  for (const p of parts) {
    if (p.role === "named") {
      if (!setName(p.text)) rest.push(p.text);
    } else if (p.role === "company") {
      if (!setCompany(p.text)) rest.push(p.text);
    } else if (p.role === "rest") rest.push(p.text);
    else pending.push(p);
  }
  const companyFirst = options.question === "company" || options.question === "both";
  const lone = pending.length === 1 && company === null && contactName === null;
  for (const p of pending) {
    const placed =
      lone && companyFirst
        ? setCompany(p.text)
        : p.role === "person"
          ? setName(p.text) || setCompany(p.text)
          : companyFirst
            ? setCompany(p.text) || setName(p.text)
            : setName(p.text) || setCompany(p.text);
    if (!placed) rest.push(p.text);
  }
  const phone = reach.phones[0] ?? null;
  const email = reach.emails[0] ?? null;
  const fields = { company, contactName, phone, email } as Record<IdentityField, string | null>;
  return {
    company: clip(company),
    contactName: clip(contactName),
    phone,
    email,
    rest: rest.length ? rest.join(", ").slice(0, 500) : null,
    missing: (Object.keys(fields) as IdentityField[]).filter((k) => fields[k] === null),
  };
}

const clip = (value: string | null) => (value === null ? null : value.slice(0, 200));

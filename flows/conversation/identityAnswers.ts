/**
 * Reading the sign-up answers of an unknown customer: a company name, a contact's name and how to
 * reach them, alone or in one reply (e-mail). Pure and policy-independent.
 */
import { isGreetingOnly, isMenuCommand } from "../textMatchers.js";

const PHONE = /\+?\d[\d\s./()-]{5,}\d/;
const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]{2,}/;
const LETTER = /\p{L}/u;
const LETTERS = /\p{L}/gu;
const LINE_NUMBER = /^\d{1,2}\s*[).:\-–]\s*/;

/** A name (with or without a contact): some letters, not a greeting, a command or a long story. */
export function looksLikeName(text: string): boolean {
  const withoutReach = text.replace(EMAIL, " ").replace(PHONE, " ");
  return (
    (withoutReach.match(LETTERS) ?? []).length >= 2 &&
    text.length <= 120 &&
    !isGreetingOnly(text) &&
    !isMenuCommand(text)
  );
}

/** Contains a phone number or an e-mail address. */
export function hasReach(text: string): boolean {
  return PHONE.test(text) || EMAIL.test(text);
}

/** A plausible company name: at least two characters, one of them a letter. */
export function validCompany(text: string): boolean {
  return LETTER.test(text) && text.length >= 2;
}

/** The non-empty lines of a one-reply answer, without their "1)", "2." numbers. */
export function answerLines(text: string): string[] {
  return text
    .split(/\n/)
    .map((l) => l.trim().replace(LINE_NUMBER, ""))
    .filter((l) => l !== "");
}

/**
 * Company and contact from one answer to both sign-up questions (first line the company, the
 * rest the contact's name and how to reach them), or null when either is missing or unclear.
 */
export function identityAnswers(
  text: string,
  hasPhone: boolean,
): { company: string; contactName: string } | null {
  const [company = "", ...rest] = answerLines(text);
  const contact = rest.join(", ");
  if (!validCompany(company) || !looksLikeName(contact)) return null;
  if (!hasPhone && !hasReach(contact)) return null;
  return { company: company.slice(0, 200), contactName: contact.slice(0, 200) };
}

/** Words that introduce a phone number or an address in a contact line ("tel.", "email:"). */
const REACH_WORDS =
  /\b(?:tel|telefono|cell|cellulare|phone|mobile|mob|whatsapp|e-?mail|mail|posta|numero|number|n\.|nr)\b\.?\s*:?/giu;

/**
 * The person's name in a contact line given at sign-up ("John Smith, john@example.com",
 * "Maria Rossi - tel. 333 1234567", "maria@example.com (Maria)"): the line without addresses,
 * phone numbers and the words announcing them, up to the first separator that leaves a name.
 * Null when no name remains.
 */
export function contactPerson(line: string | null | undefined): string | null {
  if (!line) return null;
  const cleaned = line
    .replace(new RegExp(EMAIL.source, "g"), " , ")
    .replace(new RegExp(PHONE.source, "g"), " , ")
    .replace(REACH_WORDS, " , ");
  for (const part of cleaned.split(/[,;\n|/()<>[\]]|\s[-–—]\s/u)) {
    const name = part.replace(/^[\s\-–—:.]+|[\s\-–—:.]+$/gu, "").replace(/\s+/g, " ");
    if ((name.match(LETTERS) ?? []).length >= 2) return name.slice(0, 80);
  }
  return null;
}

/** The contact line has a phone number. */
export function contactHasPhone(line: string | null | undefined): boolean {
  return line ? PHONE.test(line) : false;
}

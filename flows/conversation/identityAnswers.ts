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

/**
 * Masks personal data in text before it leaves the process for an AI provider: e-mail
 * addresses, phone numbers, IBANs and Italian tax codes. Product codes, dates, amounts and
 * ticket numbers stay, because they are what a technician needs.
 */
import { isValidPhoneNumber } from "libphonenumber-js";

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/gi;
const TAX_CODE = /\b[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]\b/gi;
// A run of digits with the separators people type in phone numbers, optionally "+CC" or "00CC".
// Not glued to a word or code ("T-2026-0042", "SN12345678" stay).
const PHONE = /(?<![\p{L}\p{N}][-_/.]?)(?:\+|00)?\(?\d[\d\s./()-]{6,}\d(?![\p{L}\p{N}])/gu;
const DATE_LIKE = /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/;
const AMOUNT_LIKE = /^\d{1,3}(?:\.\d{3})+(?:,\d+)?$/;

/**
 * Decides whether a digit run is a phone number: international prefix, a valid Italian number,
 * or a formatted group of 9–13 digits. A bare digit run that is not a valid number (a seal's
 * serial number) stays, so technicians still see it.
 */
function looksLikePhone(candidate: string, digits: string): boolean {
  if (candidate.startsWith("+") || /^00[1-9]/.test(candidate)) return true;
  try {
    if (isValidPhoneNumber(digits, "IT")) return true;
  } catch {
    // not parseable as a phone number: decide by shape below
  }
  const formatted = /[\s./()-]/.test(candidate);
  return formatted && digits.length >= 9 && digits.length <= 13;
}

/** Replaces e-mails with `[email]`, phone numbers with `[phone]`, IBANs with `[iban]`, tax codes with `[tax-id]`. */
export function maskPii(text: string): string {
  return text
    .replace(EMAIL, "[email]")
    .replace(IBAN, (match) => {
      const compact = match.replace(/\s/g, "");
      return compact.length >= 15 && /\d{6,}/.test(compact) ? "[iban]" : match;
    })
    .replace(TAX_CODE, "[tax-id]")
    .replace(PHONE, (match) => {
      const trimmed = match.trim();
      const digits = trimmed.replace(/\D/g, "");
      if (digits.length < 8 || digits.length > 15) return match;
      if (DATE_LIKE.test(trimmed) || AMOUNT_LIKE.test(trimmed)) return match;
      if (!looksLikePhone(trimmed, digits)) return match;
      const lead = match.match(/^\s*/)?.[0] ?? "";
      const tail = match.match(/\s*$/)?.[0] ?? "";
      return `${lead}[phone]${tail}`;
    });
}

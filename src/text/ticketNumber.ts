/**
 * Ticket numbers ("LT-2026-00042") in chat texts. A phone breaks a line after a hyphen, so a
 * number sent to a phone chat uses U+2011 NON-BREAKING HYPHEN: it looks like a hyphen (one visible
 * character per hyphen, same glyph, read aloud as a hyphen), it is a single character so a copied
 * number stays one token, and unlike U+2060 WORD JOINER it adds no invisible character that would
 * make two identical-looking numbers differ. Whatever comes back — a copied U+2011, another dash,
 * an invisible joiner — is read as the ASCII number by {@link asciiTicketNumbers}.
 */

/** Hyphen-like characters a copied or typed number may carry (ASCII, Unicode hyphens and dashes, minus signs, full width). */
const DASH = "[-\\u2010\\u2011\\u2012\\u2013\\u2014\\u2212\\ufe63\\uff0d]";
/** Invisible characters that keep words together, dropped inside a number. */
const JOINERS = "[\\u2060\\u200b\\u200d\\ufeff]*";

const ANY_FORM = new RegExp(
  `(?<![\\p{L}\\p{N}])(\\p{L}{2,4})${JOINERS}${DASH}${JOINERS}(\\d{4})${JOINERS}${DASH}${JOINERS}(\\d{3,})(?!\\p{N})`,
  "gu",
);
const ASCII_FORM = /(?<![\p{L}\p{N}])([A-Z]{2,4})-(\d{4})-(\d{3,})(?!\p{N})/gu;

/** `text` with each ticket number in its non-breaking form ("LT‑2026‑00042"), for phone chats. */
export function unbreakableTicketNumbers(text: string): string {
  return text.replace(ASCII_FORM, "$1\u2011$2\u2011$3");
}

/**
 * `text` with each ticket number a customer or technician sent back in its ASCII form: any
 * hyphen or dash, invisible joiners dropped, the prefix upper-cased ("lt‑2026‑00042" →
 * "LT-2026-00042").
 */
export function asciiTicketNumbers(text: string): string {
  return text.replace(ANY_FORM, (_whole, prefix: string, year: string, n: string) =>
    /^[A-Za-z]+$/.test(prefix) ? `${prefix.toUpperCase()}-${year}-${n}` : _whole,
  );
}

/**
 * WhatsApp accepts about 65,000 characters per message, but long messages render badly and some
 * clients truncate them; 4,000 keeps every part comfortably readable.
 */
export const WHATSAPP_TEXT_LIMIT = 4000;

/**
 * Splits `text` into parts of at most `limit` UTF-16 units, preferring paragraph breaks, then
 * line breaks, then spaces, and never cutting a surrogate pair in half. Empty text gives no parts.
 */
export function splitMessageText(text: string, limit: number = WHATSAPP_TEXT_LIMIT): string[] {
  if (limit < 2) throw new RangeError("limit must be at least 2");
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    let cut = window.lastIndexOf("\n\n");
    if (cut < limit / 2) cut = window.lastIndexOf("\n");
    if (cut < limit / 2) cut = window.lastIndexOf(" ");
    if (cut < limit / 2) {
      cut = limit;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    const part = rest.slice(0, cut).trimEnd();
    if (part !== "") parts.push(part);
    rest = rest.slice(cut).replace(/^\s+/u, "");
  }
  if (rest.trim() !== "") parts.push(rest.trimEnd());
  return parts;
}

/**
 * Phone-number handling for WhatsApp ids. WhatsApp addresses a person as `<digits>@c.us`, where
 * the digits are the international number without "+"; newer accounts may instead appear as an
 * opaque `<digits>@lid` ("linked id") that is NOT a phone number and must be resolved through the
 * contact. libphonenumber-js decides what a plausible number is so we never invent one.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js";

/** Server suffix of a person's chat addressed by phone number. */
export const PHONE_SERVER = "c.us";
/** Server suffix of a person addressed by a linked id (privacy id, not a phone number). */
export const LID_SERVER = "lid";

/** The part after "@" (`c.us`, `lid`, `g.us`, `broadcast`, `newsletter`…), or "" when absent. */
export function whatsAppServer(id: string): string {
  const at = id.lastIndexOf("@");
  return at < 0 ? "" : id.slice(at + 1);
}

/**
 * International digits ("393331234567", "+39 333 123 4567", "393331234567@c.us") → E.164
 * ("+393331234567"), or `undefined` when the digits are not a possible phone number.
 * Device suffixes (`39333…:12@c.us`) are dropped.
 */
export function toE164(digitsOrId: string): string | undefined {
  const user = digitsOrId.split("@")[0]!.split(":")[0]!.trim();
  const digits = user.replace(/[\s().-]/gu, "").replace(/^\+/u, "");
  if (!/^[0-9]{6,15}$/u.test(digits)) return undefined;
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed?.isPossible()) return undefined;
  return parsed.number;
}

/** E.164 phone of a `<digits>@c.us` id; `undefined` for lids, groups and anything else. */
export function phoneFromChatId(chatId: string): string | undefined {
  return whatsAppServer(chatId) === PHONE_SERVER ? toE164(chatId) : undefined;
}

/**
 * Normalises the operator's `WHATSAPP_PAIR_PHONE` ("+39 333 123 4567") to the symbol-free
 * international digits whatsapp-web.js wants for pairing codes ("393331234567").
 */
export function pairingDigits(phone: string): string | undefined {
  const e164 = toE164(phone);
  return e164?.slice(1);
}

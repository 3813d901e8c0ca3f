/** Who sent an inbound WhatsApp message: an E.164 phone, resolved through the contact for `@lid` chats. */
import { stringOrUndefined } from "./valueText.js";
import type { WhatsAppClientLike, WhatsAppMessageLike } from "./whatsAppClientLike.js";
import type { WhatsAppLogger } from "./whatsAppOptions.js";
import { PHONE_SERVER, toE164 } from "./whatsAppPhone.js";

/** The sender's id for the port (a phone when it can be found) and the contact's name. */
export interface WhatsAppSender {
  senderId: string;
  contactName?: string;
}

/**
 * E.164 phone of the sender of `message` (from chat `server`); `@lid` senders are resolved
 * through their contact, then the (current) client's lid → phone lookup, else the lid stays the id.
 */
export async function resolveSender(
  message: WhatsAppMessageLike,
  server: string,
  client: () => WhatsAppClientLike | undefined,
  log: WhatsAppLogger,
): Promise<WhatsAppSender> {
  if (server === PHONE_SERVER) {
    const phone = toE164(message.from);
    if (phone) return { senderId: phone };
    log.warn({ from: message.from }, "WhatsApp: sender id is not a valid phone number; using it as is");
    return { senderId: message.from };
  }

  const lidUser = message.from.split("@")[0]!.split(":")[0]!;
  let contactName: string | undefined;
  try {
    const contact = await message.getContact();
    contactName = stringOrUndefined(contact.pushname) ?? stringOrUndefined(contact.name);
    // A privacy-only contact may carry its lid digits as "number": never mistake them for a phone.
    const candidates = [
      contact.id?.server === PHONE_SERVER ? contact.id.user : undefined,
      contact.number !== lidUser ? contact.number : undefined,
    ];
    for (const candidate of candidates) {
      const phone = candidate ? toE164(candidate) : undefined;
      if (phone) return { senderId: phone, ...(contactName ? { contactName } : {}) };
    }
  } catch (error) {
    log.warn({ err: error, from: message.from }, "WhatsApp: could not load the contact of a @lid sender");
  }
  try {
    const [pair] = (await client()?.getContactLidAndPhone?.([message.from])) ?? [];
    const phone = pair?.pn ? toE164(pair.pn) : undefined;
    if (phone) return { senderId: phone, ...(contactName ? { contactName } : {}) };
  } catch (error) {
    log.warn({ err: error, from: message.from }, "WhatsApp: lid → phone lookup failed");
  }
  log.warn(
    { from: message.from },
    "WhatsApp: could not resolve a @lid sender to a phone number; using the lid as sender id",
  );
  return { senderId: message.from, ...(contactName ? { contactName } : {}) };
}

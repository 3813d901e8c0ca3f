/**
 * How e-mails are threaded to conversations and tickets, with nothing but headers:
 *
 * - every thread (one customer problem) is its own chat: `chatId = "<address>#<thread key>"`;
 * - our outgoing Message-IDs carry the outbox id (so a re-send has the same id) and the thread
 *   key: `<o.<outboxId>.<threadKey>@<domain>>`, so a reply's `In-Reply-To`/`References` lead
 *   back to the chat even when the customer's client drops the subject;
 * - the ticket number travels in the subject: `Re: [LG-2026-00042] Printer offline`.
 */

import { createHash } from "node:crypto";
import { asciiTicketNumbers } from "../../text/ticketNumber.js";
import { isUnverifiedChat, UNVERIFIED_CHAT_PREFIX } from "../port.js";

/** The e-mail chat of an address and a thread. */
export function emailChatId(address: string, threadKey: string): string {
  return `${address.toLowerCase()}#${threadKey}`;
}

/** Address and thread key of an e-mail chat id. */
export function parseEmailChatId(chatId: string): { address: string; threadKey: string } {
  // An unverified sender's chat: replies still go to the From address, never to a Reply-To.
  if (isUnverifiedChat(chatId)) chatId = chatId.slice(UNVERIFIED_CHAT_PREFIX.length);
  const at = chatId.lastIndexOf("#");
  if (at < 0) return { address: chatId.toLowerCase(), threadKey: "" };
  return { address: chatId.slice(0, at).toLowerCase(), threadKey: chatId.slice(at + 1) };
}

/** A short, stable thread key for a new thread started by a message id. */
export function threadKeyFor(messageId: string): string {
  return createHash("sha256").update(messageId).digest("base64url").replace(/[-_]/g, "x").slice(0, 12);
}

/** A thread key for mails about a ticket that did not start as an e-mail (close summary, rep). */
export function ticketThreadKey(kind: "t" | "r", ticketNumber: string): string {
  return `${kind}-${ticketNumber.toLowerCase()}`;
}

/** Our Message-ID for an outbound message (angle brackets included). */
export function outboundMessageId(outboxId: string, threadKey: string, domain: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9-]/g, "");
  return `<o.${safe(outboxId)}.${safe(threadKey)}@${domain}>`;
}

/** The thread keys named by our own Message-IDs among the given ids (In-Reply-To, References). */
export function threadKeysFromIds(ids: string[], domain: string): string[] {
  const suffix = `@${domain.toLowerCase()}>`;
  const keys: string[] = [];
  for (const id of ids) {
    const m = /^<o\.[A-Za-z0-9-]+\.([A-Za-z0-9-]+)@([^>]+)>$/.exec(id.trim());
    if (m && `@${m[2]!.toLowerCase()}>` === suffix) keys.push(m[1]!);
  }
  return keys;
}

/** The ticket numbers written in brackets in a subject, e.g. `[LG-2026-00042]`. */
export function ticketNumbersInSubject(subject: string): string[] {
  // A number pasted from a chat may carry non-breaking hyphens: read in its ASCII form.
  return [...asciiTicketNumbers(subject).matchAll(/\[\s*([A-Z]{2,4}-\d{4}-\d{3,})\s*\]/g)].map((m) => m[1]!);
}

/** The subject without reply/forward prefixes and ticket tags, for a thread's title. */
export function baseSubject(subject: string): string {
  let s = asciiTicketNumbers(subject).trim();
  for (;;) {
    const next = s
      .replace(/^(re|r|aw|sv|fw|fwd|i|inoltra|rif)\s*(\[\d+\])?\s*:\s*/i, "")
      .replace(/^\[\s*[A-Z]{2,4}-\d{4}-\d{3,}\s*\]\s*/, "")
      .trim();
    if (next === s) return s;
    s = next;
  }
}

/** The subject of a reply in a ticket's thread. */
export function replySubject(subject: string, ticketNumber: string | null): string {
  const base = baseSubject(subject);
  const tag = ticketNumber ? `[${ticketNumber}] ` : "";
  return `Re: ${tag}${base}`.trim();
}

/** The list of ids in a References/In-Reply-To value (mailparser gives a string or a list). */
export function messageIdList(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(" ") : (value ?? "");
  return joined.match(/<[^<>\s]+>/g) ?? [];
}

/** The ticket number a thread key made by {@link ticketThreadKey} names, or null. */
export function ticketOfThreadKey(threadKey: string): string | null {
  const match = /^[tr]-([a-z]{2,4}-\d{4}-\d+)$/.exec(threadKey);
  return match ? match[1]!.toUpperCase() : null;
}

/**
 * The sign-up's bookkeeping: what the customer said so far about who they are (each answer read
 * by `parseIdentityLine`, in any order), what is still missing, which question comes next and
 * how many times each was asked. Pure and policy-independent.
 */
import type { CountryCode } from "libphonenumber-js/max";
import { type IdentityQuestion, parseIdentityLine } from "../../src/understanding/identityLine.js";
import type { ConversationContext, Identity, IdentityStep } from "./conversationTypes.js";
import { inputText } from "./messageInput.js";
import { MAX_ASKS } from "./steps.js";

/** A sign-up question is asked at most {@link MAX_ASKS} times; then the customer is registered. */
export { MAX_ASKS };

/** The identity with the fields of `text` (an answer to `question`) that were still empty. */
export function withAnswer(
  identity: Identity,
  text: string,
  question: IdentityQuestion,
  region: CountryCode,
): Identity {
  const read = parseIdentityLine(text, { question, region });
  return {
    ...identity,
    company: identity.company ?? read.company,
    contactName: identity.contactName ?? read.contactName,
    phone: identity.phone ?? read.phone,
    email: identity.email ?? read.email,
  };
}

/** The message of `context` read into its identity, as an answer to `question`. */
export const answered = (context: ConversationContext, question: IdentityQuestion, region: CountryCode) =>
  withAnswer(context.identity, inputText(context), question, region);

/** The answer gives no field the identity lacked. */
export const addsNothing = (context: ConversationContext, next: Identity) =>
  (["company", "contactName", "phone", "email"] as const).every(
    (k) => (next[k] ?? null) === (context.identity[k] ?? null),
  );

/** The channel gives a way to reach the customer (WhatsApp's phone, the e-mail sender). */
const channelReach = (context: ConversationContext) =>
  Boolean(context.chat.senderPhone) || Boolean(context.chat.senderEmail);

/** The customer can be reached: by the channel, or a number or address they wrote. */
export const reachable = (context: ConversationContext) =>
  channelReach(context) || Boolean(context.identity.phone) || Boolean(context.identity.email);

/** What the sign-up still lacks, in the order it is asked. */
export function missingSteps(context: ConversationContext): IdentityStep[] {
  const { identity } = context;
  const missing: IdentityStep[] = [];
  if (!identity.company) missing.push("company");
  if (!identity.contactName) missing.push("contact");
  if (!reachable(context)) missing.push("reach");
  return missing;
}

/** How many times `step` was asked. */
export const askedTimes = (context: ConversationContext, step: IdentityStep) =>
  context.identity.asked?.[step] ?? 0;

/** The next question to ask: the first missing one not yet asked {@link MAX_ASKS} times. */
export const nextStep = (context: ConversationContext): IdentityStep | null =>
  missingSteps(context).find((step) => askedTimes(context, step) < MAX_ASKS) ?? null;

/** The identity with `steps` counted as asked once more. */
export function countAsked(identity: Identity, steps: IdentityStep[]): Identity {
  const asked = { ...identity.asked };
  for (const step of steps) asked[step] = (asked[step] ?? 0) + 1;
  return { ...identity, asked };
}

/** The fields of the record the customer did not give (a technician completes them). */
export function missingFields(context: ConversationContext): ("company" | "contactName" | "reach")[] {
  return missingSteps(context).map((s) => (s === "contact" ? "contactName" : s));
}

/** The `registerCustomer` intent's params: what is known, the channel's own address kept. */
export function registration(context: ConversationContext) {
  const { identity } = context;
  return {
    company: identity.company ?? "",
    contactName: identity.contactName ?? null,
    // The channel's own address is the one the customer is recognised by: it wins.
    phone: context.chat.senderPhone ?? identity.phone ?? null,
    email: context.chat.senderEmail ?? identity.email ?? null,
    language: context.language,
    missing: missingFields(context),
  };
}

/** Words that introduce a phone number or an address in a contact line ("tel.", "email:"). */
const PHONE = /\+?\d[\d\s./()-]{5,}\d/;
const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]{2,}/;
const LETTERS = /\p{L}/gu;
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

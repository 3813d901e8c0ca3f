/**
 * The runtime's loop guards, a safety net under the conversation machine: a chat where the bot
 * keeps talking while the customer's answers move nothing is handed to a person (the machine's
 * `handover` state), and an e-mail thread or sender past its automatic-mail limits is handed over
 * silently (no more automatic mail: the thread may be an auto-responder).
 *
 * "Forward" (progress), decided per customer message: the message changes the machine's
 * progress mark — its state, the question asked, the problem collected (draft), the ticket
 * followed, the technician, the feedback, the identity given — or makes the runtime open a
 * ticket, register the customer, record consent or feedback, complete a ticket or start triage
 * or transcription. Adding a message to a ticket alone is not progress (an auto-responder's
 * mails would be). Messages the machine answers without progress count their bot messages (an
 * e-mail turn is one message); past `botMessagesWithoutProgress` the chat is handed over
 * instead of answered. The counts are kept with the chat's snapshot (see `storedConversation`),
 * so they survive restarts and hold across instances (one transaction per chat at a time).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { ConversationContext } from "../../flows/conversationMachine.js";
import type { Intent } from "../../flows/intents.js";
import { normalize } from "../../flows/textMatchers.js";

/** Intents that are progress by themselves. */
const PROGRESS_INTENTS = new Set<Intent["type"]>([
  "openTicket",
  "registerCustomer",
  "recordConsent",
  "recordFeedback",
  "completeTicket",
  "triage",
  "transcribe",
  "handOver",
]);

/** What the guards keep per chat, beside the machine's snapshot. */
export const guardStateSchema = z.object({
  /** Bot messages since the customer last moved the conversation on. */
  quiet: z.number().int().nonnegative().default(0),
  /** E-mail: automatic mails in this thread since the last human answer. */
  mails: z.number().int().nonnegative().default(0),
  /** E-mail: a digest of the last inbound text (an auto-responder repeats itself). */
  lastText: z.string().nullable().default(null),
});
export type GuardState = z.infer<typeof guardStateSchema>;

/** The guard state of a chat with none stored. */
export const emptyGuard = (): GuardState => ({ quiet: 0, mails: 0, lastText: null });

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Reads a stored guard state; anything unreadable starts from zero. */
export function readGuard(value: unknown): GuardState {
  // Every message reads one: the shape this module writes is checked by hand, the rest by zod.
  if (typeof value === "object" && value !== null) {
    const { quiet, mails, lastText } = value as Record<string, unknown>;
    if (isCount(quiet) && isCount(mails) && (lastText === null || typeof lastText === "string"))
      return { quiet, mails, lastText };
  }
  return guardStateSchema.safeParse(value ?? {}).data ?? emptyGuard();
}

/**
 * The parts of a conversation that only change when the conversation moves on. The snapshot is
 * immutable (XState's `assign` makes new objects), so the mark keeps references, not a copy.
 */
export function progressMark(value: unknown, context: ConversationContext): readonly unknown[] {
  return [
    value,
    context.prompt,
    context.draft,
    context.ticket,
    context.technician,
    context.feedback,
    context.identity,
    context.customer?.id ?? null,
    context.handover ?? null,
  ];
}

/**
 * Whether two values read the same once stored as JSON (a property set to `undefined` is as
 * absent), checked without building the JSON: most parts are the same object before and after.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item ?? null, b[i] ?? null));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) if (x[key] !== undefined && !sameJson(x[key], y[key])) return false;
  for (const key in y) if (y[key] !== undefined && x[key] === undefined) return false;
  return true;
}

/** Whether a customer message moved the conversation on (see the module comment). */
export function movedOn(before: readonly unknown[], after: readonly unknown[], intents: Intent[]): boolean {
  return !sameJson(before, after) || intents.some((i) => PROGRESS_INTENTS.has(i.type));
}

/** Messages the customer gets from these intents: one per reply, one e-mail per turn. */
export function botMessages(intents: Intent[], oneMessagePerTurn: boolean): number {
  const replies = intents.filter((i) => i.type === "reply").length;
  return oneMessagePerTurn ? Math.min(replies, 1) : replies;
}

/** A short digest of a message's text, to tell a repeated (automatic) answer from a new one. */
export function textDigest(text: string): string {
  return createHash("sha256").update(normalize(text)).digest("base64url").slice(0, 16);
}

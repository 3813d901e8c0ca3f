/**
 * The runtime's loop guards, a safety net under the conversation machine: a chat where the bot
 * keeps talking while the customer's answers move nothing is handed to a person (the machine's
 * `handover` state), and an e-mail thread or sender past its automatic-mail limits is handed over
 * silently (no more automatic mail: the thread may be an auto-responder).
 *
 * "Forward" (progress), decided per customer message: the message makes the runtime open a
 * ticket, register the customer, record consent or feedback, complete a ticket or start triage
 * or transcription, or it takes the conversation to a place it has not been since that last
 * happened — a new progress mark: its state, the question asked, the problem collected (draft),
 * the ticket followed, the technician, the feedback, the identity given. Staying put is not
 * progress, nor is going round in a circle (menu → "not understood" → contacts → menu …), nor is
 * adding a message to a ticket alone (an auto-responder's mails would be). Messages answered
 * without progress count their bot messages (an e-mail turn is one message); past
 * `botMessagesWithoutProgress` the chat is handed over instead of answered. The counts and the
 * places visited are kept with the chat's snapshot (see `storedConversation`), so they survive
 * restarts and hold across instances (one transaction per chat at a time).
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
  /** Digests of the progress marks visited since the last progress intent (the newest last). */
  seen: z.array(z.string()).default([]),
});
export type GuardState = z.infer<typeof guardStateSchema>;

/** The guard state of a chat with none stored. */
export const emptyGuard = (): GuardState => ({ quiet: 0, mails: 0, lastText: null, seen: [] });

/** Places remembered per chat: enough for any circle of the conversation's states. */
const MAX_SEEN = 24;

/** Reads a stored guard state; anything unreadable starts from zero. */
export function readGuard(value: unknown): GuardState {
  return guardStateSchema.safeParse(value ?? {}).data ?? emptyGuard();
}

/** A digest of the parts of a conversation that only change when it moves (its place). */
export function progressMark(value: unknown, context: ConversationContext): string {
  const mark = JSON.stringify([
    value,
    context.prompt,
    context.draft,
    context.ticket,
    context.technician,
    context.feedback,
    context.identity,
    context.customer?.id ?? null,
    context.handover ?? null,
  ]);
  return createHash("sha256").update(mark).digest("base64url").slice(0, 12);
}

/**
 * Whether a customer message moved the conversation on (see the module comment), remembering
 * the place it reached: `before` and `after` are the progress marks around the message.
 */
export function movedOn(guard: GuardState, before: string, after: string, intents: Intent[]): boolean {
  if (intents.some((i) => PROGRESS_INTENTS.has(i.type))) {
    guard.seen = [after];
    return true;
  }
  if (guard.seen.length === 0) guard.seen = [before];
  if (guard.seen.includes(after)) return false;
  guard.seen = [...guard.seen, after].slice(-MAX_SEEN);
  return true;
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

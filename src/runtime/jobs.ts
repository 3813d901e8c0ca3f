/**
 * Durable timers and background work as typed jobs: each kind with its payload (a discriminated
 * union), the one place that schedules them and the one place that reads them back from the
 * job table (stored payloads are validated, never cast).
 */
import { z } from "zod";
import type { AttachmentMeta, Language } from "../../flows/intents.js";
import type { TicketTimerKind } from "../../flows/ticketMachine.js";
import type { ChannelName } from "../channels/port.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { ChatRef } from "./runtimeTypes.js";

/** What a desk is told about a ticket, by event; the ticket view is built when the job runs. */
export type DeskNotification =
  | { event: "ticket.opened"; ticket: string }
  | { event: "customer.message"; ticket: string; text: string; attachments: AttachmentMeta[] }
  | { event: "staff.reply"; ticket: string; change?: string; text: string; by: string; origin?: string }
  | { event: "oncall.paged"; ticket: string; repeat: number; technicianId: string | null }
  | { event: "ticket.escalated"; ticket: string; change: string }
  | { event: "ticket.updated"; ticket: string; change: string }
  | { event: "ticket.erased"; ticket: string };

/** Every job kind with its payload. */
export type JobSpec =
  | { kind: "desk.notify"; payload: DeskNotification & { desk: string } }
  | { kind: "ticket.escalate"; payload: { number: string } }
  | { kind: "ticket.callback"; payload: { number: string } }
  | { kind: "oncall.repage"; payload: { number: string; repeat: number } }
  | { kind: "pager.step"; payload: { pageId: string; step: number } }
  | { kind: "pager.outage"; payload: { component: string } }
  | { kind: "ai.triage"; payload: { chat: ChatRef; text: string; language: Language } }
  | { kind: "ai.transcribe"; payload: { chat: ChatRef; attachment: AttachmentMeta } }
  | { kind: "ai.interpret"; payload: InterpretJob }
  | { kind: "phone.voicemail"; payload: VoicemailJob };

/** A phone line's voicemail to take (src/phone/voicemailIntake.ts); `attempt`: downloads tried. */
export interface VoicemailJob {
  callSid: string;
  recordingSid: string;
  recordingUrl: string;
  from: string;
  durationSeconds: number;
  line: string;
  /** When it was recorded (ISO). */
  at: string;
  attempt: number;
}

/**
 * An answer to read (the conversation's `interpretAnswer`): the question and its choices as the
 * customer read them, and `seq`, which the answer carries back to the chat.
 */
export interface InterpretJob {
  chat: ChatRef;
  seq: number;
  text: string;
  question: string;
  options: { id: string; label: string }[];
  language: Language;
}

export type JobKind = JobSpec["kind"];

/** A job to schedule: its kind and payload, a key (one pending job per key) and when it is due. */
export type NewJob = JobSpec & { key: string; dueAt: Date };

/** A due job read back from the table. */
export type Job = JobSpec & { id: string; key: string; dueAt: Date; attempts: number };

/** The payload type of one job kind. */
export type JobPayload<K extends JobKind> = Extract<JobSpec, { kind: K }>["payload"];

/** Schedules (or moves) the pending job with this key, in the caller's transaction. */
export async function scheduleJob(tx: StoreTx, job: NewJob): Promise<void> {
  await store.scheduleJob(tx, { kind: job.kind, key: job.key, dueAt: job.dueAt, payload: job.payload });
}

/** The key of a ticket's SLA timer of one kind (cancelled by the ticket machine's `cancelTimers`). */
export function timerKey(kind: TicketTimerKind, number: string): string {
  return `${kind}:${number}`;
}

// Reading back: lenient about fields older versions may have left out, strict about types.
const text = z
  .unknown()
  .optional()
  .transform((v) => (v === undefined || v === null ? "" : String(v)));
const chatRef = z
  .object({ channel: z.string(), chatId: z.string() })
  .transform((c): ChatRef => ({ channel: c.channel as ChannelName, chatId: c.chatId }));
const attachmentMeta = z
  .object({
    kind: z.string(),
    mime: z.string().optional(),
    name: z.string().optional(),
    size: z.number().optional(),
    ref: z.string().optional(),
    error: z.enum(["too-large", "unavailable"]).optional(),
  })
  .transform((a) => a as AttachmentMeta);
const ticketNumber = z.object({ number: text });

const deskPayload = z
  .object({
    desk: z.string(),
    event: z.string(),
    ticket: text,
    text: text,
    by: text,
    change: text,
    origin: z.unknown().optional(),
    repeat: z.unknown().optional(),
    technicianId: z.unknown().optional(),
    attachments: z.array(attachmentMeta).catch([]),
  })
  .transform((p): JobPayload<"desk.notify"> => {
    const base = { desk: p.desk, ticket: p.ticket };
    switch (p.event) {
      case "ticket.opened":
        return { ...base, event: "ticket.opened" };
      case "customer.message":
        return { ...base, event: "customer.message", text: p.text, attachments: p.attachments };
      case "staff.reply":
        return {
          ...base,
          event: "staff.reply",
          text: p.text,
          by: p.by,
          ...(typeof p.origin === "string" && p.origin ? { origin: p.origin } : {}),
        };
      case "oncall.paged":
        return {
          ...base,
          event: "oncall.paged",
          repeat: Number(p.repeat ?? 0),
          technicianId: p.technicianId ? String(p.technicianId) : null,
        };
      case "ticket.escalated":
        return { ...base, event: "ticket.escalated", change: p.change };
      case "ticket.erased":
        return { ...base, event: "ticket.erased" };
      default:
        return { ...base, event: "ticket.updated", change: p.change };
    }
  });

const payloads = {
  "desk.notify": deskPayload,
  "ticket.escalate": ticketNumber,
  "ticket.callback": ticketNumber,
  "oncall.repage": z.object({ number: text, repeat: z.unknown().optional() }).transform((p) => ({
    number: p.number,
    repeat: Number(p.repeat ?? 1),
  })),
  "pager.step": z.object({ pageId: text, step: z.number().int().nonnegative() }),
  "pager.outage": z.object({ component: text }),
  "ai.triage": z.object({ chat: chatRef, text, language: z.enum(["it", "en"]).catch("it") }),
  "ai.transcribe": z.object({ chat: chatRef, attachment: attachmentMeta }),
  "ai.interpret": z.object({
    chat: chatRef,
    seq: z.number().int(),
    text,
    question: text,
    options: z.array(z.object({ id: z.string(), label: z.string() })),
    language: z.enum(["it", "en"]).catch("it"),
  }),
  "phone.voicemail": z.object({
    callSid: z.string().min(1),
    recordingSid: z.string().min(1),
    recordingUrl: z.string().min(1),
    from: text,
    durationSeconds: z.number().catch(0),
    line: text,
    at: z.string(),
    attempt: z.number().int().nonnegative().catch(0),
  }),
} satisfies { [K in JobKind]: z.ZodType<JobPayload<K>, unknown> };

function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(payloads, kind);
}

/** Reads a stored job as a typed {@link Job}; an unknown kind or unreadable payload gives an error text. */
export function toJob(row: store.JobRow): { job: Job } | { error: string } {
  if (!isJobKind(row.kind)) return { error: `unknown job kind ${row.kind}` };
  const parsed = payloads[row.kind].safeParse(row.payload);
  if (!parsed.success) return { error: `unreadable ${row.kind} payload: ${parsed.error.message}` };
  return {
    job: {
      kind: row.kind,
      payload: parsed.data,
      id: row.id,
      key: row.key,
      dueAt: row.dueAt,
      attempts: row.attempts,
    } as Job,
  };
}

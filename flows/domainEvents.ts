/**
 * The audit trail's vocabulary: every domain event name with the payload recorded under it,
 * declared once. The runtime and the ticket machine record them (`recordEvent`, the machine's
 * `record` intent); reports, metrics, the transcript and the privacy tools read them by name.
 */
import type { Charge } from "../src/policy/charge.js";
import type { AttachmentMeta, TicketDraft } from "./intents.js";
import type { MailAnswers } from "./mailIntake.js";

/** Each domain event's payload, by name (the ticket number is added to every stored payload). */
export type DomainEvents = {
  "ticket.opened": {
    number: string;
    category: string | null;
    priority: TicketDraft["priority"];
    blocking: boolean;
    status: TicketDraft["status"];
    coverage: Record<string, unknown>;
  };
  /** Facts the customer gave after the ticket opened (one-reply intake). */
  "ticket.completed": Pick<MailAnswers, keyof MailAnswers>;
  "ticket.authorization-requested": { salesRep: string | null; emailed: boolean };
  "ticket.authorized": { salesRep: string };
  "ticket.declined": { salesRep: string };
  "ticket.claimed": { technician: string };
  "ticket.reply": { text: string };
  "ticket.asked": { text: string };
  "ticket.note": { text: string };
  /** The bot handed the chat to a person (`reason`: asked, loop, mail-limit, unverified-sender, unknown-caller), with the line staff see. */
  "ticket.handover": { reason: string; prompt: string | null; text: string; note: string };
  "ticket.escalated": { afterServiceMinutes: number };
  "ticket.callback-overdue": Record<string, never>;
  "ticket.closed": { minutes: number; resolution: string; mode?: string | null; charge: Charge };
  "ticket.reopened": { reason: string | null };
  "customer.registered": {
    customerId: string;
    company: string;
    verified: boolean;
    contactName?: string | null;
    phone?: string | null;
    email?: string | null;
    /** What the sign-up could not learn (a technician completes it). */
    missing?: ("company" | "contactName" | "reach")[];
    /** The typed phone already belongs to another customer: not stored. */
    phoneInUse?: boolean;
    /** Registered by a hand-over to a person (unknown customer, unverified). */
    handover?: boolean;
  };
  "customer.message": { text: string; attachments: AttachmentMeta[] };
  "customer.consent": { accepted: boolean; quote: Record<string, unknown>; chat: string };
  /** Written by the customer tools (`src/data/customerQueries.ts`). */
  "customer.updated": Record<string, unknown>;
  /** Written by the erasure (`src/data/customerPrivacy.ts`). */
  "customer.erased": Record<string, unknown>;
  "feedback.recorded": { rating: number; comment: string | null; via?: "email-link" };
  "message.delivery-failed": { channel: string; address?: string; reason: string };
  /**
   * One attempt to reach a person about a page: `repeat` is the escalation step (0 first), `via`
   * the way (desk, telegram, whatsapp, email, sms, voice), `who` the part of the chain (on-call,
   * rota, admins), `failed` why the way failed.
   */
  "oncall.paged": {
    technician: string | null;
    repeat: number;
    via?: string;
    who?: string;
    failed?: string;
  };
  /** A page was acknowledged (`via`: the way, the board, Slack). */
  "oncall.acknowledged": { via?: string };
  /** A channel or desk has been degraded for the preset's minutes (`recovered`: it works again). */
  "staff.outage": { component: string; detail: string; recovered: boolean };
};

export type DomainEventName = keyof DomainEvents;

/** A name with its payload, as the ticket machine's `record` intent carries it. */
export type DomainEventRecord = {
  [N in DomainEventName]: { event: N; actor: string | null; payload: DomainEvents[N] };
}[DomainEventName];

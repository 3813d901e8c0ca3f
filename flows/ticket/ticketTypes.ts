/**
 * The ticket machine's vocabulary: its context (loaded from the stored ticket), the events staff
 * actions and SLA timers send it, and the intents it returns for the runtime to execute.
 */
import type { PackageInput } from "../../src/policy/charge.js";
import type { Localized, WorkMode } from "../../src/policy/schema.js";
import type { PartInput, PriorSession, SessionCharge } from "../../src/policy/sessionCharge.js";
import type { SlaTimer, SlaTimerKind } from "../../src/policy/slaTimers.js";
import type { DomainEventRecord } from "../domainEvents.js";
import type { Params } from "../intents.js";

/** A file kept by the runtime's media store, sent to the customer with a technician's reply. */
export interface StoredAttachment {
  kind: string;
  name: string;
  mime?: string;
  ref: string;
}

/** The ticket's status, stored on the ticket row and used as the machine's state value. */
export type TicketState =
  | "new"
  | "awaiting-authorization"
  | "open"
  | "claimed"
  | "waiting-on-customer"
  | "closed";

/** What the ticket machine knows about a ticket, loaded by the runtime before each event. */
export interface TicketContext {
  number: string;
  category: string | null;
  plans: string[];
  coverage: Record<string, unknown>;
  assignee: { id: string; name: string } | null;
  usedThisMonthMinutes: number;
  /** Minutes of the customer's closes this month under each plan (loaded for a close). */
  usedThisMonthByPlan?: Record<string, number>;
  /** Earlier closes of this ticket (a reopened ticket), oldest first (loaded for a close). */
  sessions?: PriorSession[];
}

/** A monthly or per-intervention allowance after a close, as the customer is told it. */
export interface AllowanceAfterClose {
  plan: string;
  per: "intervention" | "month";
  capMinutes: number;
  /** This month's minutes under the plan, this close included (per month); this intervention's (per intervention). */
  usedMinutes: number;
  /** Per month: what is left of the allowance; per intervention: null. */
  leftMinutes: number | null;
}

/** What a close tells the customer about its charge: the session's charge and the ticket's total. */
export interface CloseChargeTold extends SessionCharge {
  category: string | null;
  allowance: AllowanceAfterClose | null;
  exclusions: Localized[];
}

/** Staff actions, SLA timers and customer messages, as events of the ticket machine. */
export type TicketEvent =
  /** The ticket was stored; `at` (ISO 8601) is when, the start of its SLA timers when it goes to support. */
  | { type: "open"; requiresAuthorization: boolean; at: string }
  /** Authorized at `at` (ISO 8601): the request reaches support then, and its SLA timers start. */
  | { type: "authorize"; technician: { id: string; name: string }; salesRep: string; at: string }
  /** The sales representative declined the request (one-time link): the customer is told politely. */
  | { type: "decline"; salesRep: string }
  | { type: "claim"; technician: { id: string; name: string } }
  | {
      type: "reply";
      technician: { id: string; name: string };
      text: string;
      attachments?: StoredAttachment[];
      /** The desk the reply came from, passed on to desks so that one can skip its own echo. */
      origin?: string;
    }
  | { type: "note"; technician: { id: string; name: string }; text: string }
  | { type: "ask"; technician: { id: string; name: string }; text: string; origin?: string }
  | { type: "customer.message" }
  | {
      type: "close";
      technician: { id: string; name: string };
      minutes: number;
      resolution: string;
      category?: string;
      plan?: string;
      /** A preset package billed instead of the minutes. */
      billing?: PackageInput;
      /** How the work was done (preset `charges.workModes`). */
      mode?: WorkMode;
      /** Spare parts fitted (net cents each). */
      parts?: PartInput[];
      /** Transport of the hardware (net cents). */
      transportCents?: number;
    }
  | { type: "reopen"; technician: { id: string; name: string }; reason?: string }
  | { type: "escalate"; afterServiceMinutes: number }
  | { type: "callback.overdue" };

/** What the runtime must do after a ticket event: the machine's named actions and their params. */
export type TicketIntent =
  | { type: "record"; params: DomainEventRecord }
  | { type: "tellCustomer"; params: { key: string; params?: Params } }
  | { type: "relayToCustomer"; params: { technician: string; text: string; attachments: StoredAttachment[] } }
  | {
      type: "conversation";
      params: {
        event:
          | "ticket.claimed"
          | "ticket.closed"
          | "ticket.reopened"
          | "ticket.authorized"
          | "ticket.declined"
          | "ticket.replied";
        data: Record<string, unknown>;
      };
    }
  | {
      type: "desk";
      params: {
        event: "ticket.updated" | "ticket.escalated" | "staff.reply";
        change: string;
        text?: string;
        by?: string;
        origin?: string;
      };
    }
  | {
      type: "saveClose";
      params: {
        minutes: number;
        resolution: string;
        category: string | null;
        charge: CloseChargeTold;
        technician: { id: string; name: string };
        mode: WorkMode | null;
      };
    }
  /** Durable timers to store (or move) for this ticket, with the instants the policy decided. */
  | { type: "scheduleTimers"; params: { timers: SlaTimer[] } }
  | { type: "cancelTimers"; params: { kinds: TicketTimerKind[] } };

/** The durable timers a ticket can have pending: its SLA timers and the on-call page. */
export type TicketTimerKind = SlaTimerKind | "oncall.repage";

/** The params of the ticket intent of type `T`. */
export type TicketIntentParams<T extends TicketIntent["type"]> = Extract<TicketIntent, { type: T }>["params"];

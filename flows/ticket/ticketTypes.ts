/**
 * The ticket machine's vocabulary: its context (loaded from the stored ticket), the events staff
 * actions and SLA timers send it, and the intents it returns for the runtime to execute.
 */
import type { computeCharge, PackageInput } from "../../src/policy/charge.js";
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
}

/** Staff actions, SLA timers and customer messages, as events of the ticket machine. */
export type TicketEvent =
  | { type: "open"; requiresAuthorization: boolean }
  | { type: "authorize"; technician: { id: string; name: string }; salesRep: string }
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
        charge: ReturnType<typeof computeCharge>;
      };
    }
  | { type: "cancelTimers"; params: { kinds: string[] } };

/** The params of the ticket intent of type `T`. */
export type TicketIntentParams<T extends TicketIntent["type"]> = Extract<TicketIntent, { type: T }>["params"];

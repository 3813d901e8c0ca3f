/**
 * Ticket lifecycle: new → awaiting-authorization (when the preset requires a sales-rep
 * authorization) → open → claimed ⇄ waiting-on-customer → closed, with reopen. Staff actions and
 * SLA timers are its events; what must happen outside (tell the customer, update desks, record
 * the audit trail, schedule or cancel timers) comes out as intents. The charge on close is
 * computed here by the pure policy core.
 */
import { assign, setup } from "xstate";
import { computeCharge, type PackageInput, packageCharge } from "../src/policy/charge.js";
import type { Policy } from "../src/policy/schema.js";
import type { Params } from "./intents.js";

/** A file kept by the runtime's media store, sent to the customer with a technician's reply. */
export interface StoredAttachment {
  kind: string;
  name: string;
  mime?: string;
  ref: string;
}

export type TicketState =
  | "new"
  | "awaiting-authorization"
  | "open"
  | "claimed"
  | "waiting-on-customer"
  | "closed";

export interface TicketContext {
  number: string;
  category: string | null;
  plans: string[];
  coverage: Record<string, unknown>;
  assignee: { id: string; name: string } | null;
  usedThisMonthMinutes: number;
}

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

export type TicketIntent =
  | { type: "record"; params: { event: string; actor: string | null; payload: Record<string, unknown> } }
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
          | "ticket.declined";
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

/** Builds the ticket machine for one policy preset. */
export function createTicketMachine(policy: Policy) {
  const closeCharge = (context: TicketContext, event: Extract<TicketEvent, { type: "close" }>) => {
    if (event.billing) return packageCharge(policy, event.billing);
    const plan = event.plan ?? (typeof context.coverage.plan === "string" ? context.coverage.plan : null);
    return computeCharge(policy, {
      minutes: event.minutes,
      plan: plan === "none" ? null : plan,
      category: event.category ?? context.category ?? undefined,
      usedThisMonthMinutes: context.usedThisMonthMinutes,
    });
  };

  type Args<T extends TicketEvent["type"]> = {
    context: TicketContext;
    event: Extract<TicketEvent, { type: T }>;
  };
  const TIMERS = ["ticket.escalate", "ticket.callback", "oncall.repage"];

  const claimActions = [
    assign({ assignee: ({ event }: Args<"claim">) => event.technician }),
    {
      type: "record" as const,
      params: ({ event }: Args<"claim">) => ({
        event: "ticket.claimed",
        actor: event.technician.name,
        payload: { technician: event.technician.name },
      }),
    },
    {
      type: "conversation" as const,
      params: ({ context, event }: Args<"claim">) => ({
        event: "ticket.claimed",
        data: { number: context.number, technician: event.technician.name },
      }),
    },
    {
      type: "desk" as const,
      params: ({ event }: Args<"claim">) => ({
        event: "ticket.updated",
        change: `claimed by ${event.technician.name}`,
      }),
    },
    { type: "cancelTimers" as const, params: () => ({ kinds: TIMERS }) },
  ];

  const replyActions = [
    {
      type: "relayToCustomer" as const,
      params: ({ event }: Args<"reply" | "ask">) => ({
        technician: event.technician.name,
        text: event.text,
        attachments: "attachments" in event ? (event.attachments ?? []) : [],
      }),
    },
    {
      type: "record" as const,
      params: ({ event }: Args<"reply" | "ask">) => ({
        event: "ticket.reply",
        actor: event.technician.name,
        payload: { text: event.text },
      }),
    },
    {
      type: "desk" as const,
      params: ({ event }: Args<"reply" | "ask">) => ({
        event: "staff.reply",
        change: "reply",
        text: event.text,
        by: event.technician.name,
        ...(event.origin ? { origin: event.origin } : {}),
      }),
    },
  ];

  const closeActions = [
    {
      type: "saveClose" as const,
      params: ({ context, event }: Args<"close">) => ({
        minutes: event.minutes,
        resolution: event.resolution,
        category: event.category ?? context.category,
        charge: closeCharge(context, event),
      }),
    },
    {
      type: "record" as const,
      params: ({ context, event }: Args<"close">) => ({
        event: "ticket.closed",
        actor: event.technician.name,
        payload: {
          minutes: event.minutes,
          resolution: event.resolution,
          charge: closeCharge(context, event),
        },
      }),
    },
    {
      type: "conversation" as const,
      params: ({ context, event }: Args<"close">) => ({
        event: "ticket.closed",
        data: { number: context.number, resolution: event.resolution, charge: closeCharge(context, event) },
      }),
    },
    {
      type: "desk" as const,
      params: ({ event }: Args<"close">) => ({
        event: "ticket.updated",
        change: `closed by ${event.technician.name} (${event.minutes} min)`,
      }),
    },
    { type: "cancelTimers" as const, params: () => ({ kinds: TIMERS }) },
  ];

  return setup({
    types: {
      context: {} as TicketContext,
      events: {} as TicketEvent,
      input: {} as TicketContext,
    },
    actions: {
      record: (_, _p: { event: string; actor: string | null; payload: Record<string, unknown> }) => {},
      tellCustomer: (_, _p: { key: string; params?: Params }) => {},
      relayToCustomer: (_, _p: { technician: string; text: string; attachments: StoredAttachment[] }) => {},
      conversation: (_, _p: { event: string; data: Record<string, unknown> }) => {},
      desk: (_, _p: { event: string; change: string; text?: string; by?: string; origin?: string }) => {},
      saveClose: (
        _,
        _p: {
          minutes: number;
          resolution: string;
          category: string | null;
          charge: ReturnType<typeof computeCharge>;
        },
      ) => {},
      cancelTimers: (_, _p: { kinds: string[] }) => {},
    },
    guards: {
      requiresAuthorization: ({ event }) => event.type === "open" && event.requiresAuthorization,
      validClose: ({ event }) =>
        event.type === "close" &&
        Number.isInteger(event.minutes) &&
        event.minutes >= 0 &&
        event.minutes <= 24 * 60 * 7,
    },
  }).createMachine({
    id: "ticket",
    context: ({ input }) => input,
    initial: "new",
    on: {
      note: {
        actions: {
          type: "record",
          params: ({ event }) => ({
            event: "ticket.note",
            actor: event.technician.name,
            payload: { text: event.text },
          }),
        },
      },
    },
    states: {
      new: {
        on: {
          open: [{ guard: "requiresAuthorization", target: "awaiting-authorization" }, { target: "open" }],
        },
      },
      "awaiting-authorization": {
        on: {
          authorize: {
            target: "open",
            actions: [
              {
                type: "record",
                params: ({ event }) => ({
                  event: "ticket.authorized",
                  actor: event.technician.name,
                  payload: { salesRep: event.salesRep },
                }),
              },
              {
                type: "conversation",
                params: ({ context }) => ({ event: "ticket.authorized", data: { number: context.number } }),
              },
              {
                type: "desk",
                params: ({ event }) => ({
                  event: "ticket.updated",
                  change: `authorized (sales rep ${event.salesRep})`,
                }),
              },
            ],
          },
          decline: {
            target: "closed",
            actions: [
              {
                type: "record",
                params: ({ event }) => ({
                  event: "ticket.declined",
                  actor: event.salesRep,
                  payload: { salesRep: event.salesRep },
                }),
              },
              {
                type: "tellCustomer",
                params: ({ context }) => ({
                  key: "intake.repDeclined",
                  params: { number: context.number, contacts: { $contacts: "all" } },
                }),
              },
              {
                type: "conversation",
                params: ({ context }) => ({ event: "ticket.declined", data: { number: context.number } }),
              },
              {
                type: "desk",
                params: ({ event }) => ({
                  event: "ticket.updated",
                  change: `declined by the sales representative (${event.salesRep})`,
                }),
              },
              { type: "cancelTimers", params: () => ({ kinds: TIMERS }) },
            ],
          },
          close: { guard: "validClose", target: "closed", actions: closeActions as never },
        },
      },
      open: {
        on: {
          claim: { target: "claimed", actions: claimActions as never },
          escalate: {
            actions: [
              {
                type: "record",
                params: ({ event }) => ({
                  event: "ticket.escalated",
                  actor: null,
                  payload: { afterServiceMinutes: event.afterServiceMinutes },
                }),
              },
              {
                type: "desk",
                params: () => ({ event: "ticket.escalated", change: "escalated: still unclaimed" }),
              },
            ],
          },
          "callback.overdue": {
            actions: [
              {
                type: "record",
                params: () => ({ event: "ticket.callback-overdue", actor: null, payload: {} }),
              },
              {
                type: "desk",
                params: () => ({ event: "ticket.escalated", change: "callback promise overdue" }),
              },
            ],
          },
          close: { guard: "validClose", target: "closed", actions: closeActions as never },
        },
      },
      claimed: {
        on: {
          reply: { actions: replyActions as never },
          ask: {
            target: "waiting-on-customer",
            actions: [
              ...(replyActions as never[]),
              {
                type: "record",
                params: ({ event }) => ({
                  event: "ticket.asked",
                  actor: event.technician.name,
                  payload: { text: event.text },
                }),
              },
            ],
          },
          close: { guard: "validClose", target: "closed", actions: closeActions as never },
        },
      },
      "waiting-on-customer": {
        on: {
          "customer.message": {
            target: "claimed",
            actions: {
              type: "desk",
              params: () => ({ event: "ticket.updated", change: "customer answered" }),
            },
          },
          reply: { actions: replyActions as never },
          ask: { actions: replyActions as never },
          close: { guard: "validClose", target: "closed", actions: closeActions as never },
        },
      },
      closed: {
        on: {
          reopen: {
            target: "claimed",
            actions: [
              assign({ assignee: ({ event }) => event.technician }),
              {
                type: "record",
                params: ({ event }) => ({
                  event: "ticket.reopened",
                  actor: event.technician.name,
                  payload: { reason: event.reason ?? null },
                }),
              },
              {
                type: "conversation",
                params: ({ context }) => ({ event: "ticket.reopened", data: { number: context.number } }),
              },
              {
                type: "desk",
                params: ({ event }) => ({
                  event: "ticket.updated",
                  change: `reopened by ${event.technician.name}`,
                }),
              },
            ],
          },
        },
      },
    },
  });
}

export type TicketMachine = ReturnType<typeof createTicketMachine>;

/**
 * The transitions of the ticket machine, one per staff action or timer: what each one records in
 * the audit trail, tells the customer, the chat and the desks, and which timers it schedules or
 * cancels. The close computes its charge and the SLA timers their instants with the pure policy
 * core, once per event.
 */

import { assign } from "xstate";
import type { Policy } from "../../src/policy/schema.js";
import { slaTimersFrom } from "../../src/policy/slaTimers.js";
import type { DomainEventName, DomainEventRecord, DomainEvents } from "../domainEvents.js";
import { lastResult } from "../lastResult.js";
import { closeChargeOf } from "./closeCharge.js";
import type { TicketContext, TicketEvent, TicketIntentParams, TicketTimerKind } from "./ticketTypes.js";

/** The timers a claim, a close or a decline makes pointless. */
const TIMERS: TicketTimerKind[] = ["ticket.escalate", "ticket.callback", "oncall.repage"];

/** What an action's params function reads for the event `T`. */
type Args<T extends TicketEvent["type"]> = {
  context: TicketContext;
  event: Extract<TicketEvent, { type: T }>;
};

/** An audit-trail entry named `name`, with that event's payload. */
function record<T extends TicketEvent["type"], N extends DomainEventName>(
  name: N,
  actor: (args: Args<T>) => string | null,
  payload: (args: Args<T>) => DomainEvents[N],
) {
  return {
    type: "record" as const,
    // The signature ties the payload to the name; TypeScript cannot see that a generic pair is
    // one member of the union.
    params: (args: Args<T>): TicketIntentParams<"record"> =>
      ({ event: name, actor: actor(args), payload: payload(args) }) as DomainEventRecord,
  };
}

/** The acting technician, as the actor of an audit entry. */
const byTechnician = ({ event }: { event: { technician: { name: string } } }) => event.technician.name;
/** The staff text of a reply, a question or a note, as an audit payload. */
const textPayload = ({ event }: { event: { text: string } }) => ({ text: event.text });

/** The event passed on to the chat's conversation machine, with the ticket number. */
function tellConversation<T extends TicketEvent["type"]>(
  name: TicketIntentParams<"conversation">["event"],
  data?: (args: Args<T>) => Record<string, unknown>,
) {
  return {
    type: "conversation" as const,
    params: (args: Args<T>): TicketIntentParams<"conversation"> => ({
      event: name,
      data: data ? { number: args.context.number, ...data(args) } : { number: args.context.number },
    }),
  };
}

/** A desk notification that the ticket changed (`change` is the line the desks show). */
function deskUpdate<T extends TicketEvent["type"]>(
  change: (args: Args<T>) => string,
  event: "ticket.updated" | "ticket.escalated" = "ticket.updated",
) {
  return {
    type: "desk" as const,
    params: (args: Args<T>): TicketIntentParams<"desk"> => ({ event, change: change(args) }),
  };
}

/** The acting technician becomes the ticket's assignee (a claim, a reopen). */
function assignTechnician<E extends Args<"claim" | "reopen">["event"]>() {
  return assign<TicketContext, E, undefined, TicketEvent, never>({
    assignee: ({ event }) => event.technician,
  });
}

const cancelTimers = { type: "cancelTimers" as const, params: { kinds: TIMERS } };

/** The transitions of the ticket machine for one policy preset, by event. */
export function ticketTransitions(policy: Policy) {
  /** The charge of a close, computed once for the three intents that carry it. */
  const closeCharge = lastResult((context: TicketContext, event: Args<"close">["event"]) =>
    closeChargeOf(policy, context, event),
  );

  const reply = [
    {
      type: "relayToCustomer" as const,
      params: ({ event }: Args<"reply" | "ask">): TicketIntentParams<"relayToCustomer"> => ({
        technician: event.technician.name,
        text: event.text,
        attachments: "attachments" in event ? (event.attachments ?? []) : [],
      }),
    },
    record<"reply" | "ask", "ticket.reply">("ticket.reply", byTechnician, textPayload),
    // A chat handed over to a person goes back to the technician's relay.
    tellConversation<"reply" | "ask">("ticket.replied", ({ event }) => ({
      technician: event.technician.name,
    })),
    {
      type: "desk" as const,
      params: ({ event }: Args<"reply" | "ask">): TicketIntentParams<"desk"> => ({
        event: "staff.reply",
        change: "reply",
        text: event.text,
        by: event.technician.name,
        ...(event.origin ? { origin: event.origin } : {}),
      }),
    },
  ];

  /**
   * The request reaches support at the event's instant (opened straight to support, or
   * authorized): the unclaimed escalation and the callback promise start from then.
   */
  const startSlaTimers = {
    type: "scheduleTimers" as const,
    params: ({ context, event }: Args<"open" | "authorize">): TicketIntentParams<"scheduleTimers"> => ({
      timers: slaTimersFrom(policy, new Date(event.at), context.coverage),
    }),
  };

  return {
    note: record<"note", "ticket.note">("ticket.note", byTechnician, textPayload),
    /** Opened without authorization: straight to support. */
    open: startSlaTimers,
    authorize: [
      record<"authorize", "ticket.authorized">("ticket.authorized", byTechnician, ({ event }) => ({
        salesRep: event.salesRep,
      })),
      tellConversation<"authorize">("ticket.authorized"),
      deskUpdate<"authorize">(({ event }) => `authorized (sales rep ${event.salesRep})`),
      startSlaTimers,
    ],
    decline: [
      record<"decline", "ticket.declined">(
        "ticket.declined",
        ({ event }) => event.salesRep,
        ({ event }) => ({ salesRep: event.salesRep }),
      ),
      {
        type: "tellCustomer" as const,
        params: ({ context }: Args<"decline">): TicketIntentParams<"tellCustomer"> => ({
          key: "intake.repDeclined",
          params: { number: context.number, contacts: { $contacts: "all" } },
        }),
      },
      tellConversation<"decline">("ticket.declined"),
      deskUpdate<"decline">(({ event }) => `declined by the sales representative (${event.salesRep})`),
      cancelTimers,
    ],
    claim: [
      assignTechnician<Args<"claim">["event"]>(),
      record<"claim", "ticket.claimed">("ticket.claimed", byTechnician, ({ event }) => ({
        technician: event.technician.name,
      })),
      tellConversation<"claim">("ticket.claimed", ({ event }) => ({ technician: event.technician.name })),
      deskUpdate<"claim">(({ event }) => `claimed by ${event.technician.name}`),
      cancelTimers,
    ],
    escalate: [
      record<"escalate", "ticket.escalated">(
        "ticket.escalated",
        () => null,
        ({ event }) => ({ afterServiceMinutes: event.afterServiceMinutes }),
      ),
      deskUpdate<"escalate">(() => "escalated: still unclaimed", "ticket.escalated"),
    ],
    callbackOverdue: [
      record<"callback.overdue", "ticket.callback-overdue">(
        "ticket.callback-overdue",
        () => null,
        () => ({}),
      ),
      deskUpdate<"callback.overdue">(() => "callback promise overdue", "ticket.escalated"),
    ],
    reply,
    /** A question to the customer: a reply, also recorded as a question. */
    ask: [...reply, record<"ask", "ticket.asked">("ticket.asked", byTechnician, textPayload)],
    customerMessage: deskUpdate<"customer.message">(() => "customer answered"),
    close: [
      {
        type: "saveClose" as const,
        params: ({ context, event }: Args<"close">): TicketIntentParams<"saveClose"> => ({
          minutes: event.minutes,
          resolution: event.resolution,
          category: event.category ?? context.category,
          charge: closeCharge(context, event),
          technician: event.technician,
          mode: event.mode ?? null,
        }),
      },
      record<"close", "ticket.closed">("ticket.closed", byTechnician, ({ context, event }) => ({
        minutes: event.minutes,
        resolution: event.resolution,
        mode: event.mode ?? null,
        charge: closeCharge(context, event),
      })),
      tellConversation<"close">("ticket.closed", ({ context, event }) => ({
        resolution: event.resolution,
        charge: closeCharge(context, event),
      })),
      deskUpdate<"close">(({ event }) => `closed by ${event.technician.name} (${event.minutes} min)`),
      cancelTimers,
    ],
    reopen: [
      assignTechnician<Args<"reopen">["event"]>(),
      record<"reopen", "ticket.reopened">("ticket.reopened", byTechnician, ({ event }) => ({
        reason: event.reason ?? null,
      })),
      tellConversation<"reopen">("ticket.reopened"),
      deskUpdate<"reopen">(({ event }) => `reopened by ${event.technician.name}`),
    ],
  };
}

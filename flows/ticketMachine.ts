/**
 * Ticket lifecycle: new → awaiting-authorization (when the preset requires a sales-rep
 * authorization) → open → claimed ⇄ waiting-on-customer → closed, with reopen. Staff actions and
 * SLA timers are its events; what must happen outside (tell the customer, update desks, record
 * the audit trail, schedule or cancel timers) comes out as intents. The charge on close and the
 * instants of the SLA timers (from the open or the authorization) are computed here by the pure
 * policy core; the runtime stores the timers as durable jobs (XState's `after` is not persisted).
 *
 * The vocabulary is in `ticket/ticketTypes.ts`, each event's actions in
 * `ticket/ticketTransitions.ts`; this module assembles the states.
 */
import { setup } from "xstate";
import type { Policy } from "../src/policy/schema.js";
import { ticketTransitions } from "./ticket/ticketTransitions.js";
import type { TicketContext, TicketEvent, TicketIntentParams } from "./ticket/ticketTypes.js";

export type {
  StoredAttachment,
  TicketContext,
  TicketEvent,
  TicketIntent,
  TicketState,
  TicketTimerKind,
} from "./ticket/ticketTypes.js";

/** The ticket machine's types, intents (declared here, executed by the runtime) and guards. */
const ticketSetup = setup({
  types: {
    context: {} as TicketContext,
    events: {} as TicketEvent,
    input: {} as TicketContext,
  },
  actions: {
    record: (_, _p: TicketIntentParams<"record">) => {},
    tellCustomer: (_, _p: TicketIntentParams<"tellCustomer">) => {},
    relayToCustomer: (_, _p: TicketIntentParams<"relayToCustomer">) => {},
    conversation: (_, _p: TicketIntentParams<"conversation">) => {},
    desk: (_, _p: TicketIntentParams<"desk">) => {},
    saveClose: (_, _p: TicketIntentParams<"saveClose">) => {},
    scheduleTimers: (_, _p: TicketIntentParams<"scheduleTimers">) => {},
    cancelTimers: (_, _p: TicketIntentParams<"cancelTimers">) => {},
  },
  guards: {
    requiresAuthorization: ({ event }) => event.type === "open" && event.requiresAuthorization,
    validClose: ({ event }) =>
      event.type === "close" &&
      Number.isInteger(event.minutes) &&
      event.minutes >= 0 &&
      event.minutes <= 24 * 60 * 7,
  },
});

/** Builds the ticket machine for one policy preset. */
export function createTicketMachine(policy: Policy) {
  const on = ticketTransitions(policy);
  const close = { guard: "validClose" as const, target: "closed" as const, actions: on.close };
  return ticketSetup.createMachine({
    id: "ticket",
    context: ({ input }) => input,
    initial: "new",
    on: { note: { actions: on.note } },
    states: {
      new: {
        on: {
          open: [
            { guard: "requiresAuthorization", target: "awaiting-authorization" },
            { target: "open", actions: on.open },
          ],
        },
      },
      "awaiting-authorization": {
        on: {
          authorize: { target: "open", actions: on.authorize },
          decline: { target: "closed", actions: on.decline },
          close,
        },
      },
      open: {
        on: {
          claim: { target: "claimed", actions: on.claim },
          escalate: { actions: on.escalate },
          "callback.overdue": { actions: on.callbackOverdue },
          close,
        },
      },
      claimed: {
        on: {
          reply: { actions: on.reply },
          ask: { target: "waiting-on-customer", actions: on.ask },
          close,
        },
      },
      "waiting-on-customer": {
        on: {
          "customer.message": { target: "claimed", actions: on.customerMessage },
          reply: { actions: on.reply },
          ask: { actions: on.reply },
          close,
        },
      },
      closed: {
        on: { reopen: { target: "claimed", actions: on.reopen } },
      },
    },
  });
}

/** The ticket machine of a policy preset. */
export type TicketMachine = ReturnType<typeof createTicketMachine>;

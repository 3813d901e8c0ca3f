/**
 * The ticket machine as a pure function, table by table: from a state, an event gives the next
 * state and the intents the runtime must execute, through XState's own `transition()` — no
 * runtime, no database. Each row is one rule of the lifecycle.
 */
import { describe, expect, it } from "vitest";
import { transition } from "xstate";
import {
  createTicketMachine,
  type TicketContext,
  type TicketEvent,
  type TicketState,
} from "../../flows/ticketMachine.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";

const policy = loadPolicy("leotron");
const machine = createTicketMachine(policy);
const marco = { id: "tech-marco", name: "Marco" };
const giulia = { id: "tech-giulia", name: "Giulia" };

const context = (assignee: TicketContext["assignee"] = null): TicketContext => ({
  number: "LT-2027-00001",
  category: "software-usage",
  plans: ["standard"],
  coverage: { plan: "standard", inHours: true },
  assignee,
  usedThisMonthMinutes: 0,
});

/** The state after `event` from `state`, the intents' types in order, and the intents. */
function step(state: TicketState, event: TicketEvent, assignee: TicketContext["assignee"] = null) {
  const snapshot = machine.resolveState({ value: state, context: context(assignee) });
  const [next, actions] = transition(machine, snapshot, event);
  const intents = actions.map((a) => ({ type: a.type, params: a.params as Record<string, unknown> }));
  return {
    state: next.value as TicketState,
    types: intents.map((i) => i.type),
    intents,
    changed: next !== snapshot,
  };
}

/** Monday 1 March 2027, 10:00 in Rome (CET), in the weekday hours of both presets. */
const MONDAY_10 = "2027-03-01T09:00:00.000Z";

const close: TicketEvent = {
  type: "close",
  technician: marco,
  minutes: 30,
  resolution: "driver reinstalled",
};

describe("ticket machine: where each event leads", () => {
  const table: [from: TicketState, event: TicketEvent, to: TicketState][] = [
    ["new", { type: "open", requiresAuthorization: false, at: MONDAY_10 }, "open"],
    ["new", { type: "open", requiresAuthorization: true, at: MONDAY_10 }, "awaiting-authorization"],
    [
      "awaiting-authorization",
      { type: "authorize", technician: marco, salesRep: "Mario Rossi", at: MONDAY_10 },
      "open",
    ],
    ["awaiting-authorization", { type: "decline", salesRep: "Mario Rossi" }, "closed"],
    ["awaiting-authorization", close, "closed"],
    ["open", { type: "claim", technician: marco }, "claimed"],
    ["open", { type: "escalate", afterServiceMinutes: 240 }, "open"],
    ["open", { type: "callback.overdue" }, "open"],
    ["open", close, "closed"],
    ["claimed", { type: "reply", technician: marco, text: "Provo ora" }, "claimed"],
    ["claimed", { type: "ask", technician: marco, text: "Che modello è?" }, "waiting-on-customer"],
    ["claimed", close, "closed"],
    ["waiting-on-customer", { type: "customer.message" }, "claimed"],
    ["waiting-on-customer", { type: "reply", technician: marco, text: "Grazie" }, "waiting-on-customer"],
    ["waiting-on-customer", { type: "ask", technician: marco, text: "E il seriale?" }, "waiting-on-customer"],
    ["waiting-on-customer", close, "closed"],
    ["closed", { type: "reopen", technician: giulia, reason: "again" }, "claimed"],
  ];
  it.each(table)("%s + %o → %s", (from, event, to) => {
    expect(step(from, event, from === "new" || from === "open" ? null : marco).state).toBe(to);
  });
});

describe("ticket machine: events a state refuses change nothing and ask for nothing", () => {
  const table: [from: TicketState, event: TicketEvent][] = [
    ["new", { type: "claim", technician: marco }],
    ["awaiting-authorization", { type: "claim", technician: marco }],
    ["open", { type: "reply", technician: marco, text: "x" }],
    ["open", { type: "reopen", technician: marco }],
    ["claimed", { type: "claim", technician: giulia }],
    ["claimed", { type: "customer.message" }],
    ["claimed", { type: "escalate", afterServiceMinutes: 240 }],
    ["closed", close],
    ["closed", { type: "claim", technician: marco }],
    ["closed", { type: "escalate", afterServiceMinutes: 240 }],
    ["open", { ...close, minutes: -1 } as TicketEvent],
    ["open", { ...close, minutes: 1.5 } as TicketEvent],
    ["claimed", { ...close, minutes: 24 * 60 * 7 + 1 } as TicketEvent],
  ];
  it.each(table)("%s refuses %o", (from, event) => {
    const result = step(from, event, marco);
    expect(result.state).toBe(from);
    expect(result.types).toEqual([]);
    expect(machine.resolveState({ value: from, context: context(marco) }).can(event)).toBe(false);
  });
});

describe("ticket machine: the intents each rule asks for", () => {
  // The intent types (in order) an event asks the runtime to execute; the timers are cancelled
  // exactly where a ticket stops waiting for staff.
  const table: [from: TicketState, event: TicketEvent, has: string[], lacks: string[]][] = [
    [
      "open",
      { type: "claim", technician: marco },
      ["record", "conversation", "desk", "cancelTimers"],
      ["tellCustomer"],
    ],
    ["claimed", close, ["saveClose", "record", "cancelTimers"], []],
    [
      "awaiting-authorization",
      { type: "decline", salesRep: "Mario Rossi" },
      ["tellCustomer", "cancelTimers"],
      [],
    ],
    [
      "claimed",
      { type: "reply", technician: marco, text: "Provo ora" },
      ["relayToCustomer"],
      ["cancelTimers"],
    ],
    ["open", { type: "escalate", afterServiceMinutes: 240 }, ["desk"], ["tellCustomer", "cancelTimers"]],
    [
      "claimed",
      { type: "note", technician: marco, text: "internal" },
      ["record"],
      ["tellCustomer", "relayToCustomer"],
    ],
  ];
  it.each(table)("%s + %o asks for %o, never %o", (from, event, has, lacks) => {
    const { types } = step(from, event, marco);
    for (const type of has) expect(types).toContain(type);
    for (const type of lacks) expect(types).not.toContain(type);
  });

  it("a close computes the charge from the policy and saves it with the resolution", () => {
    const { intents } = step("claimed", close, marco);
    const save = intents.find((i) => i.type === "saveClose")!;
    expect(save.params).toMatchObject({ minutes: 30, resolution: "driver reinstalled" });
    expect(save.params.charge).toBeDefined();
  });

  it("a relayed reply carries the technician's name and text to the customer", () => {
    const { intents } = step("claimed", { type: "reply", technician: marco, text: "Provo ora" }, marco);
    expect(intents.find((i) => i.type === "relayToCustomer")!.params).toMatchObject({
      technician: "Marco",
      text: "Provo ora",
    });
  });
});

describe("ticket machine: the SLA timers it schedules and cancels", () => {
  // The instants come from the preset (the pure policy core), never from the runtime: the
  // escalation after `escalateUnclaimedAfterServiceMinutes` (120) of service time in the levels
  // that serve the ticket, the callback promise `callbackWithinHours` after (Leghorn: 24, Leotron:
  // none). The timers start when the request reaches support: opened straight to it, or authorized.
  const leghorn = createTicketMachine(loadPolicy("leghorn"));
  const FRIDAY_1730 = "2027-03-05T16:30:00.000Z";
  const weekdayOnly = { serviceLevels: ["weekday"] };
  const withWeekend = { serviceLevels: ["weekday", "weekend"] };
  const ALL_TIMERS = ["ticket.escalate", "ticket.callback", "oncall.repage"];
  const open = (at: string): TicketEvent => ({ type: "open", requiresAuthorization: false, at });
  const authorize = (at: string): TicketEvent => ({
    type: "authorize",
    technician: marco,
    salesRep: "Mario Rossi",
    at,
  });

  type Row = [
    label: string,
    preset: "leotron" | "leghorn",
    from: TicketState,
    event: TicketEvent,
    coverage: Record<string, unknown>,
    scheduled: { kind: string; at: string }[] | null,
    cancelled: string[] | null,
  ];
  const table: Row[] = [
    [
      "opened on Monday 10:00: escalates at 12:00, no callback promise (Leotron makes none)",
      "leotron",
      "new",
      open(MONDAY_10),
      weekdayOnly,
      [{ kind: "ticket.escalate", at: "2027-03-01T11:00:00.000Z" }],
      null,
    ],
    [
      "opened on Friday 17:30 without weekend service: one hour left on Friday, one on Monday",
      "leotron",
      "new",
      open(FRIDAY_1730),
      weekdayOnly,
      [{ kind: "ticket.escalate", at: "2027-03-08T09:00:00.000Z" }],
      null,
    ],
    [
      "opened on Friday 17:30 with weekend service: escalates on Saturday at 10:00",
      "leotron",
      "new",
      open(FRIDAY_1730),
      withWeekend,
      [{ kind: "ticket.escalate", at: "2027-03-06T09:00:00.000Z" }],
      null,
    ],
    [
      "opened straight to support with a callback promise: escalation and callback 24 hours on",
      "leghorn",
      "new",
      open(MONDAY_10),
      weekdayOnly,
      [
        { kind: "ticket.escalate", at: "2027-03-01T11:00:00.000Z" },
        { kind: "ticket.callback", at: "2027-03-02T09:00:00.000Z" },
      ],
      null,
    ],
    [
      "opened awaiting authorization: no timer before the request reaches support",
      "leghorn",
      "new",
      { type: "open", requiresAuthorization: true, at: MONDAY_10 },
      weekdayOnly,
      null,
      null,
    ],
    [
      "authorized on Friday 17:30: the timers run from then (Leghorn closes at 18:00: 90 minutes on Monday)",
      "leghorn",
      "awaiting-authorization",
      authorize(FRIDAY_1730),
      weekdayOnly,
      [
        { kind: "ticket.escalate", at: "2027-03-08T09:30:00.000Z" },
        { kind: "ticket.callback", at: "2027-03-06T16:30:00.000Z" },
      ],
      null,
    ],
    [
      "declined: every timer cancelled",
      "leghorn",
      "awaiting-authorization",
      { type: "decline", salesRep: "Mario Rossi" },
      weekdayOnly,
      null,
      ALL_TIMERS,
    ],
    [
      "claimed: every timer cancelled",
      "leghorn",
      "open",
      { type: "claim", technician: marco },
      weekdayOnly,
      null,
      ALL_TIMERS,
    ],
    ["closed while open: every timer cancelled", "leotron", "open", close, weekdayOnly, null, ALL_TIMERS],
    [
      "closed after a claim: every timer cancelled",
      "leotron",
      "claimed",
      close,
      weekdayOnly,
      null,
      ALL_TIMERS,
    ],
    [
      "escalated: the timers stay as they are",
      "leghorn",
      "open",
      { type: "escalate", afterServiceMinutes: 120 },
      weekdayOnly,
      null,
      null,
    ],
    [
      "callback overdue: the timers stay",
      "leghorn",
      "open",
      { type: "callback.overdue" },
      weekdayOnly,
      null,
      null,
    ],
    [
      "reopened: no timer again (the ticket is claimed)",
      "leghorn",
      "closed",
      { type: "reopen", technician: giulia },
      weekdayOnly,
      null,
      null,
    ],
    [
      "a question to the customer: no timer",
      "leotron",
      "claimed",
      { type: "ask", technician: marco, text: "Che modello è?" },
      weekdayOnly,
      null,
      null,
    ],
    [
      "the customer answers: no timer",
      "leotron",
      "waiting-on-customer",
      { type: "customer.message" },
      weekdayOnly,
      null,
      null,
    ],
  ];
  it.each(table)("%s", (_label, preset, from, event, coverage, scheduled, cancelled) => {
    const m = preset === "leghorn" ? leghorn : machine;
    const assignee = from === "new" || from === "open" || from === "awaiting-authorization" ? null : marco;
    const snapshot = m.resolveState({ value: from, context: { ...context(assignee), coverage } });
    const [, actions] = transition(m, snapshot, event);
    const schedule = actions.filter((a) => a.type === "scheduleTimers");
    const cancel = actions.filter((a) => a.type === "cancelTimers");
    expect(schedule.map((a) => (a.params as { timers: unknown }).timers)).toEqual(
      scheduled ? [scheduled] : [],
    );
    expect(cancel.map((a) => (a.params as { kinds: unknown }).kinds)).toEqual(cancelled ? [cancelled] : []);
  });
});

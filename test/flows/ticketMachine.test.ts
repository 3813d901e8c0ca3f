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

const close: TicketEvent = {
  type: "close",
  technician: marco,
  minutes: 30,
  resolution: "driver reinstalled",
};

describe("ticket machine: where each event leads", () => {
  const table: [from: TicketState, event: TicketEvent, to: TicketState][] = [
    ["new", { type: "open", requiresAuthorization: false }, "open"],
    ["new", { type: "open", requiresAuthorization: true }, "awaiting-authorization"],
    ["awaiting-authorization", { type: "authorize", technician: marco, salesRep: "Mario Rossi" }, "open"],
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

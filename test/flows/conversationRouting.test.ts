/**
 * The conversation's routing, table-driven and pure (XState's transition(), no runtime): from the
 * menu, each option tapped or said in words leads to its state with its replies and intents.
 */
import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import { type ConversationEvent, createConversationMachine } from "../../flows/conversationMachine.js";
import type { InboundFacts, OpenTicketFacts } from "../../flows/intents.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { verifiedCustomer } from "../support/flowFacts.js";

const machine = createConversationMachine(loadPolicy("leotron"));
const customer = verifiedCustomer;
const ticket = (number: string): OpenTicketFacts => ({ number, status: "open", category: "hardware" });
const ONE = [ticket("LT-2027-00001")];
const TWO = [ticket("LT-2027-00001"), ticket("LT-2027-00002")];

const facts = (openTickets: OpenTicketFacts[]): InboundFacts => ({
  customer,
  openTickets,
  language: "it",
  aiEnabled: false,
});
const message = (text: string, openTickets: OpenTicketFacts[], choice?: string): ConversationEvent => ({
  type: "inbound",
  at: "2027-03-30T08:00:00.000Z",
  text,
  attachments: [],
  facts: facts(openTickets),
  ...(choice ? { choice } : {}),
});

/** The snapshot at the menu (a greeting gets the welcome and the menu). */
function atMenu(openTickets: OpenTicketFacts[]) {
  const [start] = initialTransition(machine, { language: "it", now: "2027-03-30T08:00:00.000Z" });
  const [menu] = transition(machine, start, message("Buongiorno", openTickets));
  expect(menu.value).toBe("menu");
  return menu;
}

/** One message at the menu: where it leads, the reply keys and the other intents it emits. */
function fromMenu(event: ConversationEvent, openTickets: OpenTicketFacts[]) {
  const [next, actions] = transition(machine, atMenu(openTickets), event);
  const intents = actions.map((a) =>
    a.type === "xstate.spawnChild" ? String((a.params as { src: unknown }).src) : a.type,
  );
  const replies = actions.filter((a) => a.type === "reply").map((a) => (a.params as { key: string }).key);
  return {
    state: next.value,
    replies,
    intents: intents.filter((t) => t !== "reply" && t !== "rememberPrompt" && !t.startsWith("xstate.")),
  };
}

interface Route {
  /** What the customer does at the menu. */
  does: string;
  event: (open: OpenTicketFacts[]) => ConversationEvent;
  open: OpenTicketFacts[];
  /** The state it leads to (a nested state as XState gives it). */
  state: string | Record<string, string>;
  replies: string[];
  intents?: string[];
}

const tap = (choice: string) => (open: OpenTicketFacts[]) => message(choice, open, choice);
const say = (text: string) => (open: OpenTicketFacts[]) => message(text, open);

const ROUTES: Route[] = [
  {
    does: "taps 'new problem'",
    event: tap("new"),
    open: [],
    state: "describe",
    replies: ["intake.askDescription"],
  },
  {
    does: "taps 'status', no tickets",
    event: tap("status"),
    open: [],
    state: "idle",
    replies: ["menu.noTickets"],
  },
  {
    does: "taps 'status', one ticket",
    event: tap("status"),
    open: ONE,
    state: "idle",
    replies: ["menu.ticketList"],
  },
  {
    does: "taps 'add info', no tickets",
    event: tap("info"),
    open: [],
    state: "idle",
    replies: ["menu.noTickets"],
  },
  {
    does: "taps 'add info', one ticket",
    event: tap("info"),
    open: ONE,
    state: "addInfo",
    replies: ["menu.addInfoOne"],
  },
  {
    does: "taps 'add info', two tickets",
    event: tap("info"),
    open: TWO,
    state: "addInfo",
    replies: ["menu.addInfoPick"],
  },
  {
    does: "taps 'hours'",
    event: tap("hours"),
    open: [],
    state: "idle",
    replies: ["menu.hoursIntro", expect.any(String), "menu.contacts"] as string[],
  },
  {
    does: "says 'a che punto è la mia richiesta?'",
    event: say("a che punto è la mia richiesta?"),
    open: ONE,
    state: "idle",
    replies: ["menu.ticketList"],
  },
  { does: "says 'ricomincia'", event: say("ricomincia"), open: [], state: "menu", replies: ["menu.prompt"] },
  {
    does: "says 'boh' (a doubt, no problem)",
    event: say("boh"),
    open: [],
    state: "menu",
    replies: ["understanding.clarify"],
  },
  {
    does: "asks for a person",
    event: say("voglio parlare con una persona"),
    open: [],
    state: { handover: "opening" },
    replies: ["understanding.humanContacts"],
    intents: ["handOver"],
  },
  {
    does: "writes a problem",
    event: say("La stampante non stampa gli scontrini"),
    open: [],
    state: "triaging",
    replies: [],
    intents: ["triage"],
  },
];

describe("conversation routing from the menu (pure, table-driven)", () => {
  it.each(ROUTES)("$does", (route) => {
    const got = fromMenu(route.event(route.open), route.open);
    expect(got.state).toEqual(route.state);
    expect(got.replies).toEqual(route.replies);
    expect(got.intents).toEqual(route.intents ?? []);
  });
});

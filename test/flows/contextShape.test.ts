/**
 * The conversation's context stays within {@link MAX_CONTEXT_KEYS} keys: XState copies it with
 * `Object.assign({}, …)` on every `assign`, and V8 makes a copy with more than 16 properties a
 * dictionary object, which made every step of every message measurably slower (`npm run bench`).
 * A new field goes into one of the context's objects (as the chat's facts went into `chat`).
 */
import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import { type ConversationContext, MAX_CONTEXT_KEYS } from "../../flows/conversation/conversationTypes.js";
import { type ConversationEvent, createConversationMachine } from "../../flows/conversationMachine.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { verifiedCustomer } from "../support/flowFacts.js";

/** Every key the context type declares (the compiler checks none is missing or extra). */
const DECLARED: Record<keyof ConversationContext, true> = {
  language: true,
  customer: true,
  openTickets: true,
  chat: true,
  identity: true,
  draft: true,
  ticket: true,
  technician: true,
  feedback: true,
  prompt: true,
  choices: true,
  misses: true,
  now: true,
  handover: true,
  interpreting: true,
  input: true,
};

describe("conversation context", () => {
  it(`declares at most ${MAX_CONTEXT_KEYS} keys`, () => {
    expect(Object.keys(DECLARED).length).toBeLessThanOrEqual(MAX_CONTEXT_KEYS);
  });

  it("has no other key at run time, through a whole intake", () => {
    const machine = createConversationMachine(loadPolicy("leotron"));
    let [snapshot] = initialTransition(machine, { language: "it", now: "2027-03-30T08:00:00.000Z" });
    const script = ["ciao", "1", "La stampante non stampa gli scontrini", "sì", "1", "grazie, attendo"];
    const seen = new Set(Object.keys(snapshot.context));
    for (const text of script) {
      const event: ConversationEvent = {
        type: "inbound",
        at: "2027-03-30T08:00:00.000Z",
        text,
        attachments: [],
        facts: {
          customer: verifiedCustomer,
          openTickets: [],
          language: "it",
          aiEnabled: true,
          senderPhone: "+393331110001",
        },
      };
      [snapshot] = transition(machine, snapshot, event);
      for (const key of Object.keys(snapshot.context)) seen.add(key);
    }
    expect([...seen].filter((key) => !(key in DECLARED))).toEqual([]);
    expect(snapshot.context.chat.senderPhone).toBe("+393331110001");
  });
});

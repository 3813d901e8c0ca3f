/**
 * The conversation machine's last layer of understanding, pure (XState's transition(), no
 * runtime): an answer not understood offline goes to the AI as `interpretAnswer` when AI assist
 * is on, and its `answer.interpreted` is taken, re-prompted or ignored when stale.
 */
import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import { type ConversationEvent, createConversationMachine } from "../../flows/conversationMachine.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { verifiedCustomer } from "../support/flowFacts.js";

const machine = createConversationMachine(loadPolicy("leotron"));
const customer = verifiedCustomer;
const inbound = (text: string, aiEnabled = true): ConversationEvent => ({
  type: "inbound",
  at: "2027-03-30T08:00:00.000Z",
  text,
  attachments: [],
  facts: { customer, openTickets: [], language: "it", aiEnabled },
});
const interpreted = (seq: number, choice: string | null): ConversationEvent => ({
  type: "answer.interpreted",
  seq,
  choice,
});

type Snapshot = ReturnType<typeof initialTransition<typeof machine>>[0];

/** A chat driven by events; each `send` gives the intents of that step (prompts remembered left out). */
function chat() {
  let [snapshot]: [Snapshot, unknown] = initialTransition(machine, {
    language: "it",
    now: "2027-03-30T08:00:00.000Z",
  });
  return {
    get state() {
      return snapshot.value;
    },
    send(event: ConversationEvent) {
      const [next, actions] = transition(machine, snapshot, event);
      snapshot = next;
      const intents = actions
        .filter((a) => a.type !== "rememberPrompt" && !a.type.startsWith("xstate."))
        .map((a) => ({ type: a.type, params: a.params as Record<string, unknown> }));
      return { intents, replies: intents.filter((i) => i.type === "reply").map((i) => i.params.key) };
    },
  };
}

const MENU_OPTIONS = [
  { id: "new", key: "menu.new" },
  { id: "status", key: "menu.status" },
  { id: "info", key: "menu.info" },
  { id: "hours", key: "menu.hours" },
];

describe("reading an answer not understood offline (pure)", () => {
  it("with AI on, an answer matching no option asks the AI and stays on the question", () => {
    const c = chat();
    expect(c.send(inbound("Buongiorno")).replies).toEqual(["intake.welcome", "menu.prompt"]);
    const { intents } = c.send(inbound("quello?"));
    expect(intents).toEqual([
      {
        type: "interpretAnswer",
        params: {
          seq: 1,
          text: "quello?",
          question: "menu.prompt",
          options: MENU_OPTIONS,
          language: "it",
        },
      },
    ]);
    expect(c.state).toBe("menu");
  });

  it("a choice still offered is taken as if tapped", () => {
    const c = chat();
    c.send(inbound("Buongiorno"));
    c.send(inbound("quello?"));
    const { replies } = c.send(interpreted(1, "hours"));
    expect(replies[0]).toBe("menu.hoursIntro");
    expect(replies).not.toContain("common.notUnderstood");
    expect(c.state).toBe("idle");
  });

  it("no choice, or one not offered, gives 'not understood' and the question again", () => {
    for (const choice of [null, "accept"]) {
      const c = chat();
      c.send(inbound("Buongiorno"));
      c.send(inbound("quello?"));
      expect(c.send(interpreted(1, choice)).replies).toEqual(["common.notUnderstood", "menu.prompt"]);
      expect(c.state).toBe("menu");
      // Answered once: the same answer again changes nothing.
      expect(c.send(interpreted(1, "hours")).intents).toEqual([]);
    }
  });

  it("a failed reading says what the re-prompt would have: the hint after a second miss; the third miss is not read", () => {
    const c = chat();
    c.send(inbound("Buongiorno"));
    c.send(inbound("quello?"));
    expect(c.send(interpreted(1, null)).replies).toEqual(["common.notUnderstood", "menu.prompt"]);
    c.send(inbound("uffa"));
    expect(c.send(interpreted(2, null)).replies).toEqual(["understanding.pickHint", "menu.prompt"]);
    // The third miss takes the question's default or a person, as without AI.
    const third = c.send(inbound("mah"));
    expect(third.intents.map((i) => i.type)).not.toContain("interpretAnswer");
  });

  it("a new message supersedes the answer with the AI: its late reading is ignored", () => {
    const c = chat();
    c.send(inbound("Buongiorno"));
    c.send(inbound("quello?"));
    // Understood offline: the menu's second option.
    expect(c.send(inbound("2")).replies).toEqual(["menu.noTickets"]);
    expect(c.state).toBe("idle");
    expect(c.send(interpreted(1, "hours")).intents).toEqual([]);

    // Not understood again: a new reading, numbered 2; the first one's answer is stale.
    const d = chat();
    d.send(inbound("Buongiorno"));
    d.send(inbound("quello?"));
    const again = d.send(inbound("uffa"));
    expect(again.intents).toMatchObject([{ type: "interpretAnswer", params: { seq: 2 } }]);
    expect(d.send(interpreted(1, "hours")).intents).toEqual([]);
    expect(d.send(interpreted(2, "status")).replies).toEqual(["menu.noTickets"]);
  });

  it("with AI off, or for a free question, it is 'not understood' at once", () => {
    const off = chat();
    off.send(inbound("Buongiorno", false));
    const answered = off.send(inbound("quello?", false));
    expect(answered.replies).toEqual(["common.notUnderstood", "menu.prompt"]);
    expect(answered.intents.map((i) => i.type)).not.toContain("interpretAnswer");

    const free = chat();
    free.send(inbound("Buongiorno"));
    free.send(inbound("1"));
    expect(free.state).toBe("describe");
    const short = free.send(inbound("ok"));
    expect(short.replies).toEqual(["common.notUnderstood", "intake.askDescription"]);
    expect(short.intents.map((i) => i.type)).not.toContain("interpretAnswer");
  });

  it("consent to a charge is never inferred", () => {
    const c = chat();
    c.send(inbound("Buongiorno"));
    c.send(inbound("1"));
    c.send(inbound("Vorrei personalizzare la stampa delle fatture"));
    c.send({ type: "xstate.done.actor.triage", output: { category: "print-customization" } });
    let last = c.send(inbound("sì"));
    for (let step = 0; step < 5 && c.state !== "consent"; step++) last = c.send(inbound("1"));
    expect(c.state).toBe("consent");
    expect(last.replies.at(-1)).toMatch(/^intake\.quote/);
    const vague = c.send(inbound("e quindi?"));
    expect(vague.replies).toEqual(["common.notUnderstood", last.replies.at(-1)]);
    expect(vague.intents.map((i) => i.type)).not.toContain("interpretAnswer");
  });
});

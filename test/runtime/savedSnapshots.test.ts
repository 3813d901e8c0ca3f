/**
 * The snapshot saved last per chat stands in for reading its row back only when it is what the
 * row says, byte for byte, and only where the row says all of it: stepping on from the kept
 * snapshot and from the row read back gives the same next state and the same intents.
 */
import { describe, expect, it } from "vitest";
import type { AnyMachineSnapshot } from "xstate";
import { type ConversationEvent, createConversationMachine } from "../../flows/conversationMachine.js";
import type { InboundFacts } from "../../flows/intents.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { start, step } from "../../src/runtime/machineStep.js";
import { SavedSnapshots } from "../../src/runtime/savedSnapshots.js";
import type { ConversationRow } from "../../src/runtime/storedConversation.js";
import { verifiedCustomer } from "../support/flowFacts.js";

const machine = createConversationMachine(loadPolicy("leotron"));
type Snapshot = ReturnType<typeof machine.resolveState>;

const inbound = (text: string, over: Partial<InboundFacts> = {}): ConversationEvent => ({
  type: "inbound",
  at: "2027-03-30T08:00:00.000Z",
  text,
  attachments: [],
  facts: { customer: verifiedCustomer, openTickets: [], language: "it", aiEnabled: false, ...over },
});

/** The text the executor saves for a snapshot. */
const saved = (s: AnyMachineSnapshot, labels: Record<string, string> = {}) =>
  JSON.stringify({
    v: 1,
    value: s.value,
    context: s.context,
    labels,
    guard: { quiet: 0, mails: 0, lastText: null },
  });

const row = (snapshot: string, version = 1): NonNullable<ConversationRow> =>
  ({
    id: "r1",
    channel: "whatsapp",
    chatId: "39333@c.us",
    customerId: null,
    snapshot,
    version,
    updatedAt: new Date(),
  }) as never;

const initial = () => start(machine, { language: "it", now: "2027-03-30T08:00:00.000Z" })[0] as Snapshot;

describe("saved snapshots", () => {
  it("reads back the snapshot saved for the chat when the row holds exactly its text", () => {
    const kept = new SavedSnapshots();
    const [snapshot] = step(machine, initial(), inbound("ciao"));
    const text = saved(snapshot, { new: "Nuovo problema" });
    kept.remember(
      "whatsapp:1",
      text,
      snapshot,
      { new: "Nuovo problema" },
      { quiet: 2, mails: 0, lastText: null },
    );

    const read = kept.read("whatsapp:1", row(text))!;
    expect(read.snapshot).toBe(snapshot);
    expect(read.labels).toEqual({ new: "Nuovo problema" });
    expect(read.guard.quiet).toBe(2);
    // A run changes the guard counts it read: the next read still gets the saved ones.
    read.guard.quiet = 9;
    expect(kept.read("whatsapp:1", row(text))!.guard.quiet).toBe(2);

    // Another text (another instance wrote, or the save rolled back) is read from the row.
    const other = kept.read("whatsapp:1", row(saved(initial())))!;
    expect(other.snapshot).toBeUndefined();
    expect(other.state?.value).toBe("idle");
    // Another chat's row is never answered from this chat's snapshot.
    expect(kept.read("whatsapp:2", row(text))!.snapshot).toBeUndefined();
  });

  it("keeps no snapshot the row cannot say all of (a child actor running)", () => {
    const kept = new SavedSnapshots();
    let snapshot = initial();
    for (const text of ["ciao", "1", "La stampante non stampa gli scontrini"])
      [snapshot] = step(machine, snapshot, inbound(text));
    // Triage runs as a child actor while the description is classified.
    expect(Object.keys(snapshot.children)).not.toHaveLength(0);
    const text = saved(snapshot);
    kept.remember("whatsapp:1", text, snapshot, {}, { quiet: 0, mails: 0, lastText: null });
    expect(kept.read("whatsapp:1", row(text))!.snapshot).toBeUndefined();
  });

  it("forgets the least recently saved chat past its size", () => {
    const kept = new SavedSnapshots(2);
    const snapshot = initial();
    const text = saved(snapshot);
    for (const chat of ["a", "b", "c"])
      kept.remember(chat, text, snapshot, {}, { quiet: 0, mails: 0, lastText: null });
    expect(kept.read("a", row(text))!.snapshot).toBeUndefined();
    expect(kept.read("c", row(text))!.snapshot).toBe(snapshot);
  });

  it("steps on from a kept snapshot exactly as from its row read back", () => {
    const scripts: ConversationEvent[][] = [
      // A known customer's intake, as npm run bench sends it, with a typed sentence at each question.
      ["ciao", "1", "La stampante non stampa gli scontrini", "sì", "no, sono fermo", "grazie"].map((t) =>
        inbound(t),
      ),
      // An unknown writer signing up, with the contact line in one message.
      [
        "buongiorno",
        "Ferramenta Neri, Giulia Neri, 333 123 4567",
        "sì",
        "il registratore non si accende",
      ].map((t) => inbound(t, { customer: null, senderPhone: "+393331234567" })),
    ];
    let compared = 0;
    for (const events of scripts) {
      let snapshot = initial();
      for (const event of events) {
        const [next] = step(machine, snapshot, event);
        snapshot = next;
        const kept = new SavedSnapshots();
        const text = saved(snapshot);
        kept.remember("chat", text, snapshot, {}, { quiet: 0, mails: 0, lastText: null });
        const fromMemory = kept.read("chat", row(text))!;
        if (!fromMemory.snapshot) continue;
        const fromRow = new SavedSnapshots().read("chat", row(text))!;
        const restored = machine.resolveState({
          value: fromRow.state!.value as never,
          context: fromRow.state!.context as never,
        });
        for (const probe of [inbound("sì"), inbound("2"), inbound("non so"), inbound("menu")]) {
          const [a, actionsA] = step(machine, fromMemory.snapshot as Snapshot, probe);
          const [b, actionsB] = step(machine, restored, probe);
          expect(a.value).toEqual(b.value);
          expect(JSON.stringify(a.context)).toBe(JSON.stringify(b.context));
          expect(JSON.stringify(actionsA)).toBe(JSON.stringify(actionsB));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(20);
  });
});

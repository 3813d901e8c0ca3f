/**
 * Staff see what the customer said after the close: the rating and the comment reach the desks
 * (the Slack thread posts the change) and the board's ticket view, and the board transcript goes
 * on after the close until the chat's next ticket opens. Real runtime, real database.
 */
import { describe, expect, it } from "vitest";
import { createOfflineTriage } from "../../src/app/offlineTriage.js";
import type { StaffDesk } from "../../src/desk/port.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { playStory, storySchema } from "../../src/stories/storyRunner.js";
import { createHarness } from "../support/harness.js";
import { rowsOf } from "../support/rows.js";
import { createTestDatabase } from "../support/testDatabase.js";

const story = storySchema.parse({
  policy: "leotron",
  at: "2027-06-15T10:00:00+02:00",
  channel: "whatsapp",
  customer: { phone: "+393331239010", company: "Bar Sole", language: "it", plans: ["standard"] },
  steps: [
    { say: "Non riesco a configurare la stampante nel programma" },
    { say: "sì" },
    { say: "1" },
    { staff: { as: "marta", do: "claim" } },
    { staff: { as: "marta", do: "close", minutes: 20, note: "driver reinstallato" } },
    { say: "4" },
    { say: "Veloci e gentili, grazie" },
    { expect: { event: { type: "feedback.recorded", rating: 4 } } },
  ],
});

describe("feedback for staff", () => {
  it("shows the rating and comment on the ticket, to desks, and in the transcript after the close", async () => {
    const t = await createTestDatabase();
    try {
      const policy = loadPolicy("leotron");
      const changes: string[] = [];
      const desk: StaffDesk = {
        name: "recorder",
        start: async () => {},
        stop: async () => {},
        notify: async (event) => {
          if (event.type === "ticket.updated") changes.push(event.change);
        },
      };
      const result = await playStory(story, {
        db: t.db,
        offlineTriage: createOfflineTriage(policy),
        desks: [desk],
      });
      expect(result.failures.join("\n")).toBe("");
      // The board reads the story's database through a runtime of its own.
      const { runtime } = await createHarness({
        database: t,
        policy,
        channels: [],
        clock: "2027-06-15T12:00:00+02:00",
        start: false,
      });
      const [row] = await rowsOf(t.db, "Ticket");
      const ticket = await runtime.getTicket(row!.number);
      expect(ticket?.feedback).toMatchObject({ rating: 4, comment: "Veloci e gentili, grazie" });
      const transcript = await runtime.transcript(row!.number);
      const texts = transcript.map((l) => l.text);
      expect(texts).toContain("Veloci e gentili, grazie");
      expect(texts.some((x) => x.includes("da 1 a 5"))).toBe(true);
      expect(changes.join("\n")).toContain("customer feedback: ★★★★☆ 4/5 — “Veloci e gentili, grazie”");
    } finally {
      await t.drop();
    }
  });
});

/** The loop guard's definition of progress, on its own (pure). */
import { describe, expect, it } from "vitest";
import type { Intent } from "../../flows/intents.js";
import { botMessages, emptyGuard, movedOn, readGuard } from "../../src/runtime/loopGuard.js";

const reply: Intent = { type: "reply", params: { key: "common.notUnderstood" } };
const append: Intent = {
  type: "appendToTicket",
  params: { number: "LT-2027-00001", text: "x", attachments: [] },
};
const open = { type: "openTicket", params: {} } as unknown as Intent;

describe("loop guard: progress", () => {
  it("staying put, going round in a circle or only adding to a ticket is not progress; a new place or a ticket is", () => {
    const guard = emptyGuard();
    expect(movedOn(guard, "idle", "menu", [reply])).toBe(true); // a new place
    expect(movedOn(guard, "menu", "menu", [reply, reply])).toBe(false); // stays put
    expect(movedOn(guard, "menu", "contacts", [reply])).toBe(true); // somewhere new
    expect(movedOn(guard, "contacts", "idle", [reply])).toBe(false); // back where it started
    expect(movedOn(guard, "idle", "menu", [reply])).toBe(false); // round the circle again
    expect(movedOn(guard, "menu", "menu", [append, reply])).toBe(false); // an auto-responder's mail
    expect(movedOn(guard, "menu", "menu", [open])).toBe(true); // a ticket: real progress
    expect(guard.seen).toEqual(["menu"]);
    expect(movedOn(guard, "menu", "idle", [])).toBe(true); // the circle starts afresh after it
  });

  it("counts one message per reply, one per e-mail turn; a damaged stored state starts from zero", () => {
    expect(botMessages([reply, reply, append], false)).toBe(2);
    expect(botMessages([reply, reply], true)).toBe(1);
    expect(botMessages([append], true)).toBe(0);
    expect(readGuard({ quiet: -3 })).toEqual(emptyGuard());
    expect(readGuard({ quiet: 4, seen: ["a"] })).toMatchObject({ quiet: 4, mails: 0, seen: ["a"] });
  });
});

/** The loop guard's definition of progress, on its own (pure). */
import { describe, expect, it } from "vitest";
import type { Intent } from "../../flows/intents.js";
import { botMessages, emptyGuard, movedOn, readGuard, sameJson } from "../../src/runtime/loopGuard.js";

const reply: Intent = { type: "reply", params: { key: "common.notUnderstood" } };
const append: Intent = {
  type: "appendToTicket",
  params: { number: "LT-2027-00001", text: "x", attachments: [] },
};
const open = { type: "openTicket", params: {} } as unknown as Intent;

describe("loop guard: progress", () => {
  it("staying put, or only adding to a ticket, is not progress; another place or a ticket is", () => {
    expect(movedOn(["menu"], ["menu"], [reply, reply])).toBe(false);
    expect(movedOn(["menu"], ["menu"], [append, reply])).toBe(false); // an auto-responder's mail
    expect(movedOn(["menu"], ["idle"], [reply])).toBe(true);
    expect(movedOn(["menu"], ["menu"], [open])).toBe(true);
  });

  it("a part rebuilt with the same content is not progress; a changed or added field is", () => {
    const draft = { text: "la stampante", category: null, attachments: ["a"] };
    expect(movedOn(["ask", draft], ["ask", { ...draft, attachments: ["a"] }], [reply])).toBe(false);
    expect(movedOn(["ask", draft], ["ask", { ...draft, extra: undefined }], [reply])).toBe(false);
    expect(movedOn(["ask", draft], ["ask", { ...draft, category: "printer" }], [reply])).toBe(true);
    expect(movedOn(["ask", draft], ["ask", { ...draft, attachments: ["a", "b"] }], [reply])).toBe(true);
    expect(movedOn(["ask", { a: 1 }], ["ask", { a: 1, b: 2 }], [reply])).toBe(true);
    expect(sameJson({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(sameJson([undefined], [null])).toBe(true);
    expect(sameJson({ a: 1 }, [1])).toBe(false);
  });

  it("counts one message per reply, one per e-mail turn; a damaged stored state starts from zero", () => {
    expect(botMessages([reply, reply, append], false)).toBe(2);
    expect(botMessages([reply, reply], true)).toBe(1);
    expect(botMessages([append], true)).toBe(0);
    expect(readGuard({ quiet: -3 })).toEqual(emptyGuard());
    expect(readGuard({ quiet: 4 })).toMatchObject({ quiet: 4, mails: 0, lastText: null });
    expect(readGuard({ quiet: 2, mails: 1, lastText: "abc" })).toEqual({
      quiet: 2,
      mails: 1,
      lastText: "abc",
    });
    expect(readGuard({ quiet: 2, mails: 1.5, lastText: "abc" })).toEqual(emptyGuard());
  });
});

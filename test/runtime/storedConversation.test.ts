import { describe, expect, it } from "vitest";
import { choiceFromLabels, readConversation } from "../../src/runtime/storedConversation.js";

const context = {
  language: "it",
  ticket: null,
  choices: ["yes", "no"],
  draft: null,
  now: "2027-03-30T09:00:00.000Z",
  chat: {
    aiEnabled: false,
    oneReply: false,
    voicemail: false,
    senderPhone: "+393331110001",
    senderEmail: null,
    lastInboundAt: "2027-03-30T08:59:00.000Z",
  },
};
const row = (snapshot: unknown) => ({
  channel: "telegram",
  chatId: "1",
  customerId: null,
  snapshot: typeof snapshot === "string" ? snapshot : JSON.stringify(snapshot),
  version: 3,
  updatedAt: new Date(),
});
const read = (snapshot: unknown) => readConversation(row(snapshot) as never);

describe("readConversation", () => {
  it("reads a saved state and its labels; no row is no conversation", () => {
    const stored = read({ v: 1, value: { intake: "describe" }, context, labels: { yes: "Sì", no: "No" } });
    expect(stored?.state).toEqual({ v: 1, value: { intake: "describe" }, context });
    expect(stored?.labels).toEqual({ yes: "Sì", no: "No" });
    expect(read({ v: 1, value: "idle", context })?.labels).toEqual({});
    expect(readConversation(null)).toBeNull();
  });

  it("moves the chat's facts of a state saved before they were grouped into `chat`", () => {
    const { chat, ...rest } = context;
    const flat = {
      ...rest,
      aiEnabled: true,
      senderPhone: chat.senderPhone,
      lastInboundAt: chat.lastInboundAt,
    };
    const upgraded = { ...context, chat: { ...chat, aiEnabled: true } };
    expect(read({ v: 1, value: "idle", context: flat })?.state).toEqual({
      v: 1,
      value: "idle",
      context: upgraded,
    });
    // Through zod too (a "__proto__" key sends a state there).
    const odd = JSON.stringify({ v: 1, value: "idle", context: flat }).replace(
      '"draft"',
      '"__proto__":{},"draft"',
    );
    expect(read(odd)?.state?.context).toMatchObject(upgraded);
  });

  it.each([
    ["another version", { v: 2, value: "idle", context }],
    ["a value that is a list", { v: 1, value: ["idle"], context }],
    ["no context", { v: 1, value: "idle" }],
    ["an unknown language", { v: 1, value: "idle", context: { ...context, language: "fr" } }],
    ["no ticket field", { v: 1, value: "idle", context: { ...context, ticket: undefined } }],
    ["a numeric choice", { v: 1, value: "idle", context: { ...context, choices: ["yes", 2] } }],
    ["a draft that is a list", { v: 1, value: "idle", context: { ...context, draft: [] } }],
    ["not an object", [1, 2]],
  ])("takes a state with %s as unreadable, saying why", (_label, snapshot) => {
    const stored = read(snapshot);
    expect(stored?.state).toBeNull();
    expect(stored?.unreadable).toBeDefined();
  });

  it("keeps labels only when they are all texts, whatever the state", () => {
    expect(read({ v: 1, value: "idle", context, labels: { yes: "Sì", no: 2 } })?.labels).toEqual({});
    expect(read({ v: 2, labels: { yes: "Sì" } })?.labels).toEqual({ yes: "Sì" });
    expect(read({ v: 1, value: "idle", context, labels: ["Sì"] })?.labels).toEqual({});
  });

  it("still reads a state with unusual keys, as the schema does", () => {
    const stored = read(
      `{"v":1,"value":"idle","context":{"language":"en","ticket":"T-1","choices":[],"draft":{"__proto__":{"x":1},"a":1},"extra":true}}`,
    );
    expect(stored?.state?.context.language).toBe("en");
    expect(stored?.state?.context.extra).toBe(true);
    expect(stored?.state?.context.draft).toMatchObject({ a: 1 });
  });

  it("is an error when the row is not JSON at all", () => {
    expect(() => read("{not json")).toThrow(SyntaxError);
  });
});

describe("choiceFromLabels", () => {
  it("maps a typed label to the choice it was shown for, and leaves the rest to the understanding layer", () => {
    const stored = read({ v: 1, value: "idle", context, labels: { yes: "Sì", no: "No, grazie" } });
    expect(choiceFromLabels(stored, "no grazie")).toBe("no");
    expect(choiceFromLabels(stored, "No, GRAZIE!")).toBe("no");
    // Numbers and sentences are understood by the machine with the question's expectation.
    expect(choiceFromLabels(stored, "2")).toBeUndefined();
    expect(choiceFromLabels(stored, "sì grazie")).toBeUndefined();
    expect(choiceFromLabels(stored, "   ")).toBeUndefined();
    expect(choiceFromLabels(read({ v: 1, value: "idle", context }), "sì")).toBeUndefined();
    expect(choiceFromLabels(null, "sì")).toBeUndefined();
  });
});

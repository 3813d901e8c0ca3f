import { describe, expect, it } from "vitest";
import { matchChoice, renderNumberedChoices } from "../../../src/channels/whatsapp/matchChoice.js";
import { reconnectDelay } from "../../../src/channels/whatsapp/reconnectDelay.js";
import { splitMessageText } from "../../../src/channels/whatsapp/splitMessageText.js";
import { pairingDigits, phoneFromChatId, toE164 } from "../../../src/channels/whatsapp/whatsAppPhone.js";

const choices = [
  { id: "same", label: "Stesso problema di prima" },
  { id: "new", label: "Nuovo problema" },
  { id: "urgent", label: "È urgente" },
];

describe("numbered choices", () => {
  it("renders the text then one numbered line per option", () => {
    expect(renderNumberedChoices("Scegli:", choices)).toBe(
      "Scegli:\n\n1. Stesso problema di prima\n2. Nuovo problema\n3. È urgente",
    );
    expect(renderNumberedChoices("", choices.slice(0, 1))).toBe("1. Stesso problema di prima");
    expect(renderNumberedChoices("Solo testo", [])).toBe("Solo testo");
  });

  it("maps numbers in the usual shapes", () => {
    for (const reply of ["2", "2.", " 2 ", "2)", "#2", "2\uFE0F\u20E3"]) {
      expect(matchChoice(reply, choices), reply).toBe("new");
    }
    expect(matchChoice("1", choices)).toBe("same");
    expect(matchChoice("4", choices)).toBeUndefined();
    expect(matchChoice("0", choices)).toBeUndefined();
    expect(matchChoice("22", choices)).toBeUndefined();
  });

  it("maps the option's words, case- and accent-insensitive", () => {
    expect(matchChoice("nuovo problema", choices)).toBe("new");
    expect(matchChoice("NUOVO PROBLEMA!", choices)).toBe("new");
    expect(matchChoice("e urgente", choices)).toBe("urgent");
    expect(matchChoice("urgente", choices)).toBe("urgent");
    expect(matchChoice("è un nuovo problema", choices)).toBe("new");
    expect(matchChoice("stesso", choices)).toBe("same");
  });

  it("gives nothing for ambiguous or free text, or without a list", () => {
    expect(matchChoice("problema", choices)).toBeUndefined();
    expect(matchChoice("la stampante ha un nuovo problema con la carta da ieri", choices)).toBeUndefined();
    expect(matchChoice("grazie", choices)).toBeUndefined();
    expect(matchChoice("", choices)).toBeUndefined();
    expect(matchChoice("2", undefined)).toBeUndefined();
    expect(matchChoice("2", [])).toBeUndefined();
  });
});

describe("splitMessageText", () => {
  it("keeps short text whole and drops empty text", () => {
    expect(splitMessageText("ciao")).toEqual(["ciao"]);
    expect(splitMessageText("")).toEqual([]);
  });

  it("cuts at paragraph, then line, then word boundaries under the limit", () => {
    const text = `${"a".repeat(30)}\n\n${"b".repeat(30)}\n${"c".repeat(10)} ${"d".repeat(10)}`;
    expect(splitMessageText(text, 40)).toEqual([
      "a".repeat(30),
      `${"b".repeat(30)}`,
      `${"c".repeat(10)} ${"d".repeat(10)}`,
    ]);
  });

  it("hard-cuts a long word without splitting a surrogate pair", () => {
    const text = `${"x".repeat(9)}😀${"y".repeat(5)}`;
    const parts = splitMessageText(text, 10);
    expect(parts.join("")).toBe(text);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(10);
    expect(parts[0]).toBe("x".repeat(9));
  });
});

describe("reconnectDelay", () => {
  const backoff = { initialDelayMs: 1000, maxDelayMs: 10_000, factor: 2 };
  it("grows exponentially with half the delay jittered, up to the ceiling", () => {
    expect(reconnectDelay(1, backoff, () => 0)).toBe(500);
    expect(reconnectDelay(1, backoff, () => 0.999999)).toBe(1000);
    expect(reconnectDelay(3, backoff, () => 0.5)).toBe(3000);
    expect(reconnectDelay(20, backoff, () => 0.999999)).toBe(10_000);
  });
});

describe("WhatsApp phone numbers", () => {
  it("turns chat ids and typed numbers into E.164", () => {
    expect(toE164("393331234567@c.us")).toBe("+393331234567");
    expect(toE164("393331234567:12@c.us")).toBe("+393331234567");
    expect(toE164("+39 333 123 4567")).toBe("+393331234567");
    expect(toE164("14155552671")).toBe("+14155552671");
    expect(phoneFromChatId("393331234567@c.us")).toBe("+393331234567");
  });

  it("refuses what is not a phone number", () => {
    expect(toE164("status")).toBeUndefined();
    expect(toE164("123")).toBeUndefined();
    expect(phoneFromChatId("123456789012345@lid")).toBeUndefined();
    expect(phoneFromChatId("120363012345678901@g.us")).toBeUndefined();
    expect(pairingDigits("not a phone")).toBeUndefined();
    expect(pairingDigits("+39 333 123 4567")).toBe("393331234567");
  });
});

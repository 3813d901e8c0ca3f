/**
 * The understanding layer on its own: typed answers to each kind of question, as customers write
 * them, and what they must mean. Table-driven; the end-to-end figures over the whole corpus are
 * `npm run understanding`.
 */
import { describe, expect, it } from "vitest";
import { namesBoth, understandAnswer, understandRequest } from "../../src/understanding/answer.js";
import { optionsOf } from "../../src/understanding/labels.js";
import type { Expectation } from "../../src/understanding/types.js";

const blocking = optionsOf([
  { id: "can-work", key: "intake.canWork" },
  { id: "blocked", key: "intake.blocked" },
]);
const blockingExpects: Expectation = { kind: "yes-no", yes: "can-work", no: "blocked" };
const consent = optionsOf([
  { id: "accept", key: "intake.accept" },
  { id: "decline", key: "intake.decline" },
]);
const consentExpects: Expectation = { kind: "yes-no", yes: "accept", no: "decline" };
const damage = optionsOf([
  { id: "damaged", key: "intake.seriouslyDamaged" },
  { id: "not-damaged", key: "intake.notDamaged" },
]);
const damageExpects: Expectation = { kind: "yes-no", yes: "damaged", no: "not-damaged" };
const categories = optionsOf(
  [
    { id: "software-usage", key: "category:software-usage" },
    { id: "peripherals", key: "category:peripherals" },
    { id: "hardware-repair", key: "category:hardware-repair" },
    { id: "other", key: "category:other" },
  ],
  {
    "software-usage": ["Uso del software e formazione", "Software usage and training"],
    peripherals: ["Stampanti e periferiche", "Printers and peripherals"],
    "hardware-repair": ["Riparazione hardware", "Hardware repair"],
    other: ["Altro", "Other"],
  },
);
const items = optionsOf([
  { id: "item:0", text: "PC cassa (2026-06-01)" },
  { id: "item:1", text: "Stampante fiscale Epson (2025-02-10)" },
  { id: "item:other", key: "intake.itemOther" },
]);

const answer = (value: string) => ({ kind: "answer", value });

describe("understandAnswer: yes/no questions", () => {
  it.each([
    ["no, non riesco a lavorare", "blocked"],
    ["sono fermo", "blocked"],
    ["siamo tutti fermi!!", "blocked"],
    ["no, e ho la fila alla cassa!", "blocked"],
    ["nn posso lavorare", "blocked"],
    ["I can't work at all", "blocked"],
    ["nope", "blocked"],
    ["sì grazie", "can-work"],
    ["si riesco lo stesso", "can-work"],
    ["yes I can still work", "can-work"],
    ["non è urgente, con calma", "can-work"],
    ["👍", "can-work"],
  ])("blocking: %s → %s", (text, expected) => {
    expect(understandAnswer(text, blocking, blockingExpects)).toMatchObject(answer(expected));
  });

  it.each([
    ["va bene procedete", "accept"],
    ["yes please go ahead", "accept"],
    ["ok, accetto", "accept"],
    ["sì grazie", "accept"],
    ["I'd rather not", "decline"],
    ["no troppo caro", "decline"],
    ["non accetto", "decline"],
    ["no grazie, lascia stare", "decline"],
  ])("consent: %s → %s", (text, expected) => {
    expect(understandAnswer(text, consent, consentExpects)).toMatchObject(answer(expected));
  });

  it.each([
    ["sì, è caduto e lo schermo è rotto", "damaged"],
    ["no, sembra a posto", "not-damaged"],
    ["non è rotto, non si accende e basta", "not-damaged"],
    ["no damage, it just won't start", "not-damaged"],
  ])("serious damage: %s → %s", (text, expected) => {
    expect(understandAnswer(text, damage, damageExpects)).toMatchObject(answer(expected));
  });

  it.each(["forse", "boh non so se posso", "sì e no", "dipende", "not sure"])(
    "unsure answers are ambiguous, never taken: %s",
    (text) => {
      expect(understandAnswer(text, blocking, blockingExpects).kind).toBe("ambiguous");
    },
  );

  it("a contradiction is ambiguous", () => {
    expect(understandAnswer("sì no", consent, consentExpects).kind).toBe("ambiguous");
  });

  it("nothing to go on is not understood", () => {
    expect(understandAnswer("qwerty", blocking, blockingExpects).kind).toBe("not-understood");
    expect(understandAnswer("", blocking, blockingExpects).kind).toBe("not-understood");
  });

  it("keeps the whole text when it says more than the answer", () => {
    const result = understandAnswer("no, e ho la fila alla cassa!", blocking, blockingExpects);
    expect(result).toMatchObject({ kind: "answer", value: "blocked", rest: "no, e ho la fila alla cassa!" });
    expect(understandAnswer("sì grazie", consent, consentExpects)).toMatchObject({ rest: "" });
  });
});

describe("understandAnswer: lists", () => {
  const choice: Expectation = { kind: "choice", unsure: "other" };
  it.each([
    ["la stampante", "peripherals"],
    ["stampnte", "peripherals"],
    ["periferica", "peripherals"],
    ["printers", "peripherals"],
    ["la seconda", "peripherals"],
    ["2", "peripherals"],
    ["il terzo", "hardware-repair"],
    ["l'ultima", "other"],
    ["non so", "other"],
    ["boh", "other"],
    ["riparazione", "hardware-repair"],
  ])("category: %s → %s", (text, expected) => {
    expect(understandAnswer(text, categories, choice)).toMatchObject(answer(expected));
  });

  it.each([
    ["la seconda", "item:1"],
    ["il pc della cassa", "item:0"],
    ["la stampante epson", "item:1"],
    ["nessuno di questi", "item:other"],
    ["un altro", "item:other"],
  ])("purchased item: %s → %s", (text, expected) => {
    expect(understandAnswer(text, items, { kind: "choice", unsure: "item:other" })).toMatchObject(
      answer(expected),
    );
  });

  it("a number beyond the list is not an option", () => {
    expect(understandAnswer("7", categories, choice).kind).toBe("not-understood");
  });
});

describe("understandAnswer: generalised rules (held-out corpus)", () => {
  it.each([
    // Chat shortenings are read in full: "nn X" is "non X", "nn" alone is "no".
    ["nn ha danni", damage, damageExpects, "not-damaged"],
    ["nn", consent, consentExpects, "decline"],
    ["cmq riesco a lavorare", blocking, blockingExpects, "can-work"],
    ["we cant work", blocking, blockingExpects, "blocked"],
    // A leading yes/no answers; an opposite marker after more words describes.
    ["no fuori è perfetto", damage, damageExpects, "not-damaged"],
    ["sì, ma la stampa non va bene", consent, consentExpects, "accept"],
    // A negation reaches through a modal verb, and "don't" is a negation too.
    ["nn si puo lavorare", blocking, blockingExpects, "blocked"],
    ["don't go ahead", consent, consentExpects, "decline"],
    ["dont go ahead", consent, consentExpects, "decline"],
    // Polite and hedged no.
    ["non mi sembra", damage, damageExpects, "not-damaged"],
    ["non ora grazie", consent, consentExpects, "decline"],
  ])("%s → %s", (text, options, expects, expected) => {
    expect(understandAnswer(text, options, expects)).toMatchObject(answer(expected));
  });

  it.each([
    // "nn lo so" is a doubt, not a no.
    ["nn lo so", consent, consentExpects],
    ["boh nn saprei", damage, damageExpects],
    // A yes/no in a question asked back answers nothing.
    ["ok ma è coperto dal contratto?", consent, consentExpects],
  ])("%s is not taken", (text, options, expects) => {
    expect(understandAnswer(text, options, expects).kind).not.toBe("answer");
  });

  it("a device none of the items is, is another device; only where the question says so", () => {
    const expects: Expectation = { kind: "choice", unlisted: "item:other" };
    expect(understandAnswer("la bilancia", items, expects)).toMatchObject(answer("item:other"));
    expect(understandAnswer("the barcode scanner", items, expects)).toMatchObject(answer("item:other"));
    expect(understandAnswer("il pos", items, expects)).toMatchObject(answer("item:other"));
    expect(understandAnswer("la stampante", items, expects)).toMatchObject(answer("item:1"));
    expect(understandAnswer("la bilancia", items, { kind: "choice" }).kind).toBe("not-understood");
  });
});

describe("namesBoth", () => {
  it.each([
    ["la stampante e il pc", true],
    ["the printer and the pc", true],
    ["sia la stampante che il pc", true],
    ["è la stampante", false],
    ["no, è il pc", false],
    ["la stampante", false],
  ])("%s → %s", (text, expected) => {
    expect(namesBoth(text)).toBe(expected);
  });
});

describe("understandRequest", () => {
  const requests = ["status", "hours", "human", "restart"].map((id) => ({ id }));
  it("reads a worded request, never a number or a position", () => {
    expect(understandRequest("a che ora aprite?", requests)).toBe("hours");
    expect(understandRequest("voglio parlare con un tecnico", requests)).toBe("human");
    for (const text of ["1", "3", "2.", "la prima", "primo"])
      expect(understandRequest(text, requests)).toBeNull();
  });
});

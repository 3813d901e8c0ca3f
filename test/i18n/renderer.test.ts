import { describe, expect, it } from "vitest";
import type { Params } from "../../flows/intents.js";
import { createRenderer } from "../../src/i18n/renderer.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";

const policy = loadPolicy("leotron");

describe("renderer", () => {
  it("renders remembered texts exactly as a fresh renderer does, per key, parameters and language", () => {
    const renderer = createRenderer(policy);
    const calls: [string, Params | undefined, "it" | "en"][] = [
      ["intake.welcome", { name: "Negozio 1" }, "it"],
      ["intake.welcome", { name: "Negozio 2" }, "it"],
      ["intake.welcome", { name: "Negozio 1" }, "en"],
      ["intake.welcome", { name: NaN }, "it"],
      ["intake.welcome", { name: null }, "it"],
      ["intake.welcome", {}, "it"],
      ["intake.confirmCategory", { category: { $category: "peripheral-setup" } }, "it"],
      ["intake.confirmCategory", { category: { $category: "virus-removal" } }, "it"],
      ["availability.openNow", { closesAt: { $time: "2027-03-30T11:00:00.000Z" } }, "it"],
      ["availability.openNow", { closesAt: { $time: "2027-10-31T11:00:00.000Z" } }, "it"],
      ["menu.prompt", undefined, "it"],
      ["menu.prompt", undefined, "en"],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [key, params, language] of calls) {
        expect(renderer.render(key, params, language)).toBe(
          createRenderer(policy).render(key, params, language),
        );
      }
    }
    const texts = calls.map(([key, params, language]) => renderer.render(key, params, language));
    expect(texts[0]).toContain("Negozio 1");
    expect(texts[1]).toContain("Negozio 2");
    expect(texts[0]).not.toBe(texts[2]);
    expect(texts[3]).toContain("NaN");
    expect(texts[6]).not.toBe(texts[7]);
    expect(texts[8]).toContain("13:00");
    expect(texts[9]).toContain("12:00");
  });
});

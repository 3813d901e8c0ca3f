import { describe, expect, it } from "vitest";
import { PlainTemplates } from "../../src/i18n/plainTemplates.js";
import { translator } from "../../src/i18n/renderer.js";

const t = translator();

/** Every key of a locale, with its text. */
function keysOf(tree: unknown, prefix = ""): [string, unknown][] {
  if (typeof tree !== "object" || tree === null) return [[prefix, tree]];
  return Object.entries(tree).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k));
}

const placeholders = (text: unknown) =>
  typeof text === "string" ? [...text.matchAll(/\{\{(.+?)\}\}/g)].map((m) => m[1]!) : [];

const VALUES: unknown[] = [
  "Negozio 1",
  42,
  "T-2027-0001",
  "È già — 5 €",
  "",
  0,
  null,
  undefined,
  true,
  "$&",
  "{{company}}",
  "a.b",
  "x}}y",
  -1.5,
  Number.NaN,
];

describe("PlainTemplates", () => {
  it("fills every locale text exactly as i18next renders it, or leaves it to i18next", () => {
    const plain = new PlainTemplates(t);
    let filled = 0;
    let checked = 0;
    for (const language of ["it", "en"]) {
      for (const [key, text] of keysOf(t.getResourceBundle(language, "translation"))) {
        const names = placeholders(text);
        const cases: Record<string, unknown>[] = [{ company: "Leotron" }, { company: "Leotron", count: 2 }];
        for (const v of VALUES) {
          cases.push({ company: "Leotron", ...Object.fromEntries(names.map((n) => [n, v])) });
          if (names.length > 0) cases.push({ company: "Leotron", [names[0]!]: v });
        }
        cases.push({ company: "Leotron", ...Object.fromEntries(names.map((n) => [n, "x"])), extra: "y" });
        for (const values of cases) {
          const fast = plain.fill(key, language, values);
          checked++;
          if (fast === undefined) continue;
          filled++;
          expect(fast, `${language} ${key} ${JSON.stringify(values)}`).toBe(
            t.t(key, { ...values, lng: language }),
          );
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(filled).toBeGreaterThan(checked / 4);
  });

  it("fills a greeting and leaves to i18next what it cannot fill the same way", () => {
    const plain = new PlainTemplates(t);
    expect(plain.fill("intake.welcome", "it", { company: "Leotron", name: "Negozio 1" })).toBe(
      "Ciao Negozio 1! Sono l'assistente virtuale del supporto tecnico Leotron.",
    );
    expect(plain.fill("intake.welcome", "it", { company: "Leotron", name: "{{company}}" })).toBeUndefined();
    expect(
      plain.fill("intake.welcome", "it", { company: "Leotron", name: "Negozio", count: 1 }),
    ).toBeUndefined();
    expect(plain.fill("intake.welcome", "it", { company: "Leotron" })).toBeUndefined();
    expect(plain.fill("no.such.key", "it", { company: "Leotron" })).toBeUndefined();
  });
});

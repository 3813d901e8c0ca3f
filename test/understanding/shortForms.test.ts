/**
 * Chat shortenings (locales/understanding/shortForms.yaml) are read as the words they stand for by
 * every reader of customer text, and a broken file is refused naming the entry.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wordsOf } from "../../src/ai/textRules.js";
import { expandShortForms, loadShortForms, ShortFormsError } from "../../src/understanding/shortForms.js";

describe("chat shortenings", () => {
  it.each([
    ["nn va la stampante", ["non", "va", "la", "stampante"]],
    ["cmq x me va bene", ["comunque", "per", "me", "va", "bene"]],
    ["we dont know", ["we", "don", "t", "know"]],
    ["idk", ["i", "don", "t", "know"]],
    ["nn", ["no"]],
    ["nooo grazieeee", ["no", "grazie"]],
    ["la stampante", ["la", "stampante"]],
  ])("%s → %j", (text, words) => {
    expect(wordsOf(text)).toEqual(words);
  });

  it("leaves the words as they are when nothing is short", () => {
    const words = ["la", "cassa"];
    expect(expandShortForms(words)).toBe(words);
  });

  it("refuses a broken file naming the entry", () => {
    const dir = mkdtempSync(join(tmpdir(), "shortforms-"));
    const file = join(dir, "shortForms.yaml");
    writeFileSync(file, "expand:\n  nn: ''\nalone: {}\n");
    expect(() => loadShortForms(file)).toThrow(ShortFormsError);
    expect(() => loadShortForms(file)).toThrow(/expand\.nn/);
  });
});

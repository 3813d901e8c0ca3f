import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { intentClassifierFor } from "../../src/understanding/intentClassifier.js";
import { loadLexicon } from "../../src/understanding/lexicon.js";

describe("intent classifier (trained at start-up from the lexicon and the preset)", () => {
  const classifier = intentClassifierFor(loadPolicy("leotron"));
  it.each([
    ["a che ora aprite?", "it", "hours"],
    ["siete aperti domani mattina?", "it", "hours"],
    ["a che punto è la mia richiesta?", "it", "status"],
    ["vorrei parlare con un tecnico", "it", "human"],
    ["ricominciamo da capo", "it", "restart"],
    ["Il programma di cassa non si apre, errore database", "it", "new"],
    ["when are you open on saturday?", "en", "hours"],
    ["any news on my ticket?", "en", "status"],
    ["the printer does not print", "en", "new"],
  ])("%s (%s) → %s", (text, language, intent) => {
    expect(classifier.classify(text, language)?.intent).toBe(intent);
  });

  it("names no intent for a greeting or thanks", () => {
    expect(classifier.classify("ciao", "it")).toBeNull();
    expect(classifier.classify("grazie mille", "it")).toBeNull();
  });

  it("is trained once per preset's keywords", () => {
    expect(intentClassifierFor(loadPolicy("leotron"))).toBe(classifier);
  });
});

describe("lexicon", () => {
  it("reads and validates the phrase files of both languages", () => {
    const lexicon = loadLexicon();
    for (const id of ["blocked", "can-work", "accept", "decline", "status", "hours", "human", "restart"]) {
      expect(lexicon.options.get(id)?.some((r) => r.language === "it")).toBe(true);
      expect(lexicon.options.get(id)?.some((r) => r.language === "en")).toBe(true);
    }
  });
});

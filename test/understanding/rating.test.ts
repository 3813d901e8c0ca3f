import { describe, expect, it } from "vitest";
import { understandRating } from "../../src/understanding/rating.js";

describe("understandRating", () => {
  it.each([
    ["5", 5, null],
    ["cinque stelle", 5, null],
    ["five stars", 5, null],
    ["⭐⭐⭐⭐", 4, null],
    ["4/5", 4, null],
    ["ottimo servizio, 5", 5, "ottimo servizio"],
    ["Il tecnico è stato gentile 5 stelle", 5, "Il tecnico è stato gentile"],
    ["tre", 3, null],
    ["eccellente!", 5, "eccellente!"],
    ["pessimo, nessuno mi ha risposto", 1, "pessimo, nessuno mi ha risposto"],
    ["😍", 5, "😍"],
  ])("%s → %i (comment %s)", (text, rating, comment) => {
    expect(understandRating(text)).toEqual({ kind: "rating", rating, comment });
  });

  it.each(["4 o 5", "7", "4,5", "ottimo ma pessimo", "10/10", "abbastanza bene", "it was ok"])(
    "%s is ambiguous",
    (text) => {
      expect(understandRating(text).kind).toBe("ambiguous");
    },
  );

  it.each(["ciao", "", "la stampante non va"])("%s is no rating", (text) => {
    expect(understandRating(text).kind).toBe("not-understood");
  });
});

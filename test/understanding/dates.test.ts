/**
 * Purchase dates written in a sentence (looseDate), as customers answer "Quando l'avete
 * acquistato?". Today is Tuesday 30 March 2027 in Rome.
 */
import { describe, expect, it } from "vitest";
import { parseCustomerDate } from "../../flows/textMatchers.js";
import { looseDate } from "../../src/understanding/dates.js";

const now = new Date("2027-03-30T10:00:00+02:00");
const zone = "Europe/Rome";

describe("looseDate", () => {
  it.each([
    ["marzo 2025", "2025-03-01"],
    ["ieri", "2027-03-29"],
    ["yesterday", "2027-03-29"],
    ["l'altro ieri", "2027-03-28"],
    ["la settimana scorsa", "2027-03-23"],
    ["last week", "2027-03-23"],
  ])("%s → %s", (text, expected) => {
    expect(looseDate(text, zone, now)).toBe(expected);
  });

  it("a day named in a longer sentence is not the purchase date", () => {
    expect(looseDate("si è rotto proprio ieri sera", zone, now)).toBeNull();
  });
});

describe("parseCustomerDate", () => {
  it("reads a dotted date with a two-digit year", () => {
    expect(parseCustomerDate("20.07.26", zone)).toBe("2026-07-20");
  });
});

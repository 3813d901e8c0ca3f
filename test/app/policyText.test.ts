import { describe, expect, it } from "vitest";
import { policyText } from "../../src/app/policyText.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";

describe("policyText for reply drafts", () => {
  it("tells which holidays close all day and which have reduced hours, and whom weekend service serves", () => {
    const text = policyText(loadPolicy("leotron"), "en");
    expect(text).toContain("Closed all day on holidays: 01-01 (new-year)");
    expect(text).toContain(
      "reduced holiday service 09:00-13:00 instead of the usual hours on: 04-25 (liberation-day)",
    );
    expect(text).toContain("12-08 (immaculate-conception)");
    expect(text).toContain("only for blocking problems of J-System customers");
    expect(text).toContain("support closed at that time today (not all day)");
  });
  it("names an imported holiday calendar", () => {
    expect(policyText(loadPolicy("leotron-web"), "it")).toContain("Public holidays of IT: closed all day");
  });
});

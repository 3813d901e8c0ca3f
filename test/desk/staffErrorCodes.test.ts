import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STAFF_ERROR_CODES } from "../../src/desk/port.js";
import { describeFailure } from "../../src/desk/slack/staffWording.js";

function boardErrors(lang: "it" | "en"): Record<string, string> {
  const locale = JSON.parse(readFileSync(new URL(`../../locales/${lang}.json`, import.meta.url), "utf8"));
  return locale.web.board.errors;
}

// HTTP statuses and Slack wording are checked complete by the compiler (`satisfies`); the board's
// wording lives in the locales, so it is checked here.
describe("staff error codes", () => {
  it("each has board wording in Italian and English", () => {
    for (const lang of ["it", "en"] as const) {
      const errors = boardErrors(lang);
      for (const code of STAFF_ERROR_CODES)
        expect(errors[code], `${lang}: board.errors.${code}`).toBeTruthy();
    }
  });

  it("each has Slack wording that names the ticket where it matters", () => {
    for (const code of STAFF_ERROR_CODES) {
      const text = describeFailure({ ok: false, code, message: "" }, "LT-2027-00001");
      expect(text.length, code).toBeGreaterThan(10);
    }
    expect(describeFailure({ ok: false, code: "unknown-ticket", message: "" }, "LT-2027-00001")).toContain(
      "LT-2027-00001",
    );
  });
});

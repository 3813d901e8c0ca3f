import { describe, expect, it } from "vitest";
import { elideArticles, startsWithVowelSoundNumber } from "../../src/i18n/elision.js";
import { createRenderer, formatWhen } from "../../src/i18n/renderer.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";

const renderer = createRenderer(loadPolicy("leotron"));

describe("Italian elision before numbers", () => {
  it("knows which numbers are read with a vowel sound", () => {
    const vowel = [
      "1",
      "8",
      "11",
      "80",
      "81",
      "89",
      "800",
      "8000",
      "8.000",
      "11000",
      "1000000",
      "8/12/2026",
      "1 dic",
    ];
    const consonant = [
      "2",
      "10",
      "12",
      "18",
      "19",
      "100",
      "1000",
      "1.000",
      "1990",
      "2026",
      "110",
      "0",
      "",
      "otto",
    ];
    for (const n of vowel) expect(startsWithVowelSoundNumber(n), n).toBe(true);
    for (const n of consonant) expect(startsWithVowelSoundNumber(n), n).toBe(false);
  });

  it("elides the article and the articulated prepositions of the text, keeping their case", () => {
    const values = { a: "8 dicembre", b: 11, c: "1/12", d: "18 dicembre", e: "80%" };
    expect(elideArticles("il {{a}}, dal {{b}} al {{c}}, il {{d}}, Il {{a}}, del {{e}}", values)).toBe(
      "l'{{a}}, dall'{{b}} all'{{c}}, il {{d}}, L'{{a}}, dell'{{e}}",
    );
  });

  it("renders a closing date in the e-mail summary as l'8, l'11, l'1 — and il 18 — in Italian only", () => {
    const closed = (iso: string, language: "it" | "en") =>
      renderer.render(
        "mail.summary.closed",
        { number: "LT-2026-00042", closedAt: { $dateTime: iso } },
        language,
      );
    expect(closed("2026-12-08T10:30:00+01:00", "it")).toBe(
      "la segnalazione LT-2026-00042 è stata chiusa l'8 dicembre 2026 alle 10:30.",
    );
    expect(closed("2026-12-11T10:30:00+01:00", "it")).toContain("chiusa l'11 dicembre 2026");
    expect(closed("2026-12-01T10:30:00+01:00", "it")).toContain("chiusa l'1 dicembre 2026");
    expect(closed("2026-12-18T10:30:00+01:00", "it")).toContain("chiusa il 18 dicembre 2026");
    expect(closed("2026-12-08T10:30:00+01:00", "en")).toBe(
      "request LT-2026-00042 was closed on 8 December 2026 at 10:30.",
    );
  });

  it("never changes a value: a technician's text saying 'il 8' is relayed as written", () => {
    expect(renderer.render("relay.fromTechnician", { technician: "Marco", text: "passo il 8" }, "it")).toBe(
      "👩‍🔧 Marco: passo il 8",
    );
  });
});

describe("formatWhen relative to the instant it is said", () => {
  const zone = "Europe/Rome";
  it("says today and tomorrow (with the date) in both languages, the weekday and date otherwise", () => {
    const monday9 = "2026-12-07T09:00:00+01:00";
    expect(formatWhen(monday9, "it", zone, new Date("2026-12-07T07:30:00+01:00"))).toBe("oggi alle 09:00");
    expect(formatWhen(monday9, "en", zone, new Date("2026-12-07T07:30:00+01:00"))).toBe("today at 09:00");
    expect(formatWhen(monday9, "it", zone, "2026-12-06T15:00:00+01:00")).toBe(
      "domani, lunedì 7 dicembre, alle 09:00",
    );
    expect(formatWhen(monday9, "en", zone, "2026-12-06T15:00:00+01:00")).toBe(
      "tomorrow, Monday 7 December, at 09:00",
    );
    expect(formatWhen(monday9, "it", zone, "2026-12-05T15:00:00+01:00")).toBe("lunedì 7 dicembre alle 09:00");
    expect(formatWhen(monday9, "en", zone)).toBe("Monday 7 December at 09:00");
    // 23:30 UTC is already Monday in Rome: the day is the zone's, not UTC's.
    expect(formatWhen(monday9, "it", zone, "2026-12-06T23:30:00Z")).toBe("oggi alle 09:00");
  });
});

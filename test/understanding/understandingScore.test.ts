/**
 * The benchmark's scoring, on observations made by hand: what counts as understood, taken
 * wrongly, asked again or lost, so a bot that does the right thing is counted as such even where
 * today's bot never goes (a comment kept with a rating, sign-up fields, a clarifying question).
 */
import { describe, expect, it } from "vitest";
import type { Expectation, QuestionType, TypedEntry } from "../../src/bench/understandingCorpus.js";
import type { Observation } from "../../src/bench/understandingScenes.js";
import { outcomeOf, thresholdFailures } from "../../src/bench/understandingScore.js";

const entry = (expect: Expectation, type: QuestionType = "blocking"): TypedEntry => ({
  type,
  lang: "it",
  text: "…",
  expect,
  where: "test#1",
});
const seen = (taken: string | null, extra: Partial<Observation> = {}): Observation => ({
  taken,
  kept: [],
  ...extra,
});
const isBlocking = (key: string) => key === "intake.askBlocking";

describe("outcomeOf", () => {
  it("tells understood, taken wrongly and asked again apart", () => {
    expect(outcomeOf(entry({ answer: "blocked" }), seen("blocked"), [], isBlocking)).toBe("understood");
    expect(outcomeOf(entry({ answer: "blocked" }), seen("can-work"), [], isBlocking)).toBe("wrong");
    expect(
      outcomeOf(
        entry({ answer: "blocked" }),
        seen(null),
        ["common.notUnderstood", "intake.askBlocking"],
        isBlocking,
      ),
    ).toBe("asked");
    expect(
      outcomeOf(entry({ answer: "blocked" }), seen(null), ["understanding.clarify.blocking"], isBlocking),
    ).toBe("asked");
    expect(outcomeOf(entry({ answer: "blocked" }), seen(null), ["intake.askBlocking"], isBlocking)).toBe(
      "asked",
    );
    expect(outcomeOf(entry({ answer: "blocked" }), seen(null), ["intake.askDescription"], isBlocking)).toBe(
      "none",
    );
  });

  it("takes any answer to an ambiguous entry as wrong, and asking again as right", () => {
    expect(outcomeOf(entry({ clarify: true }), seen("can-work"), [], isBlocking)).toBe("wrong");
    expect(outcomeOf(entry({ clarify: true }), seen(null), ["understanding.clarify"], isBlocking)).toBe(
      "asked",
    );
  });

  it("wants the extra text on the ticket and the comment on the feedback", () => {
    const rest = entry({ answer: "blocked", rest: "ho la fila alla cassa" });
    expect(
      outcomeOf(
        rest,
        seen("blocked", { kept: ["Il programma…\nNo, e ho la fila alla cassa!"] }),
        [],
        isBlocking,
      ),
    ).toBe("understood");
    expect(outcomeOf(rest, seen("blocked", { kept: ["Il programma…"] }), [], isBlocking)).toBe("lost");
    const rated = entry({ answer: "5", comment: "ottimo servizio" }, "rating");
    expect(outcomeOf(rated, seen("5", { comment: "Ottimo servizio!" }), [], () => false)).toBe("understood");
    expect(outcomeOf(rated, seen("5", { comment: null }), ["feedback.askComment"], () => false)).toBe("lost");
    expect(outcomeOf(rated, seen("4", { comment: "ottimo servizio" }), [], () => false)).toBe("wrong");
  });

  it("reads ordinals against the list as shown and month dates as any day of the month", () => {
    const shown = ["new", "status", "info", "hours"];
    expect(outcomeOf(entry({ answer: "#3" }, "menu"), seen("info"), [], () => false, shown)).toBe(
      "understood",
    );
    expect(outcomeOf(entry({ answer: "#last" }, "menu"), seen("info"), [], () => false, shown)).toBe("wrong");
    expect(outcomeOf(entry({ answer: "2025-03" }, "date"), seen("2025-03-01"), [], () => false)).toBe(
      "understood",
    );
    expect(outcomeOf(entry({ answer: "2025-03" }, "date"), seen("2025-04-01"), [], () => false)).toBe(
      "wrong",
    );
    expect(
      outcomeOf(
        entry({ answer: ["peripheral-setup", "hardware-repair"] }),
        seen("hardware-repair"),
        [],
        () => false,
      ),
    ).toBe("understood");
  });

  it("compares sign-up fields as written: a wrong or invented field is wrong, a missing one lost", () => {
    const want = entry(
      { fields: { company: "Ferramenta Neri", contactName: "Giulia Neri", phone: "+393331234567" } },
      "identity",
    );
    const fields = (f: Record<string, string | null>) => seen("fields", { fields: f });
    const askCompany = (k: string) => k === "intake.askCompany";
    expect(
      outcomeOf(
        want,
        fields({
          company: "ferramenta neri",
          contactName: "Giulia Neri",
          phone: "+39 333 123 4567",
          email: null,
        }),
        [],
        askCompany,
      ),
    ).toBe("understood");
    expect(
      outcomeOf(want, fields({ company: "Ferramenta Neri, Giulia Neri, 333 123 4567" }), [], askCompany),
    ).toBe("wrong");
    expect(
      outcomeOf(
        want,
        fields({ company: "Ferramenta Neri", contactName: "Giulia Neri", phone: null }),
        [],
        askCompany,
      ),
    ).toBe("lost");
    expect(
      outcomeOf(
        want,
        fields({
          company: "Ferramenta Neri",
          contactName: "Giulia Neri",
          phone: "+393331234567",
          email: "x@y.it",
        }),
        [],
        askCompany,
      ),
    ).toBe("wrong");
  });
});

describe("thresholdFailures", () => {
  const result = (expect: Expectation, outcome: "understood" | "wrong" | "asked") => ({
    type: "blocking" as const,
    lang: "it" as const,
    where: "x",
    text: "x",
    expect,
    outcome,
    taken: null,
    replies: [],
  });

  it("passes at 95% understood with nothing taken wrongly, and fails otherwise", () => {
    const clear = Array.from({ length: 19 }, () => result({ answer: "blocked" }, "understood"));
    expect(
      thresholdFailures([
        ...clear,
        result({ answer: "blocked" }, "asked"),
        result({ clarify: true }, "asked"),
      ]),
    ).toEqual([]);
    expect(thresholdFailures([...clear, result({ answer: "blocked" }, "wrong")])).toHaveLength(1);
    expect(thresholdFailures([...clear, result({ clarify: true }, "wrong")])).toHaveLength(1);
    expect(thresholdFailures([...clear.slice(0, 17), result({ answer: "blocked" }, "asked")])).toHaveLength(
      1,
    );
  });
});

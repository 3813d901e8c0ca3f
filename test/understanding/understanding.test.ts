/**
 * Customers who type are understood (issue 21): every typed answer of the corpus
 * (test/understanding/corpus/) is played through the real runtime — the composition the story
 * runner uses, SQLite or PostgreSQL, simulated clock, the presets in policies/ — and the bot must
 * understand at least 95% of the clear answers, take none of them as a different answer, and take
 * no ambiguous answer as an answer (asking again or a clarifying question is right there).
 * `npm run understanding -- --verbose` prints the same figures and every miss.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { QUESTION_TYPES, readCorpus, type TypedEntry } from "../../src/bench/understandingCorpus.js";
import { playCorpus } from "../../src/bench/understandingPlayer.js";
import { type EntryResult, formatTable, thresholdFailures } from "../../src/bench/understandingScore.js";
import { createTestDatabase } from "../support/testDatabase.js";

const entries: TypedEntry[] = readCorpus(join(import.meta.dirname, "corpus"));

const describeMiss = (r: EntryResult) =>
  `${r.outcome} ${r.where} ${JSON.stringify(r.text)} → ${r.taken ?? "-"}${r.fields ? ` ${JSON.stringify(r.fields)}` : ""} (expected ${JSON.stringify(r.expect)}) [${r.replies.join(", ")}]`;

describe("the understanding corpus", () => {
  it("has at least 450 typed answers, in Italian and English, for every question type", () => {
    expect(entries.length).toBeGreaterThanOrEqual(450);
    for (const type of QUESTION_TYPES) {
      for (const lang of ["it", "en"])
        expect(entries.filter((e) => e.type === type && e.lang === lang).length).toBeGreaterThanOrEqual(15);
    }
    const ambiguous = entries.filter((e) => e.expect.clarify).length / entries.length;
    expect(ambiguous).toBeGreaterThan(0.1);
    expect(ambiguous).toBeLessThan(0.25);
  });
});

describe("customers who type are understood", () => {
  let results: EntryResult[] = [];

  beforeAll(async () => {
    results = await playCorpus(entries, {
      database: async () => {
        const t = await createTestDatabase();
        return { db: t.db, drop: t.drop };
      },
    });
  }, 300_000);

  it("reaches every question (the scenes play)", () => {
    expect(results.filter((r) => r.error).map((r) => `${r.where}: ${r.error}`)).toEqual([]);
    expect(results).toHaveLength(entries.length);
  });

  it("understands ≥ 95% of clear answers, takes none wrongly, and asks again at every ambiguous one", () => {
    const misses = results.filter((r) =>
      r.expect.clarify ? r.outcome === "wrong" : r.outcome !== "understood",
    );
    const report = `${formatTable(results)}\n\n${misses.map(describeMiss).join("\n")}`;
    expect(thresholdFailures(results), report).toEqual([]);
  });
});

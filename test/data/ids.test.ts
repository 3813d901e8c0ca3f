/** Row ids: cuid-shaped, unique, and in creation order when sorted. */
import { describe, expect, it } from "vitest";
import { newId } from "../../src/data/ids.js";

describe("newId", () => {
  it("makes 25-character base-36 ids that sort in the order they were made", () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    for (const id of ids) expect(id).toMatch(/^c[0-9a-z]{24}$/);
    // Time first, then the process counter: many ids in one millisecond still sort as made.
    expect([...ids].sort()).toEqual(ids);
  });

  it("never repeats one across many thousands", () => {
    const ids = new Set(Array.from({ length: 100_000 }, () => newId()));
    expect(ids.size).toBe(100_000);
  });

  it("draws the random part from every base-36 digit", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const ch of newId().slice(-8)) seen.add(ch);
    expect(seen.size).toBe(36);
  });
});

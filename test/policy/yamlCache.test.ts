import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cachedYaml } from "../../src/policy/yamlCache.js";

const dir = mkdtempSync(join(tmpdir(), "sportello-yaml-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cachedYaml", () => {
  it("parses a text once and then answers from the cache; another text is parsed again", () => {
    const cache = join(dir, "a");
    let parses = 0;
    const parse = (value: unknown) => () => {
      parses++;
      return value;
    };
    const policy = { id: "x", hours: { weekday: [["09:00", "13:00"]] }, vat: 22 };
    expect(cachedYaml("id: x", parse(policy), cache)).toEqual(policy);
    expect(cachedYaml("id: x", parse({ wrong: true }), cache)).toEqual(policy);
    expect(parses).toBe(1);
    expect(cachedYaml("id: y", parse({ id: "y" }), cache)).toEqual({ id: "y" });
    expect(parses).toBe(2);
  });

  it("never caches errors or values JSON would change, and survives a damaged or unwritable cache", () => {
    const cache = join(dir, "b");
    expect(() =>
      cachedYaml(
        "bad: [",
        () => {
          throw new Error("invalid YAML");
        },
        cache,
      ),
    ).toThrow("invalid YAML");
    const withDate = { at: new Date("2027-01-01T00:00:00Z") };
    expect(cachedYaml("at: 2027-01-01", () => withDate, cache)).toBe(withDate);
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);

    // A damaged entry is parsed again (and replaced).
    cachedYaml("k: 1", () => ({ k: 1 }), cache);
    const [entry] = readdirSync(cache);
    writeFileSync(join(cache, entry!), "{not json");
    expect(cachedYaml("k: 1", () => ({ k: 1 }), cache)).toEqual({ k: 1 });

    // A cache folder that cannot be created (a file is in the way) only means parsing every time.
    const blocked = join(dir, "blocked");
    writeFileSync(blocked, "");
    expect(cachedYaml("k: 2", () => ({ k: 2 }), join(blocked, "sub"))).toEqual({ k: 2 });
  });
});

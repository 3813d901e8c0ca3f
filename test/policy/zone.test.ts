import { DateTime, FixedOffsetZone, IANAZone } from "luxon";
import { describe, expect, it } from "vitest";
import { zoneNamed } from "../../src/policy/zone.js";

/** Every `stepMs` from `from` to `to`: the memoised zone's offset differs from luxon's nowhere. */
function mismatches(name: string, from: string, to: string, stepMs: number): string[] {
  const memo = zoneNamed(name);
  const plain = IANAZone.create(name);
  const out: string[] = [];
  for (let ts = Date.parse(from); ts < Date.parse(to); ts += stepMs) {
    if (memo.offset(ts) !== plain.offset(ts)) out.push(new Date(ts).toISOString());
  }
  return out;
}

describe("zoneNamed", () => {
  it("answers luxon's offsets second by second across Rome's DST changes", () => {
    expect(mismatches("Europe/Rome", "2027-03-28T00:30:00Z", "2027-03-28T01:30:00Z", 1000)).toEqual([]);
    expect(mismatches("Europe/Rome", "2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z", 1000)).toEqual([]);
  });

  it("answers luxon's offsets through whole years, also for half-hour DST and odd offsets", () => {
    const step = 53 * 60_000 + 1_001; // drifts through the quarters over the year
    for (const name of ["Europe/Rome", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns"]) {
      expect(mismatches(name, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", step)).toEqual([]);
    }
  });

  it("answers luxon's offsets when local mean time ends at an odd second (Rome, 1893)", () => {
    expect(mismatches("Europe/Rome", "1893-10-31T22:00:00Z", "1893-11-01T01:00:00Z", 7_000)).toEqual([]);
  });

  it("gives the same DateTimes as the zone name", () => {
    for (const iso of [
      "2027-03-28T01:59:59Z",
      "2027-03-28T02:00:00Z",
      "2027-10-31T00:59:59Z",
      "2027-10-31T01:00:00Z",
    ]) {
      const memo = DateTime.fromISO(iso, { zone: zoneNamed("Europe/Rome") });
      const plain = DateTime.fromISO(iso, { zone: "Europe/Rome" });
      expect(memo.toISO()).toBe(plain.toISO());
      expect(memo.startOf("day").toISO()).toBe(plain.startOf("day").toISO());
      expect(memo.plus({ hours: 1 }).toISO()).toBe(plain.plus({ hours: 1 }).toISO());
      expect(memo.toFormat("ZZZZ ZZ")).toBe(plain.toFormat("ZZZZ ZZ"));
      expect(memo.zoneName).toBe("Europe/Rome");
      expect(memo.equals(plain)).toBe(true);
    }
  });

  it("takes other names as luxon does", () => {
    expect(zoneNamed("UTC")).toBe(FixedOffsetZone.utcInstance);
    expect(zoneNamed("Nowhere/Atlantis").isValid).toBe(false);
  });
});

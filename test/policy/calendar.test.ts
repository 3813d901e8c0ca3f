import { describe, expect, it } from "vitest";
import {
  addServiceMinutes,
  availability,
  type ClosedReason,
  formatInstant,
  holidayOn,
} from "../../src/policy/calendar.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";

const leotron = loadPolicy("leotron");
const web = loadPolicy("leotron-web");
const leghorn = loadPolicy("leghorn");
const at = (iso: string) => new Date(iso);

describe("availability reasons", () => {
  const cases: [string, ReturnType<typeof loadPolicy>, string, ClosedReason | null][] = [
    ["weekday morning", leotron, "2026-03-10T10:00:00+01:00", null],
    ["before opening", leotron, "2026-03-10T08:00:00+01:00", "before-opening"],
    ["lunch", leotron, "2026-03-10T13:45:00+01:00", "lunch"],
    ["evening", leotron, "2026-03-10T19:00:00+01:00", "evening"],
    ["Sunday afternoon", leotron, "2026-03-15T15:00:00+01:00", "weekend"],
    ["Saturday lunch", leotron, "2026-03-14T13:45:00+01:00", "lunch"],
    ["closed holiday", leotron, "2026-12-25T10:00:00+01:00", "holiday"],
    ["reduced holiday afternoon", leotron, "2026-06-02T15:00:00+02:00", "holiday"],
    ["no weekend service", leghorn, "2026-03-14T10:00:00+01:00", "weekend"],
    ["national holiday", web, "2026-06-02T10:00:00+02:00", "holiday"],
  ];
  it.each(cases)("%s", (_label, policy, iso, reason) => {
    const a = availability(policy, at(iso));
    expect(a.reason).toBe(reason);
    expect(a.open).toBe(reason === null);
  });
});

describe("holidayOn", () => {
  it("returns the stable key of the local date, computed per year (Easter moves)", () => {
    expect(holidayOn(leotron, at("2026-04-06T12:00:00+02:00"))).toBe("easter-monday");
    expect(holidayOn(leotron, at("2027-03-29T12:00:00+02:00"))).toBe("easter-monday");
    expect(holidayOn(leotron, at("2028-04-17T12:00:00+02:00"))).toBe("easter-monday");
    expect(holidayOn(leotron, at("2028-04-16T12:00:00+02:00"))).toBe("easter-sunday");
    expect(holidayOn(leotron, at("2027-04-06T12:00:00+02:00"))).toBeNull();
  });

  it("uses the local date, not UTC: 23:30 UTC on 24 Dec is Christmas in Rome", () => {
    expect(holidayOn(leotron, at("2026-12-24T23:30:00Z"))).toBe("christmas");
    expect(holidayOn(leotron, at("2026-12-24T22:30:00Z"))).toBeNull();
  });

  it("knows only the holidays of each preset", () => {
    expect(holidayOn(leotron, at("2026-10-04T10:00:00+02:00"))).toBeNull();
    expect(holidayOn(web, at("2026-10-04T10:00:00+02:00"))).toBe("st-francis");
    expect(holidayOn(web, at("2026-05-10T10:00:00+02:00"))).toBeNull(); // Mother's Day is an observance
    const keys = [
      "2026-01-01",
      "2026-01-06",
      "2026-04-05",
      "2026-04-06",
      "2026-04-25",
      "2026-05-01",
      "2026-06-02",
      "2026-08-15",
      "2026-11-01",
      "2026-12-08",
      "2026-12-25",
      "2026-12-26",
    ].map((d) => holidayOn(web, at(`${d}T12:00:00+01:00`)));
    expect(keys).toEqual([
      "new-year",
      "epiphany",
      "easter-sunday",
      "easter-monday",
      "liberation-day",
      "labour-day",
      "republic-day",
      "assumption",
      "all-saints",
      "immaculate-conception",
      "christmas",
      "st-stephen",
    ]);
  });
});

describe("addServiceMinutes", () => {
  const fmt = (d: Date) => formatInstant(leotron, d);

  it("counts only open time, skipping lunch", () => {
    expect(fmt(addServiceMinutes(leotron, at("2026-03-10T12:00:00+01:00"), 120))).toBe(
      "2026-03-10T15:30:00+01:00",
    );
  });

  it("starts from the next opening when closed", () => {
    expect(fmt(addServiceMinutes(leotron, at("2026-03-10T20:00:00+01:00"), 30))).toBe(
      "2026-03-11T09:30:00+01:00",
    );
  });

  it("skips closed holidays and crosses the DST change on wall time", () => {
    // Sat 27 Mar 2027 18:00 +1: 30 min left, Easter Sunday and Monday closed, Tue 30 Mar (+2) from 9:00.
    expect(fmt(addServiceMinutes(leotron, at("2027-03-27T18:00:00+01:00"), 120))).toBe(
      "2027-03-30T10:30:00+02:00",
    );
  });

  it("lands exactly on a closing time rather than the next opening", () => {
    expect(fmt(addServiceMinutes(leotron, at("2026-03-10T12:00:00+01:00"), 60))).toBe(
      "2026-03-10T13:00:00+01:00",
    );
  });

  it("returns the start for zero minutes", () => {
    const from = at("2026-03-10T20:00:00+01:00");
    expect(addServiceMinutes(leotron, from, 0)).toEqual(from);
  });

  it("leghorn: Friday afternoon rolls over the weekend", () => {
    const d = addServiceMinutes(leghorn, at("2026-03-13T17:00:00+01:00"), 120);
    expect(formatInstant(leghorn, d)).toBe("2026-03-16T10:00:00+01:00");
  });
});

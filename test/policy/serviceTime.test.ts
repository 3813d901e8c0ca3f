/**
 * Durations in service hours against hand-computed cases: lunch gaps, evenings, weekends (with and
 * without weekend service), closed and reduced holidays, and the spring DST change.
 */
import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import {
  ALL_SERVICES,
  REGULAR_SERVICES,
  serviceMinutesBetween,
  servicesForCoverage,
} from "../../src/policy/serviceTime.js";

const leotron = loadPolicy("leotron");
const web = loadPolicy("leotron-web");
const at = (iso: string) => new Date(iso);

describe("serviceMinutesBetween", () => {
  const cases: [string, ReturnType<typeof loadPolicy>, string, string, typeof ALL_SERVICES, number][] = [
    // 12:30–13:00 and 14:30–15:00
    [
      "across the lunch gap",
      leotron,
      "2027-03-09T12:30:00+01:00",
      "2027-03-09T15:00:00+01:00",
      ALL_SERVICES,
      60,
    ],
    ["inside one range", leotron, "2027-03-09T09:10:00+01:00", "2027-03-09T09:55:00+01:00", ALL_SERVICES, 45],
    [
      "both ends in the lunch gap",
      leotron,
      "2027-03-09T13:10:00+01:00",
      "2027-03-09T14:20:00+01:00",
      ALL_SERVICES,
      0,
    ],
    // Fri 18:00–18:30, Mon 9:00–9:30; Saturday and Sunday are not the customer's service
    [
      "across a weekend, regular service",
      leotron,
      "2027-03-12T18:00:00+01:00",
      "2027-03-15T09:30:00+01:00",
      REGULAR_SERVICES,
      60,
    ],
    // … plus Saturday 8 h and Sunday morning 4 h for a J-System weekend ticket
    [
      "across a weekend, weekend service",
      leotron,
      "2027-03-12T18:00:00+01:00",
      "2027-03-15T09:30:00+01:00",
      ALL_SERVICES,
      780,
    ],
    // Fri 17:00–18:30 (90), Sat (weekend only), Easter Sunday and Monday closed, DST on Sunday, Tue 9:00–10:00 (60)
    [
      "across Easter and the DST change",
      leotron,
      "2027-03-26T17:00:00+01:00",
      "2027-03-30T10:00:00+02:00",
      REGULAR_SERVICES,
      150,
    ],
    [
      "across Easter with weekend service",
      leotron,
      "2027-03-26T17:00:00+01:00",
      "2027-03-30T10:00:00+02:00",
      ALL_SERVICES,
      630,
    ],
    // Tue 18:00–18:30, Republic Day 9:00–13:00 only, Thu 9:00–10:00
    [
      "across a reduced-hours holiday",
      leotron,
      "2027-06-01T18:00:00+02:00",
      "2027-06-03T10:00:00+02:00",
      REGULAR_SERVICES,
      330,
    ],
    // leotron-web 9:15–12:45, 14:45–18:15: Fri 12:00–12:45 + 14:45–18:15, Easter Monday closed, Tue 9:15–12:45 + 14:45–15:00
    [
      "leotron-web across Easter",
      web,
      "2027-03-26T12:00:00+01:00",
      "2027-03-30T15:00:00+02:00",
      REGULAR_SERVICES,
      480,
    ],
    ["reversed interval", leotron, "2027-03-09T15:00:00+01:00", "2027-03-09T12:30:00+01:00", ALL_SERVICES, 0],
    // Christmas Eve evening to St Stephen's day evening: 25 and 26 December closed
    [
      "across Christmas",
      leotron,
      "2026-12-24T18:00:00+01:00",
      "2026-12-28T09:15:00+01:00",
      REGULAR_SERVICES,
      45,
    ],
  ];
  it.each(cases)("%s", (_label, policy, from, to, services, minutes) => {
    expect(serviceMinutesBetween(policy, at(from), at(to), services)).toBe(minutes);
  });
});

describe("servicesForCoverage", () => {
  it("counts weekend hours only for weekend-eligible tickets", () => {
    expect(servicesForCoverage({ weekendEligible: true })).toBe(ALL_SERVICES);
    expect(servicesForCoverage({ weekendEligible: false })).toBe(REGULAR_SERVICES);
    expect(servicesForCoverage({})).toBe(REGULAR_SERVICES);
  });

  it("uses the service levels decided at intake", () => {
    const levels = servicesForCoverage({ serviceLevels: ["weekday", "holiday-reduced"] });
    expect(levels).toEqual(["weekday", "holiday-reduced"]);
    // Friday 18:00–18:30 and Monday 9:00–10:00; the weekend service (Saturday 8 h, Sunday
    // morning 4 h) counts only for tickets it serves.
    const from = at("2027-03-12T18:00:00+01:00");
    const to = at("2027-03-15T10:00:00+01:00");
    expect(serviceMinutesBetween(leotron, from, to, levels)).toBe(90);
    expect(serviceMinutesBetween(leotron, from, to, ["weekday", "weekend", "holiday-reduced"])).toBe(
      90 + 480 + 240,
    );
  });
});

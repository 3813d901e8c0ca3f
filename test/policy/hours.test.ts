import { describe, expect, it } from "vitest";
import { type HoursReport, hoursReport, type Service } from "../../src/policy/calendar.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";

const policies = {
  leotron: loadPolicy("leotron"),
  "leotron-web": loadPolicy("leotron-web"),
  leghorn: loadPolicy("leghorn"),
};
type Name = keyof typeof policies;

/** Open at `at`: closes at `closesAt`, opens again at `next`. */
function open(
  policy: Name,
  at: string,
  service: Service,
  holiday: string | null,
  closesAt: string,
  next: string,
  nextService: Service,
): [Name, string, HoursReport] {
  return [
    policy,
    at,
    { policy, at, open: true, service, holiday, closesAt, nextOpenAt: next, nextOpenService: nextService },
  ];
}

/** Closed at `at`: opens next at `next`. */
function closed(
  policy: Name,
  at: string,
  holiday: string | null,
  next: string,
  nextService: Service,
): [Name, string, HoursReport] {
  return [
    policy,
    at,
    {
      policy,
      at,
      open: false,
      service: "closed",
      holiday,
      closesAt: null,
      nextOpenAt: next,
      nextOpenService: nextService,
    },
  ];
}

const cases: [Name, string, HoursReport][] = [
  // leotron, an ordinary Tuesday: lunch-gap and evening edges (ranges are [start, end)).
  open(
    "leotron",
    "2026-03-10T12:59:00+01:00",
    "weekday",
    null,
    "2026-03-10T13:00:00+01:00",
    "2026-03-10T14:30:00+01:00",
    "weekday",
  ),
  closed("leotron", "2026-03-10T13:00:00+01:00", null, "2026-03-10T14:30:00+01:00", "weekday"),
  closed("leotron", "2026-03-10T14:29:00+01:00", null, "2026-03-10T14:30:00+01:00", "weekday"),
  open(
    "leotron",
    "2026-03-10T14:30:00+01:00",
    "weekday",
    null,
    "2026-03-10T18:30:00+01:00",
    "2026-03-11T09:00:00+01:00",
    "weekday",
  ),
  open(
    "leotron",
    "2026-03-10T18:29:59+01:00",
    "weekday",
    null,
    "2026-03-10T18:30:00+01:00",
    "2026-03-11T09:00:00+01:00",
    "weekday",
  ),
  closed("leotron", "2026-03-10T18:30:00+01:00", null, "2026-03-11T09:00:00+01:00", "weekday"),
  closed("leotron", "2026-03-10T08:59:00+01:00", null, "2026-03-10T09:00:00+01:00", "weekday"),
  // Friday evening → Saturday weekend service; Saturday has a lunch gap too.
  closed("leotron", "2026-03-13T18:30:00+01:00", null, "2026-03-14T09:00:00+01:00", "weekend"),
  closed("leotron", "2026-03-14T13:30:00+01:00", null, "2026-03-14T14:30:00+01:00", "weekend"),
  closed("leotron", "2026-03-14T18:30:00+01:00", null, "2026-03-15T09:00:00+01:00", "weekend"),
  // Sunday: morning only.
  open(
    "leotron",
    "2026-03-15T12:59:00+01:00",
    "weekend",
    null,
    "2026-03-15T13:00:00+01:00",
    "2026-03-16T09:00:00+01:00",
    "weekday",
  ),
  closed("leotron", "2026-03-15T15:00:00+01:00", null, "2026-03-16T09:00:00+01:00", "weekday"),
  // DST starts Sunday 29 March 2026 (02:00 → 03:00).
  open(
    "leotron",
    "2026-03-28T18:00:00+01:00",
    "weekend",
    null,
    "2026-03-28T18:30:00+01:00",
    "2026-03-29T09:00:00+02:00",
    "weekend",
  ),
  closed("leotron", "2026-03-29T01:30:00+01:00", null, "2026-03-29T09:00:00+02:00", "weekend"),
  open(
    "leotron",
    "2026-03-29T10:00:00+02:00",
    "weekend",
    null,
    "2026-03-29T13:00:00+02:00",
    "2026-03-30T09:00:00+02:00",
    "weekday",
  ),
  // DST ends Sunday 25 October 2026: 02:30 happens twice.
  open(
    "leotron",
    "2026-10-24T18:29:00+02:00",
    "weekend",
    null,
    "2026-10-24T18:30:00+02:00",
    "2026-10-25T09:00:00+01:00",
    "weekend",
  ),
  closed("leotron", "2026-10-25T02:30:00+02:00", null, "2026-10-25T09:00:00+01:00", "weekend"),
  closed("leotron", "2026-10-25T02:30:00+01:00", null, "2026-10-25T09:00:00+01:00", "weekend"),
  open(
    "leotron",
    "2026-10-25T12:00:00+01:00",
    "weekend",
    null,
    "2026-10-25T13:00:00+01:00",
    "2026-10-26T09:00:00+01:00",
    "weekday",
  ),
  // Easter 2027 (28 March, also the DST change) and Easter Monday.
  open(
    "leotron",
    "2027-03-27T14:30:00+01:00",
    "weekend",
    null,
    "2027-03-27T18:30:00+01:00",
    "2027-03-30T09:00:00+02:00",
    "weekday",
  ),
  closed("leotron", "2027-03-28T10:00:00+02:00", "easter-sunday", "2027-03-30T09:00:00+02:00", "weekday"),
  closed("leotron", "2027-03-29T10:00:00+02:00", "easter-monday", "2027-03-30T09:00:00+02:00", "weekday"),
  // DST ends Sunday 31 October 2027; Monday 1 November is a reduced-hours holiday.
  open(
    "leotron",
    "2027-10-31T09:00:00+01:00",
    "weekend",
    null,
    "2027-10-31T13:00:00+01:00",
    "2027-11-01T09:00:00+01:00",
    "holiday-reduced",
  ),
  open(
    "leotron",
    "2027-11-01T12:00:00+01:00",
    "holiday-reduced",
    "all-saints",
    "2027-11-01T13:00:00+01:00",
    "2027-11-02T09:00:00+01:00",
    "weekday",
  ),
  closed("leotron", "2027-11-01T14:30:00+01:00", "all-saints", "2027-11-02T09:00:00+01:00", "weekday"),
  // 2028: DST starts Sunday 26 March; Easter 16 April, Easter Monday 17 April.
  open(
    "leotron",
    "2028-03-25T18:00:00+01:00",
    "weekend",
    null,
    "2028-03-25T18:30:00+01:00",
    "2028-03-26T09:00:00+02:00",
    "weekend",
  ),
  closed("leotron", "2028-03-26T13:00:00+02:00", null, "2028-03-27T09:00:00+02:00", "weekday"),
  closed("leotron", "2028-04-16T09:30:00+02:00", "easter-sunday", "2028-04-18T09:00:00+02:00", "weekday"),
  closed("leotron", "2028-04-17T16:00:00+02:00", "easter-monday", "2028-04-18T09:00:00+02:00", "weekday"),
  open(
    "leotron",
    "2028-04-25T10:00:00+02:00",
    "holiday-reduced",
    "liberation-day",
    "2028-04-25T13:00:00+02:00",
    "2028-04-26T09:00:00+02:00",
    "weekday",
  ),
  closed("leotron", "2028-10-29T08:59:00+01:00", null, "2028-10-29T09:00:00+01:00", "weekend"),
  // Reduced-hours holidays: open in the morning, closed in the afternoon.
  closed("leotron", "2026-05-01T13:00:00+02:00", "labour-day", "2026-05-02T09:00:00+02:00", "weekend"),
  open(
    "leotron",
    "2026-06-02T09:00:00+02:00",
    "holiday-reduced",
    "republic-day",
    "2026-06-02T13:00:00+02:00",
    "2026-06-03T09:00:00+02:00",
    "weekday",
  ),
  closed(
    "leotron",
    "2026-12-08T15:00:00+01:00",
    "immaculate-conception",
    "2026-12-09T09:00:00+01:00",
    "weekday",
  ),
  // A reduced holiday on a Sunday keeps its 9–13 hours.
  open(
    "leotron",
    "2027-04-25T11:00:00+02:00",
    "holiday-reduced",
    "liberation-day",
    "2027-04-25T13:00:00+02:00",
    "2027-04-26T09:00:00+02:00",
    "weekday",
  ),
  // Closed holidays, two of them on a Saturday (no weekend service either).
  closed("leotron", "2026-12-26T10:00:00+01:00", "st-stephen", "2026-12-27T09:00:00+01:00", "weekend"),
  closed("leotron", "2026-08-15T10:00:00+02:00", "assumption", "2026-08-16T09:00:00+02:00", "weekend"),
  closed("leotron", "2026-12-25T11:00:00+01:00", "christmas", "2026-12-27T09:00:00+01:00", "weekend"),
  closed("leotron", "2027-01-06T10:00:00+01:00", "epiphany", "2027-01-07T09:00:00+01:00", "weekday"),
  closed("leotron", "2026-01-01T10:00:00+01:00", "new-year", "2026-01-02T09:00:00+01:00", "weekday"),
  // 4 October is not in document 002: an ordinary Sunday for leotron.
  open(
    "leotron",
    "2026-10-04T10:00:00+02:00",
    "weekend",
    null,
    "2026-10-04T13:00:00+02:00",
    "2026-10-05T09:00:00+02:00",
    "weekday",
  ),

  // leotron-web: 9:15–12:45 and 14:45–18:15, closed on every Italian public holiday.
  closed("leotron-web", "2026-03-10T09:14:00+01:00", null, "2026-03-10T09:15:00+01:00", "weekday"),
  open(
    "leotron-web",
    "2026-03-10T09:15:00+01:00",
    "weekday",
    null,
    "2026-03-10T12:45:00+01:00",
    "2026-03-10T14:45:00+01:00",
    "weekday",
  ),
  closed("leotron-web", "2026-03-10T12:45:00+01:00", null, "2026-03-10T14:45:00+01:00", "weekday"),
  open(
    "leotron-web",
    "2026-03-10T18:14:00+01:00",
    "weekday",
    null,
    "2026-03-10T18:15:00+01:00",
    "2026-03-11T09:15:00+01:00",
    "weekday",
  ),
  open(
    "leotron-web",
    "2026-03-15T12:44:00+01:00",
    "weekend",
    null,
    "2026-03-15T12:45:00+01:00",
    "2026-03-16T09:15:00+01:00",
    "weekday",
  ),
  closed("leotron-web", "2026-03-15T15:00:00+01:00", null, "2026-03-16T09:15:00+01:00", "weekday"),
  closed("leotron-web", "2026-06-02T10:00:00+02:00", "republic-day", "2026-06-03T09:15:00+02:00", "weekday"),
  closed(
    "leotron-web",
    "2026-04-25T10:00:00+02:00",
    "liberation-day",
    "2026-04-26T09:15:00+02:00",
    "weekend",
  ),
  closed("leotron-web", "2026-10-04T10:00:00+02:00", "st-francis", "2026-10-05T09:15:00+02:00", "weekday"),
  closed("leotron-web", "2027-03-29T10:00:00+02:00", "easter-monday", "2027-03-30T09:15:00+02:00", "weekday"),
  closed("leotron-web", "2028-11-01T10:00:00+01:00", "all-saints", "2028-11-02T09:15:00+01:00", "weekday"),
  open(
    "leotron-web",
    "2028-03-26T09:15:00+02:00",
    "weekend",
    null,
    "2028-03-26T12:45:00+02:00",
    "2028-03-27T09:15:00+02:00",
    "weekday",
  ),

  // leghorn (assumed office hours): Mon–Fri 9–13 and 14–18, no weekend, public holidays closed.
  closed("leghorn", "2026-03-10T13:59:00+01:00", null, "2026-03-10T14:00:00+01:00", "weekday"),
  open(
    "leghorn",
    "2026-03-10T14:00:00+01:00",
    "weekday",
    null,
    "2026-03-10T18:00:00+01:00",
    "2026-03-11T09:00:00+01:00",
    "weekday",
  ),
  closed("leghorn", "2026-03-13T18:00:00+01:00", null, "2026-03-16T09:00:00+01:00", "weekday"),
  closed("leghorn", "2026-03-14T10:00:00+01:00", null, "2026-03-16T09:00:00+01:00", "weekday"),
  open(
    "leghorn",
    "2026-12-24T17:00:00+01:00",
    "weekday",
    null,
    "2026-12-24T18:00:00+01:00",
    "2026-12-28T09:00:00+01:00",
    "weekday",
  ),
  closed("leghorn", "2028-04-17T10:00:00+02:00", "easter-monday", "2028-04-18T09:00:00+02:00", "weekday"),
];

describe("hoursReport", () => {
  it("covers at least 40 instants across 2026–2028", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const years = new Set(cases.map(([, at]) => at.slice(0, 4)));
    expect([...years].sort()).toEqual(["2026", "2027", "2028"]);
  });

  it.each(cases)("%s at %s", (name, at, expected) => {
    const report = hoursReport(policies[name], new Date(at));
    // Same JSON text: values and key order.
    expect(JSON.stringify(report)).toBe(JSON.stringify(expected));
  });

  it("prints the contract example exactly", () => {
    expect(JSON.stringify(hoursReport(policies.leotron, new Date("2027-03-29T10:00:00+02:00")))).toBe(
      '{"policy":"leotron","at":"2027-03-29T10:00:00+02:00","open":false,"service":"closed","holiday":"easter-monday","closesAt":null,"nextOpenAt":"2027-03-30T09:00:00+02:00","nextOpenService":"weekday"}',
    );
  });

  it("echoes an instant given in UTC with the policy zone's offset and no milliseconds", () => {
    const report = hoursReport(policies.leotron, new Date("2026-07-01T08:00:00.123Z"));
    expect(report.at).toBe("2026-07-01T10:00:00+02:00");
    expect(report.open).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { billedMinutesOf, type Charge, computeCharge, rateQuote } from "../../src/policy/charge.js";
import { CoverageError, decideCoverage } from "../../src/policy/coverage.js";
import { loadPolicy, parsePolicy } from "../../src/policy/loadPolicy.js";

const leotron = loadPolicy("leotron");
const web = loadPolicy("leotron-web");
const leghorn = loadPolicy("leghorn");

function charge(
  covered: boolean,
  plan: string | null,
  billedMinutes: number,
  netCents: number,
  vatCents: number,
): Charge {
  return {
    covered,
    plan,
    billedMinutes,
    netCents,
    vatCents,
    grossCents: netCents + vatCents,
    currency: "EUR",
  };
}

describe("leotron charges (80 €/h + 22 % VAT, minimum 1 h, then 30-minute fractions)", () => {
  it.each([
    [0, charge(false, null, 0, 0, 0)],
    [1, charge(false, null, 60, 8000, 1760)],
    [60, charge(false, null, 60, 8000, 1760)],
    [61, charge(false, null, 90, 12000, 2640)],
    [70, charge(false, null, 90, 12000, 2640)],
    [90, charge(false, null, 90, 12000, 2640)],
    [91, charge(false, null, 120, 16000, 3520)],
    [185, charge(false, null, 210, 28000, 6160)],
  ])("%i minutes without a plan", (minutes, expected) => {
    expect(computeCharge(leotron, { minutes, plan: "none" })).toEqual(expected);
  });

  it("prints the contract example with key order", () => {
    expect(JSON.stringify(computeCharge(leotron, { minutes: 70, plan: null }))).toBe(
      '{"covered":false,"plan":null,"billedMinutes":90,"netCents":12000,"vatCents":2640,"grossCents":14640,"currency":"EUR"}',
    );
  });

  it("standard covers its categories without a limit", () => {
    for (const category of ["first-install", "software-usage", "peripheral-setup", "sales-mandate-label"]) {
      expect(computeCharge(leotron, { minutes: 300, plan: "standard", category })).toEqual(
        charge(true, "standard", 0, 0, 0),
      );
    }
  });

  it("standard does not cover J-System work: all minutes billable", () => {
    expect(computeCharge(leotron, { minutes: 45, plan: "standard", category: "virus-removal" })).toEqual(
      charge(false, null, 60, 8000, 1760),
    );
  });

  it("J-System covers 60 minutes per intervention; the excess is billed with minimum and fractions", () => {
    expect(computeCharge(leotron, { minutes: 60, plan: "j-system", category: "data-recovery" })).toEqual(
      charge(true, "j-system", 0, 0, 0),
    );
    expect(computeCharge(leotron, { minutes: 70, plan: "j-system", category: "data-recovery" })).toEqual(
      charge(true, "j-system", 60, 8000, 1760),
    );
    expect(computeCharge(leotron, { minutes: 130, plan: "j-system", category: "hardware-repair" })).toEqual(
      charge(true, "j-system", 90, 12000, 2640),
    );
    // Without a category the plan is taken as covering the request.
    expect(computeCharge(leotron, { minutes: 70, plan: "j-system" })).toEqual(
      charge(true, "j-system", 60, 8000, 1760),
    );
  });

  it("J-System does not cover software training", () => {
    expect(computeCharge(leotron, { minutes: 30, plan: "j-system", category: "software-usage" })).toEqual(
      charge(false, null, 60, 8000, 1760),
    );
  });

  it("the warranty plan covers hardware repair entirely", () => {
    expect(computeCharge(leotron, { minutes: 200, plan: "warranty", category: "hardware-repair" })).toEqual(
      charge(true, "warranty", 0, 0, 0),
    );
  });

  it("rejects unknown plans and categories and bad minutes with stable codes", () => {
    expect(() => computeCharge(leotron, { minutes: 10, plan: "gold" })).toThrow(
      expect.objectContaining({ code: "unknown-plan" }),
    );
    expect(() => computeCharge(leotron, { minutes: 10, plan: "standard", category: "nope" })).toThrow(
      expect.objectContaining({ code: "unknown-category" }),
    );
    expect(() => computeCharge(leotron, { minutes: -1 })).toThrow(CoverageError);
    expect(() => computeCharge(leotron, { minutes: 1.5 })).toThrow(CoverageError);
  });
});

describe("leotron-web charges (J-System 120 minutes per month, 97.60 € per hour with VAT)", () => {
  it("one hour without a plan costs 80 € + VAT = 97.60 €", () => {
    expect(computeCharge(web, { minutes: 60, plan: "none" })).toEqual(charge(false, null, 60, 8000, 1760));
  });

  it("the minutes already used this month count against the monthly cap", () => {
    expect(computeCharge(web, { minutes: 100, plan: "j-system", category: "virus-removal" })).toEqual(
      charge(true, "j-system", 0, 0, 0),
    );
    expect(
      computeCharge(web, {
        minutes: 40,
        plan: "j-system",
        category: "virus-removal",
        usedThisMonthMinutes: 100,
      }),
    ).toEqual(charge(true, "j-system", 60, 8000, 1760));
    expect(
      computeCharge(web, {
        minutes: 20,
        plan: "j-system",
        category: "virus-removal",
        usedThisMonthMinutes: 100,
      }),
    ).toEqual(charge(true, "j-system", 0, 0, 0));
  });

  it("an exhausted monthly allowance makes the whole intervention billable", () => {
    expect(
      computeCharge(web, {
        minutes: 30,
        plan: "j-system",
        category: "virus-removal",
        usedThisMonthMinutes: 120,
      }),
    ).toEqual(charge(false, "j-system", 60, 8000, 1760));
  });

  it("document 003's standard plan covers operator errors and OS updates, not first installs", () => {
    expect(computeCharge(web, { minutes: 90, plan: "standard", category: "operator-error" }).covered).toBe(
      true,
    );
    expect(computeCharge(web, { minutes: 90, plan: "standard", category: "os-install-update" }).covered).toBe(
      true,
    );
    expect(computeCharge(web, { minutes: 90, plan: "standard", category: "first-install" })).toEqual(
      charge(false, null, 90, 12000, 2640),
    );
  });
});

describe("leghorn charges (first 15 minutes free, 52 €/h in 15-minute fractions, no minimum)", () => {
  it.each([
    [10, charge(false, null, 0, 0, 0)],
    [15, charge(false, null, 0, 0, 0)],
    [16, charge(false, null, 15, 1300, 286)],
    [40, charge(false, null, 30, 2600, 572)],
    [75, charge(false, null, 60, 5200, 1144)],
    [76, charge(false, null, 75, 6500, 1430)],
  ])("%i minutes", (minutes, expected) => {
    expect(computeCharge(leghorn, { minutes, plan: "none" })).toEqual(expected);
  });

  it("quotes the rates and the packages of the fee table", () => {
    const quote = rateQuote(leghorn);
    expect(quote).toMatchObject({
      hourlyCents: 5200,
      vatPercent: 22,
      minimumMinutes: 0,
      incrementMinutes: 15,
      freeMinutes: 15,
      currency: "EUR",
    });
    expect(quote.packages.map((p) => [p.key, p.cents, p.travel])).toEqual([
      ["half-day", 25000, false],
      ["day", 40000, false],
      ["onsite-day", 55000, true],
    ]);
    expect(quote.travel).toEqual({ kmCents: 40, perDiemOvernightCents: 15000, perDiemCents: 5000 });
    expect(rateQuote(leotron)).toEqual({
      hourlyCents: 8000,
      vatPercent: 22,
      minimumMinutes: 60,
      incrementMinutes: 30,
      freeMinutes: 0,
      currency: "EUR",
      packages: [],
      travel: null,
    });
  });
});

describe("rounding", () => {
  const base = { ...structuredClone(leotron) };
  const custom = (charges: Partial<typeof leotron.charges>) =>
    parsePolicy({ ...base, charges: { ...base.charges, ...charges } });

  it("rounds the net half-up to the cent", () => {
    const p = custom({ hourlyCents: 30, minimumMinutes: 0, incrementMinutes: 1 });
    expect(computeCharge(p, { minutes: 1 }).netCents).toBe(1); // 0.5 → 1
    const q = custom({ hourlyCents: 100, minimumMinutes: 0, incrementMinutes: 1 });
    expect(computeCharge(q, { minutes: 1 }).netCents).toBe(2); // 1.67 → 2
    expect(computeCharge(q, { minutes: 2 }).netCents).toBe(3); // 3.33 → 3
  });

  it("rounds VAT half-up once, on the net", () => {
    const p = custom({ hourlyCents: 1025 }); // 22 % of 10.25 € = 2.255 €
    expect(computeCharge(p, { minutes: 60 })).toEqual(charge(false, null, 60, 1025, 226));
    const q = custom({ hourlyCents: 1024 }); // 2.2528 €
    expect(computeCharge(q, { minutes: 60 }).vatCents).toBe(225);
  });

  it("billedMinutesOf applies free minutes, then the minimum, then increments", () => {
    expect(billedMinutesOf(leotron, 0)).toBe(0);
    expect(billedMinutesOf(leotron, 59)).toBe(60);
    expect(billedMinutesOf(leghorn, 14)).toBe(0);
    expect(billedMinutesOf(leghorn, 31)).toBe(30);
  });
});

describe("decideCoverage", () => {
  const at = new Date("2027-06-15T10:00:00+02:00");

  it("standard customer, software question: covered by standard, no cap, no weekend service", () => {
    expect(decideCoverage(leotron, { plans: ["standard"], category: "software-usage", at })).toEqual({
      covered: true,
      basis: "plan",
      plan: "standard",
      capMinutes: null,
      warranty: null,
      serviceLevels: ["weekday", "holiday-reduced"],
      freeMinutes: 0,
    });
  });

  it("J-System customer, weekend blocking problem: capped at 60 minutes and eligible for weekend service", () => {
    expect(decideCoverage(leotron, { plans: ["j-system"], category: "weekend-blocking", at })).toMatchObject({
      covered: true,
      plan: "j-system",
      capMinutes: 60,
      serviceLevels: ["weekday", "weekend", "holiday-reduced"],
    });
  });

  it("the weekend-blocking category is blocking even if the customer's answer says otherwise", () => {
    expect(
      decideCoverage(leotron, { plans: ["j-system"], category: "weekend-blocking", at, blocking: false })
        .serviceLevels,
    ).toContain("weekend");
  });

  it("weekend service needs J-System and a blocking problem", () => {
    const facts = { plans: ["standard", "j-system"], category: "software-usage", at };
    expect(decideCoverage(leotron, { ...facts, blocking: true })).toMatchObject({
      plan: "standard",
      serviceLevels: ["weekday", "weekend", "holiday-reduced"],
    });
    expect(decideCoverage(leotron, { ...facts, blocking: false }).serviceLevels).not.toContain("weekend");
    expect(
      decideCoverage(leotron, { ...facts, plans: ["standard"], blocking: true }).serviceLevels,
    ).not.toContain("weekend");
  });

  it("prefers the uncapped plan when two plans cover the category", () => {
    expect(
      decideCoverage(leotron, { plans: ["j-system", "standard"], category: "peripheral-setup", at }),
    ).toMatchObject({
      plan: "standard",
      capMinutes: null,
    });
  });

  it("no plan for the category: billable", () => {
    expect(decideCoverage(leotron, { plans: ["standard"], category: "email-setup", at })).toEqual({
      covered: false,
      basis: "billable",
      plan: null,
      capMinutes: null,
      warranty: null,
      serviceLevels: ["weekday", "holiday-reduced"],
      freeMinutes: 0,
    });
  });

  it("ignores plan keys the preset does not know", () => {
    expect(
      decideCoverage(leghorn, { plans: ["standard", "j-system"], category: "software-usage", at }).covered,
    ).toBe(false);
  });

  describe("hardware warranty", () => {
    const purchases = [
      { item: "PC cassa", purchasedOn: "2026-09-01", warrantyMonths: 12 },
      { item: "Stampante", purchasedOn: "2025-01-10", warrantyMonths: 12 },
      { item: "Server", purchasedOn: "2024-06-01", warrantyMonths: 36 },
    ];
    const hw = { plans: [] as string[], category: "hardware-repair", purchases };

    it("active 12-month warranty covers the repair", () => {
      expect(decideCoverage(leotron, { ...hw, at, item: "pc cassa" })).toEqual({
        covered: true,
        basis: "warranty",
        plan: "warranty",
        capMinutes: null,
        warranty: { item: "PC cassa", until: "2027-08-31", active: true },
        serviceLevels: ["weekday", "holiday-reduced"],
        freeMinutes: 0,
      });
    });

    it("expired warranty: billable, with the warranty end reported", () => {
      expect(decideCoverage(leotron, { ...hw, at, item: "Stampante" })).toMatchObject({
        covered: false,
        basis: "billable",
        plan: null,
        warranty: { item: "Stampante", until: "2026-01-09", active: false },
      });
    });

    it("expired warranty with J-System: repair labour under J-System (capped)", () => {
      expect(decideCoverage(leotron, { ...hw, plans: ["j-system"], at, item: "Stampante" })).toMatchObject({
        covered: true,
        basis: "plan",
        plan: "j-system",
        capMinutes: 60,
        warranty: { active: false },
      });
    });

    it("36-month extension: covered on its last day, not the day after", () => {
      const lastDay = new Date("2027-05-31T18:00:00+02:00");
      const dayAfter = new Date("2027-06-01T09:00:00+02:00");
      expect(decideCoverage(leotron, { ...hw, at: lastDay, item: "Server" })).toMatchObject({
        basis: "warranty",
        warranty: { until: "2027-05-31", active: true },
      });
      expect(decideCoverage(leotron, { ...hw, at: dayAfter, item: "Server" })).toMatchObject({
        basis: "billable",
        warranty: { active: false },
      });
    });

    it("caps warranty length at the preset's maximum (36 months)", () => {
      const long = [{ item: "Monitor", purchasedOn: "2023-01-01", warrantyMonths: 60 }];
      expect(
        decideCoverage(leotron, {
          plans: [],
          category: "hardware-repair",
          purchases: long,
          item: "Monitor",
          at,
        }),
      ).toMatchObject({ warranty: { until: "2025-12-31", active: false } });
    });

    it("a purchase date alone gets the standard 12 months", () => {
      expect(
        decideCoverage(leotron, {
          plans: [],
          category: "hardware-repair",
          purchasedOn: "2026-07-01",
          item: "Tablet",
          at,
        }),
      ).toMatchObject({ basis: "warranty", warranty: { item: "Tablet", until: "2027-06-30", active: true } });
    });

    it("several purchases of the same item: the latest-ending warranty applies", () => {
      const two = [
        { item: "Bilancia", purchasedOn: "2024-01-01", warrantyMonths: 12 },
        { item: "Bilancia", purchasedOn: "2027-01-01", warrantyMonths: 12 },
      ];
      expect(
        decideCoverage(leotron, {
          plans: [],
          category: "hardware-repair",
          purchases: two,
          item: "bilancia",
          at,
        }),
      ).toMatchObject({ basis: "warranty", warranty: { until: "2027-12-31" } });
    });

    it("unknown item among several purchases: no warranty decision", () => {
      expect(decideCoverage(leotron, { ...hw, at }).warranty).toBeNull();
    });

    it("warranty applies to hardware categories only", () => {
      expect(
        decideCoverage(leotron, { ...hw, category: "software-reinstall", at, item: "PC cassa" }),
      ).toMatchObject({
        basis: "billable",
        warranty: null,
      });
    });

    it("leghorn: 1-year legal warranty, extended to 3 years, and 15 free minutes", () => {
      const seal = [{ item: "Sigillo RFID", purchasedOn: "2025-03-01", warrantyMonths: 36 }];
      expect(
        decideCoverage(leghorn, {
          plans: [],
          category: "hardware-repair",
          purchases: seal,
          item: "sigillo rfid",
          at,
        }),
      ).toMatchObject({
        basis: "warranty",
        plan: "warranty",
        warranty: { until: "2028-02-29", active: true },
        freeMinutes: 15,
      });
      const legal = [{ item: "Lucchetto", purchasedOn: "2025-03-01", warrantyMonths: 12 }];
      expect(
        decideCoverage(leghorn, {
          plans: [],
          category: "hardware-repair",
          purchases: legal,
          item: "Lucchetto",
          at,
        }),
      ).toMatchObject({
        basis: "billable",
        warranty: { until: "2026-02-28", active: false },
        freeMinutes: 15,
      });
    });
  });

  describe("monthly cap (leotron-web J-System, 120 minutes)", () => {
    it("reports what is left this month", () => {
      expect(
        decideCoverage(web, {
          plans: ["j-system"],
          category: "os-network-drivers",
          at,
          usedThisMonthMinutes: 90,
        }),
      ).toMatchObject({ covered: true, plan: "j-system", capMinutes: 30 });
    });

    it("used up: not covered, plan named, cap 0; the charge bills every minute", () => {
      const coverage = decideCoverage(web, {
        plans: ["j-system"],
        category: "os-network-drivers",
        at,
        usedThisMonthMinutes: 150,
      });
      expect(coverage).toMatchObject({ covered: false, basis: "billable", plan: "j-system", capMinutes: 0 });
      expect(computeCharge(web, { minutes: 45, coverage })).toEqual(
        charge(false, "j-system", 60, 8000, 1760),
      );
    });
  });

  it("computeCharge uses a given decision: cap 60, 90 minutes → 30 over → 60 billed", () => {
    const coverage = decideCoverage(leotron, { plans: ["j-system"], category: "virus-removal", at });
    expect(computeCharge(leotron, { minutes: 90, coverage })).toEqual(
      charge(true, "j-system", 60, 8000, 1760),
    );
  });

  it("rejects an unknown category", () => {
    expect(() => decideCoverage(leotron, { plans: [], category: "knitting", at })).toThrow(
      expect.objectContaining({ code: "unknown-category" }),
    );
  });
});

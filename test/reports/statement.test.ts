/**
 * The March 2027 statement of a month of tickets across plans and presets: totals to the cent
 * against charges computed by hand from the seed documents' rules, J-System minutes against
 * the per-intervention (leotron) and per-month (leotron-web) caps, and the same through
 * `sportello statement` as JSON and CSV. SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedSessionsBetween } from "../../src/data/statementQueries.js";
import { policyResolver } from "../../src/policy/policyResolver.js";
import {
  buildStatement,
  monthQueryWindow,
  type Statement,
  StatementError,
} from "../../src/reports/statement.js";
import { runCliCaptured } from "../support/cliRun.js";
import { rowOf } from "../support/rows.js";
import { type SeededMonth, seedMonth } from "../support/seedMonth.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

let t: TestDatabase;
let seed: SeededMonth;
let dataDir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-statement-"));
  seed = await seedMonth(t.db, dataDir);
});

afterAll(async () => {
  await seed?.stop();
  await t?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  return runCliCaptured(args, { env: { DATABASE_URL: t.url }, now: "2027-04-02T10:00:00+02:00" });
}

async function march(customer?: string): Promise<Statement> {
  const tickets = await closedSessionsBetween(t.db, monthQueryWindow("2027-03"), customer);
  return buildStatement("2027-03", tickets, policyResolver(Object.values(seed.policies)));
}

// Charges by hand (net cents; VAT 22% rounded half-up on the net):
//  leotron 80 €/h, min 1 h then 30-minute fractions; J-System covers 60 min per intervention.
//  leotron-web the same rate; J-System covers 120 min per month.
//  leghorn 52 €/h, first 15 min free, then 15-minute fractions, no minimum.
const expected = {
  A: { interventions: 3, minutes: 175, netCents: 8000, vatCents: 1760, grossCents: 9760 }, // 45 covered; 100 → 40 over → 1 h; 30 standard
  B: { interventions: 3, minutes: 160, netCents: 32000, vatCents: 7040, grossCents: 39040 }, // reopened: 70 → 1 h 30, then 20 → 1 h; 70 → 1 h 30
  C: { interventions: 4, minutes: 170, netCents: 16000, vatCents: 3520, grossCents: 19520 }, // 50, 50 covered; 40 → 20 over → 1 h; 30 after the cap → 1 h
  D: { interventions: 2, minutes: 60, netCents: 3900, vatCents: 858, grossCents: 4758 }, // 10 free; 50 − 15 = 35 → 45 min × 52 €/h
};

describe("monthly statement", () => {
  it("totals every customer's March interventions to the cent", async () => {
    const s = await march();
    expect(s.month).toBe("2027-03");
    expect(s.currency).toBe("EUR");
    for (const [key, want] of Object.entries(expected)) {
      const c = s.customers.find((x) => x.code === seed.customers[key as keyof typeof expected].code);
      expect(c, key).toBeDefined();
      expect(c!.totals, key).toMatchObject(want);
    }
    expect(s.totals).toMatchObject({
      interventions: 12,
      netCents: 59900,
      vatCents: 13178,
      grossCents: 73078,
    });
  });

  it("keeps each close in its month in Rome time, both closes of a reopened ticket, and no open ticket", async () => {
    const s = await march();
    const tickets = s.customers.flatMap((c) => c.lines.map((l) => l.ticket));
    expect(tickets).toContain(seed.numbers["d-free"]); // 1 March 00:30 Rome
    expect(tickets).not.toContain(seed.numbers["b-april"]); // 1 April 00:30 Rome
    expect(tickets).not.toContain(seed.numbers["b-feb"]);
    expect(tickets).not.toContain(seed.numbers["a-open"]);
    const d = s.customers.flatMap((c) => c.lines).find((l) => l.ticket === seed.numbers["d-free"])!;
    expect(d).toMatchObject({ date: "2027-03-01", minutes: 10, billedMinutes: 0, grossCents: 0 });
    const reopened = s.customers.flatMap((c) => c.lines).filter((l) => l.ticket === seed.numbers["b-reopen"]);
    expect(reopened).toMatchObject([
      { session: 1, minutes: 70, billedMinutes: 90, netCents: 12000, grossCents: 14640 },
      { session: 2, minutes: 20, billedMinutes: 60, netCents: 8000, grossCents: 9760 },
    ]);
  });

  it("reconciles exactly with the charge stored on each ticket at its last close", async () => {
    const s = await march();
    const lines = s.customers.flatMap((c) => c.lines);
    for (const line of lines.filter(
      (l) => !lines.some((m) => m.ticket === l.ticket && m.session > l.session),
    )) {
      const row = await rowOf(t.db, "Ticket", `"number" = ?`, line.ticket);
      expect([line.netCents, line.vatCents, line.grossCents]).toEqual([
        row!.chargeNetCents,
        row!.chargeVatCents,
        row!.chargeGrossCents,
      ]);
    }
  });

  it("shows J-System minutes against the cap per intervention (leotron) and per month (leotron-web)", async () => {
    const s = await march();
    const a = s.customers.find((c) => c.code === seed.customers.A.code)!;
    expect(a.allowances).toEqual([
      {
        policy: "leotron",
        plan: "j-system",
        per: "intervention",
        capMinutes: 60,
        interventions: 2,
        usedMinutes: 145,
        coveredMinutes: 105,
        overMinutes: 40,
        interventionsOverCap: 1,
        leftMinutes: null,
      },
    ]);
    const over = a.lines.find((l) => l.ticket === seed.numbers["a-weekend"])!;
    expect(over).toMatchObject({ plan: "j-system", coveredMinutes: 60, billedMinutes: 60, netCents: 8000 });
    const c = s.customers.find((x) => x.code === seed.customers.C.code)!;
    expect(c.allowances).toEqual([
      {
        policy: "leotron-web",
        plan: "j-system",
        per: "month",
        capMinutes: 120,
        interventions: 4,
        usedMinutes: 170,
        coveredMinutes: 120,
        overMinutes: 50,
        interventionsOverCap: 0,
        leftMinutes: 0,
      },
    ]);
    expect(c.lines.map((l) => l.coveredMinutes)).toEqual([50, 50, 20, 0]);
    expect(c.lines.map((l) => l.billedMinutes)).toEqual([0, 0, 60, 60]);
  });

  it("prints one customer's statement as JSON and everybody's as CSV", async () => {
    const one = await cli([
      "statement",
      "--month",
      "2027-03",
      "--customer",
      seed.customers.C.code.toLowerCase(),
    ]);
    expect(one.code, one.stderr).toBe(0);
    const json = JSON.parse(one.stdout) as Statement;
    expect(json.customers.map((c) => c.company)).toEqual(["Ottica Blu"]);
    expect(json.totals).toMatchObject(expected.C);

    const all = await cli(["statement", "--month", "2027-03", "--format", "csv"]);
    expect(all.code, all.stderr).toBe(0);
    const rows = parse(all.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.row === "intervention")).toHaveLength(12);
    const total = rows.find((r) => r.row === "total")!;
    expect([total.net_eur, total.vat_eur, total.gross_eur]).toEqual(["599.00", "131.78", "730.78"]);
    const c = rows.find((r) => r.row === "customer-total" && r.company === "Ottica Blu")!;
    expect(c.allowance).toBe("j-system: 170/120 min per month (50 over, 0 left)");
    expect(rows.filter((r) => r.company === "Porto Logistics")).toHaveLength(3);

    const it = await cli(["statement", "--month", "2027-03", "--format", "csv-it"]);
    expect(it.code, it.stderr).toBe(0);
    const itRows = parse(it.stdout.replace(/^\uFEFF/, ""), { columns: true, delimiter: ";" }) as Record<
      string,
      string
    >[];
    expect(itRows.find((r) => r.row === "total")!.gross_eur).toBe("730,78");
  });

  it("refuses a bad month, an unknown customer and a bad format with clear errors", async () => {
    expect(() => buildStatement("2027-13", [], policyResolver())).toThrow(StatementError);
    const month = await cli(["statement", "--month", "March"]);
    expect(month.code).toBe(2);
    expect(month.stderr).toContain("expected YYYY-MM");
    const customer = await cli(["statement", "--month", "2027-03", "--customer", "NOPE42"]);
    expect(customer.code).toBe(1);
    expect(customer.stderr).toContain('no customer with code "NOPE42"');
    const format = await cli(["statement", "--month", "2027-03", "--format", "xml"]);
    expect(format.code).toBe(2);
  });
});

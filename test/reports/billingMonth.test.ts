/**
 * Billing a bookkeeper can trust (issue 24): a month of closes across the three presets, with
 * reopened tickets, J-System allowances, a warranty repair with transport, parts, a package with
 * travel. The statement must bill exactly what each close told the customer, line by line (the
 * amounts are read back from the messages' text), in JSON, CSV and the Italian CSV; the totals
 * are checked against figures computed by hand from the seed documents. SQLite, or PostgreSQL
 * with SPORTELLO_TEST_DB=postgres.
 */
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedSessionsBetween } from "../../src/data/statementQueries.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { policyResolver } from "../../src/policy/policyResolver.js";
import { buildStatement, monthQueryWindow, type Statement } from "../../src/reports/statement.js";
import { statementToCsv } from "../../src/reports/statementCsv.js";
import { type BilledMonth, billMonth, type ToldClose } from "../support/billingMonth.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

/** "1.139,48 €" / "€1,139.48" → 113948. */
function cents(amount: string, language: "it" | "en"): number {
  const digits = language === "it" ? amount.replace(/\./g, "").replace(",", ".") : amount.replace(/,/g, "");
  return Math.round(Number(digits) * 100);
}

const MONEY = {
  it: /(\d[\d.]*,\d{2})\s€/,
  en: /€(\d[\d,]*\.\d{2})/,
};

/** What a close message says: this close's gross, its net lines, and the ticket's total if told. */
function readTold(t: ToldClose): { gross: number; lines: number[]; total: number | null } {
  // The chat's language: these tickets were opened outside a conversation (the preset's, Italian).
  const language = /è stata chiusa/.test(t.text) ? "it" : "en";
  const rows = t.text.split("\n");
  const isTotal = (r: string) => /^(Totale della segnalazione|Total for request)/.test(r);
  const gross =
    rows
      .filter((r) => !isTotal(r) && !r.startsWith("•"))
      .map((r) => MONEY[language].exec(r)?.[1])
      .find((m) => m !== undefined) ?? null;
  const lines = rows
    .filter((r) => r.startsWith("• ") && /\+ (IVA|VAT)$/.test(r))
    .map((r) => {
      const all = [...r.matchAll(new RegExp(MONEY[language], "g"))];
      return cents(all[all.length - 1]![1]!, language);
    });
  const totalRow = rows.find(isTotal);
  const total = totalRow ? cents(MONEY[language].exec(totalRow)![1]!, language) : null;
  return { gross: gross === null ? 0 : cents(gross, language), lines, total };
}

async function statementOf(db: TestDatabase, month: BilledMonth): Promise<Statement> {
  const sessions = await closedSessionsBetween(db.db, monthQueryWindow("2029-05"));
  return buildStatement("2029-05", sessions, policyResolver(Object.values(month.policies)));
}

/** Every close of the month is one statement line with the told gross and lines; totals agree. */
function expectStatementMatchesTold(s: Statement, month: BilledMonth): void {
  const lines = s.customers.flatMap((c) => c.lines);
  const inMay = month.told.filter((t) => t.id !== "e-june");
  expect(lines).toHaveLength(inMay.length);
  for (const t of inMay) {
    const told = readTold(t);
    const line = lines.find((l) => l.ticket === t.ticket && l.session === t.session);
    expect(line, `${t.id} session ${t.session}`).toBeDefined();
    expect(line!.grossCents, `${t.id} #${t.session}: ${t.text}`).toBe(told.gross);
    if (told.lines.length > 0) {
      expect(
        line!.items.map((i) => i.cents),
        `${t.id} #${t.session}`,
      ).toEqual(told.lines);
    }
    if (told.total !== null) {
      const ticketLines = lines.filter((l) => l.ticket === t.ticket && l.session <= t.session);
      expect(ticketLines.reduce((sum, l) => sum + l.grossCents, 0)).toBe(told.total);
    }
  }
  const told = inMay.reduce((sum, t) => sum + readTold(t).gross, 0);
  expect(s.totals.grossCents).toBe(told);
}

describe("a month of billing: each close as a separate intervention (the bundled presets)", () => {
  let t: TestDatabase;
  let month: BilledMonth;
  let s: Statement;

  beforeAll(async () => {
    t = await createTestDatabase();
    month = await billMonth(t.db);
    s = await statementOf(t, month);
  }, 120_000);

  afterAll(async () => {
    await month?.stop();
    await t?.drop();
  });

  it("bills every close exactly as the customer was told it, line by line", () => {
    expectStatementMatchesTold(s, month);
  });

  it("totals each customer to the cent (figures by hand from the seed documents)", () => {
    const by = (key: keyof BilledMonth["customers"]) =>
      s.customers.find((c) => c.code === month.customers[key].code)!.totals;
    // B: 45 and 40 min after a reopen, each at least 1 h at 80 €/h + 22%.
    expect(by("B")).toMatchObject({ interventions: 2, minutes: 85, netCents: 16000, grossCents: 19520 });
    // A: J-System 75 min → 15 over → 1 h + parts 45 € + transport 20 €; warranty: transport 30 €.
    expect(by("A")).toMatchObject({ interventions: 2, netCents: 17500, vatCents: 3850, grossCents: 21350 });
    // C: 50 covered; 90 with 70 left → 1 h; reopened 30 with none left → 1 h.
    expect(by("C")).toMatchObject({ interventions: 3, minutes: 170, netCents: 16000, grossCents: 19520 });
    // D: on-site day 550 € + 120 km × 0,40 € + 1 per diem 50 €; 50 → 45 min and 20 → 15 min at 52 €/h.
    expect(by("D")).toMatchObject({ interventions: 3, netCents: 70000, vatCents: 15400, grossCents: 85400 });
    // E: 100 min → 2 h; the close at 00:30 on 1 June is not in May.
    expect(by("E")).toMatchObject({ interventions: 1, netCents: 16000, grossCents: 19520 });
    expect(s.totals).toMatchObject({
      interventions: 11,
      netCents: 135500,
      vatCents: 29810,
      grossCents: 165310,
    });
  });

  it("keeps every line of a close: package, travel, parts, transport, hourly", () => {
    const line = (id: string, session = 1) =>
      s.customers
        .flatMap((c) => c.lines)
        .find((l) => l.ticket === month.numbers[id] && l.session === session)!;
    expect(line("d-onsite").items.map((i) => [i.item, i.quantity, i.cents])).toEqual([
      ["package", 1, 55000],
      ["km", 120, 4800],
      ["per-diem", 1, 5000],
    ]);
    expect(line("a-hw").items.map((i) => [i.item, i.quantity, i.cents, i.description ?? null])).toEqual([
      ["hourly", 60, 8000, null],
      ["parts", 1, 4500, "Alimentatore 24 V"],
      ["transport", 1, 2000, null],
    ]);
    expect(line("a-warranty")).toMatchObject({
      basis: "warranty",
      covered: true,
      coveredMinutes: 30,
      netCents: 3000,
    });
    expect(line("b-reopen", 2)).toMatchObject({
      technician: "Lucia",
      mode: "remote",
      minutes: 40,
      grossCents: 9760,
    });
  });

  it("shows allowances used and left, and minutes per technician", () => {
    const c = s.customers.find((x) => x.code === month.customers.C.code)!;
    expect(c.allowances).toEqual([
      expect.objectContaining({
        plan: "j-system",
        per: "month",
        capMinutes: 120,
        usedMinutes: 170,
        coveredMinutes: 120,
        leftMinutes: 0,
        overMinutes: 50,
      }),
    ]);
    const a = s.customers.find((x) => x.code === month.customers.A.code)!;
    expect(a.allowances).toEqual([
      expect.objectContaining({
        plan: "j-system",
        per: "intervention",
        usedMinutes: 75,
        interventionsOverCap: 1,
      }),
    ]);
    expect(s.technicians).toEqual([
      { technician: "Lucia", interventions: 2, minutes: 70, billedMinutes: 120 },
      { technician: "Marco", interventions: 9, minutes: 940, billedMinutes: 360 },
    ]);
  });

  it("tells the allowance and the exclusions where they apply", () => {
    const told = (id: string, session = 1) =>
      month.told.find((x) => x.id === id && x.session === session)!.text;
    expect(told("c-1")).toContain("Assistenza J-System: 50 di 120 minuti usati questo mese (ne restano 70).");
    expect(told("c-2")).toContain("140 di 120 minuti usati questo mese (ne restano 0)");
    expect(told("a-hw")).toContain(
      "I pezzi di ricambio e le spese di trasporto non sono compresi nel J-System",
    );
    expect(told("a-hw")).toMatch(/• Ricambi: 1 × Alimentatore 24 V, 45,00\s€ \+ IVA/);
    expect(told("a-warranty")).toContain("Il tempo tecnico per il ripristino del sistema operativo");
    expect(told("a-warranty")).toContain("Il trasporto dell'hardware dal cliente a Leotron o viceversa.");
    expect(told("b-reopen", 2)).toMatch(
      /Totale della segnalazione .*\(2 chiusure, 85 minuti di lavoro\): 195,20\s€/,
    );
  });

  it("exports CSV a spreadsheet can sum, with formula-looking names as text, in both dialects", () => {
    for (const dialect of ["standard", "it"] as const) {
      const text = statementToCsv(s, dialect);
      const rows = parse(text.replace(/^\uFEFF/, ""), {
        columns: true,
        delimiter: dialect === "it" ? ";" : ",",
      }) as Record<string, string>[];
      const num = (v: string) => Math.round(Number(dialect === "it" ? v.replace(",", ".") : v) * 100);
      const interventions = rows.filter((r) => r.row === "intervention");
      expect(interventions).toHaveLength(11);
      const total = rows.find((r) => r.row === "total")!;
      expect(total.gross_eur).toBe(dialect === "it" ? "1653,10" : "1653.10");
      for (const col of [
        "hourly_eur",
        "package_eur",
        "travel_eur",
        "parts_eur",
        "transport_eur",
        "net_eur",
        "vat_eur",
        "gross_eur",
      ]) {
        expect(
          interventions.reduce((sum, r) => sum + num(r[col]!), 0),
          col,
        ).toBe(num(total[col]!));
      }
      const companies = new Set(rows.map((r) => r.company));
      expect(companies).toContain(`'=HYPERLINK("http://evil.example/?x","click")`);
      expect(companies).toContain("'@SUM(1+1)");
      expect(companies).toContain("'+cmd|' /C calc'!A0");
      for (const r of rows) for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    expect(statementToCsv(s, "it").startsWith("\uFEFFrow;month;")).toBe(true);
  });
});

describe("a month of billing: a reopened ticket as one intervention (`reopened: sum`)", () => {
  let t: TestDatabase;
  let month: BilledMonth;
  let s: Statement;

  beforeAll(async () => {
    t = await createTestDatabase();
    const sum = (id: string) => {
      const p = loadPolicy(id);
      return { ...p, charges: { ...p.charges, reopened: "sum" as const } };
    };
    month = await billMonth(t.db, [sum("leotron"), sum("leotron-web"), sum("leghorn")]);
    s = await statementOf(t, month);
  }, 120_000);

  afterAll(async () => {
    await month?.stop();
    await t?.drop();
  });

  it("bills every close exactly as the customer was told it, and each ticket as one intervention", () => {
    expectStatementMatchesTold(s, month);
    const gross = (id: string) =>
      s.customers
        .flatMap((c) => c.lines)
        .filter((l) => l.ticket === month.numbers[id])
        .map((l) => l.grossCents);
    // 45 + 40 = 85 min → 1 h 30: 120 € + 22% = 146,40 €, of which 97,60 € told at the first close.
    expect(gross("b-reopen")).toEqual([9760, 4880]);
    // 90 + 30 = 120 min with 70 of the month left: 50 over → 1 h, all charged at the first close.
    expect(gross("c-2")).toEqual([9760, 0]);
    // LeghornGroup 50 + 20 = 70 min → 55 → 1 h at 52 €/h: 52 € + 22%, 47,58 € told first.
    expect(gross("d-hourly")).toEqual([4758, 1586]);
  });
});

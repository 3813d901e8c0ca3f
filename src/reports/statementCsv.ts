/**
 * The monthly statement as CSV (csv-stringify), for a bookkeeper's spreadsheet: one row per
 * intervention (work session), then one total row per customer and a grand total; the `row`
 * column tells them apart (`intervention`, `customer-total`, `total`), so a column summed over
 * the `intervention` rows is never counted three times. Amounts in euros with two decimals,
 * split by kind of line (hourly, package, travel, parts, transport) and net/VAT/gross. Text
 * cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
 * return) get a leading apostrophe, as OWASP recommends ("CSV injection").
 *
 * Two dialects: `standard` (`,` and a decimal point) and `it` (`;`, a decimal comma and a
 * UTF-8 byte-order mark: what Excel set to Italian opens in columns, with accents and €).
 */
import { stringify } from "csv-stringify/sync";
import type { AllowanceUse } from "../policy/allowance.js";
import type { Statement, StatementItem, StatementLine, Totals } from "./statement.js";

export type CsvDialect = "standard" | "it";

export const CSV_COLUMNS = [
  "row",
  "month",
  "customer",
  "company",
  "date",
  "ticket",
  "session",
  "preset",
  "category",
  "technician",
  "mode",
  "minutes",
  "plan",
  "basis",
  "covered_minutes",
  "billed_minutes",
  "lines",
  "hourly_eur",
  "package_eur",
  "travel_eur",
  "parts_eur",
  "transport_eur",
  "net_eur",
  "vat_eur",
  "gross_eur",
  "currency",
  "allowance",
] as const;

/** OWASP CSV injection: a text cell starting with = + - @ tab or CR is prefixed with '. */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Integer cents as euros with two decimals ("1234.50", or "1234,50" in the `it` dialect). */
export function euros(cents: number, dialect: CsvDialect = "standard"): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const text = `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
  return dialect === "it" ? text.replace(".", ",") : text;
}

/** "j-system 140/120 min per month (20 over, 0 left)". */
export function describeAllowance(a: AllowanceUse): string {
  if (a.per === "intervention") {
    const over =
      a.interventionsOverCap > 0 ? ` (${a.interventionsOverCap} over the cap, ${a.overMinutes} min)` : "";
    return `${a.plan}: ${a.interventions} interventions, ${a.usedMinutes} min, cap ${a.capMinutes} min per intervention${over}`;
  }
  const over = a.overMinutes > 0 ? `${a.overMinutes} over, ` : "";
  return `${a.plan}: ${a.usedMinutes}/${a.capMinutes} min per month (${over}${a.leftMinutes ?? 0} left)`;
}

/** "hourly 90 min = 120.00; parts 2 × Alimentatore = 90.00". */
function describeItem(i: StatementItem, dialect: CsvDialect): string {
  const what = i.description
    ? `${i.item} ${i.quantity} × ${i.description}`
    : `${i.item} ${i.quantity} ${i.unit}`;
  return `${what} = ${euros(i.cents, dialect)}`;
}

const KIND_OF: Record<string, "hourly" | "package" | "travel" | "parts" | "transport"> = {
  hourly: "hourly",
  package: "package",
  km: "travel",
  "per-diem-overnight": "travel",
  "per-diem": "travel",
  parts: "parts",
  transport: "transport",
};

function byKind(
  line: StatementLine,
): Record<"hourly" | "package" | "travel" | "parts" | "transport", number> {
  const out = { hourly: 0, package: 0, travel: 0, parts: 0, transport: 0 };
  for (const i of line.items) out[KIND_OF[i.item] ?? "package"] += i.cents;
  return out;
}

type Cell = string | number;

function kindTotals(lines: StatementLine[]) {
  const out = { hourly: 0, package: 0, travel: 0, parts: 0, transport: 0 };
  for (const l of lines) {
    const k = byKind(l);
    for (const key of Object.keys(out) as (keyof typeof out)[]) out[key] += k[key];
  }
  return out;
}

function totalRow(
  kind: "customer-total" | "total",
  statement: Statement,
  t: Totals,
  lines: StatementLine[],
  dialect: CsvDialect,
  who: { code?: string; company?: string; allowance?: string },
): Cell[] {
  const e = (c: number) => euros(c, dialect);
  const k = kindTotals(lines);
  return [
    kind,
    statement.month,
    who.code ?? "",
    who.company ?? "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    t.minutes,
    "",
    "",
    "",
    t.billedMinutes,
    "",
    e(k.hourly),
    e(k.package),
    e(k.travel),
    e(k.parts),
    e(k.transport),
    e(t.netCents),
    e(t.vatCents),
    e(t.grossCents),
    statement.currency,
    who.allowance ?? "",
  ];
}

/** The statement as CSV text in `dialect`. */
export function statementToCsv(statement: Statement, dialect: CsvDialect = "standard"): string {
  const rows: Cell[][] = [];
  const e = (c: number) => euros(c, dialect);
  const all: StatementLine[] = [];
  for (const c of statement.customers) {
    for (const l of c.lines) {
      all.push(l);
      const k = byKind(l);
      rows.push([
        "intervention",
        statement.month,
        c.code,
        c.company,
        l.date,
        l.ticket,
        l.session,
        l.policy,
        l.category ?? "",
        l.technician,
        l.mode ?? "",
        l.minutes,
        l.plan ?? "",
        l.basis,
        l.coveredMinutes,
        l.billedMinutes,
        l.items.map((i) => describeItem(i, dialect)).join("; "),
        e(k.hourly),
        e(k.package),
        e(k.travel),
        e(k.parts),
        e(k.transport),
        e(l.netCents),
        e(l.vatCents),
        e(l.grossCents),
        statement.currency,
        "",
      ]);
    }
    rows.push(
      totalRow("customer-total", statement, c.totals, c.lines, dialect, {
        code: c.code,
        company: c.company,
        allowance: c.allowances.map(describeAllowance).join("; "),
      }),
    );
  }
  rows.push(totalRow("total", statement, statement.totals, all, dialect, {}));
  // Every text cell is neutralised (numbers are ours: minutes and formatted amounts).
  const safe = rows.map((r) => r.map((cell) => (typeof cell === "string" ? neutralizeCell(cell) : cell)));
  const text = stringify(safe, {
    header: true,
    columns: [...CSV_COLUMNS],
    delimiter: dialect === "it" ? ";" : ",",
    record_delimiter: dialect === "it" ? "windows" : "unix",
  });
  return dialect === "it" ? `\uFEFF${text}` : text;
}

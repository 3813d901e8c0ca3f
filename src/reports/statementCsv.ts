/**
 * The monthly statement as CSV (csv-stringify): one row per intervention, then one total row
 * per customer and a grand total. Amounts in integer cents, as stored; allowance use of capped
 * plans (J-System) on each customer's total row.
 */
import { stringify } from "csv-stringify/sync";
import type { AllowanceUse, Statement } from "./statement.js";

const COLUMNS = [
  "row",
  "month",
  "customer",
  "company",
  "date",
  "ticket",
  "preset",
  "category",
  "minutes",
  "plan",
  "basis",
  "covered_minutes",
  "billed_minutes",
  "items",
  "net_cents",
  "vat_cents",
  "gross_cents",
  "currency",
  "allowance",
] as const;

/** "j-system 140/120 min per month (20 over)". */
export function describeAllowance(a: AllowanceUse): string {
  const over =
    a.per === "intervention"
      ? a.interventionsOverCap > 0
        ? ` (${a.interventionsOverCap} over the cap, ${a.overMinutes} min)`
        : ""
      : a.overMinutes > 0
        ? ` (${a.overMinutes} over)`
        : "";
  return a.per === "intervention"
    ? `${a.plan}: ${a.interventions} interventions, ${a.usedMinutes} min, cap ${a.capMinutes} min per intervention${over}`
    : `${a.plan}: ${a.usedMinutes}/${a.capMinutes} min per month${over}`;
}

type Totals = Statement["totals"];

/** A total row: only minutes, billed minutes and the amounts are filled in. */
function totalRow(
  kind: "customer-total" | "total",
  month: string,
  currency: string,
  t: Totals,
  who: { code?: string; company?: string; allowance?: string },
): (string | number)[] {
  return [
    kind,
    month,
    who.code ?? "",
    who.company ?? "",
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
    t.netCents,
    t.vatCents,
    t.grossCents,
    currency,
    who.allowance ?? "",
  ];
}

export function statementToCsv(statement: Statement): string {
  const rows: (string | number)[][] = [];
  const { month, currency } = statement;
  for (const c of statement.customers) {
    for (const l of c.lines) {
      rows.push([
        "intervention",
        month,
        c.code,
        c.company,
        l.date,
        l.ticket,
        l.policy,
        l.category ?? "",
        l.minutes,
        l.plan ?? "",
        l.basis,
        l.coveredMinutes,
        l.billedMinutes,
        l.items.map((i) => `${i.key}×${i.quantity}=${i.cents}`).join("; "),
        l.netCents,
        l.vatCents,
        l.grossCents,
        currency,
        "",
      ]);
    }
    rows.push(
      totalRow("customer-total", month, currency, c.totals, {
        code: c.code,
        company: c.company,
        allowance: c.allowances.map(describeAllowance).join("; "),
      }),
    );
  }
  rows.push(totalRow("total", month, currency, statement.totals, {}));
  return stringify(rows, { header: true, columns: [...COLUMNS] });
}

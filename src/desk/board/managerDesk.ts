/**
 * What the manager's pages of the board read: the monthly statement and the report, built by the
 * pure engines in src/reports from the rows src/data returns. One object per process, handed to
 * the HTTP routes (and usable from any other desk).
 */
import type { Database } from "../../data/database.js";
import { reportData } from "../../data/reportQueries.js";
import { closedSessionsBetween, customerCodeExists } from "../../data/statementQueries.js";
import { policyResolver } from "../../policy/policyResolver.js";
import type { Policy } from "../../policy/schema.js";
import { buildReport, dayRange, type Report } from "../../reports/report.js";
import { buildStatement, monthQueryWindow, type Statement } from "../../reports/statement.js";

export interface ManagerDesk {
  /** IANA zone the report's days are in (the preset's). */
  readonly timezone: string;
  /** The statement of `month` (YYYY-MM), of one customer or all; null for an unknown customer. */
  statement(month: string, customer?: string): Promise<Statement | null>;
  /** The report of the local days from..to (YYYY-MM-DD, included). */
  report(from: string, to: string): Promise<Report>;
  /** The preset's category, plan and package labels in `language`, by key (for the pages). */
  labels(language: "it" | "en"): ManagerLabels;
}

export interface ManagerLabels {
  categories: Record<string, string>;
  plans: Record<string, string>;
  packages: Record<string, string>;
}

export function createManagerDesk(deps: { db: Database; policy: Policy }): ManagerDesk {
  const policies = policyResolver([deps.policy]);
  const timezone = deps.policy.timezone;
  return {
    timezone,
    async statement(month, customer) {
      const window = monthQueryWindow(month);
      if (customer && !(await customerCodeExists(deps.db, customer))) return null;
      const tickets = await closedSessionsBetween(deps.db, window, customer);
      return buildStatement(month, tickets, policies);
    },
    labels(language) {
      const of = (items: { key: string; label: { it: string; en: string } }[]) =>
        Object.fromEntries(items.map((i) => [i.key, i.label[language]]));
      return {
        categories: of(deps.policy.categories),
        plans: of(deps.policy.plans),
        packages: of(deps.policy.charges.packages),
      };
    },
    async report(from, to) {
      const data = await reportData(deps.db, dayRange(from, to, timezone));
      return buildReport({ from, to, timezone }, data, policies);
    },
  };
}

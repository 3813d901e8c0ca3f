/** What the monthly statement reads: closed tickets in a time window, with their customer. */

import { z } from "zod";
import type { StatementTicket } from "../reports/statement.js";
import { type PrismaExecutor, prismaOf } from "./database.js";
import { parseJson } from "./json.js";

const coverageSchema = z.record(z.string(), z.unknown());

/**
 * Closed tickets whose close falls in [from, to), optionally of one customer (by code), oldest
 * close first. Charges are the integer cents stored at close.
 */
export async function closedTicketsBetween(
  on: PrismaExecutor,
  window: { from: Date; to: Date },
  customerCode?: string,
): Promise<StatementTicket[]> {
  const tx = prismaOf(on);
  const rows = await tx.ticket.findMany({
    where: {
      status: "closed",
      closedAt: { gte: window.from, lt: window.to },
      ...(customerCode ? { customer: { code: customerCode.trim().toUpperCase() } } : {}),
    },
    include: { customer: { select: { code: true, company: true } } },
    orderBy: [{ closedAt: "asc" }, { number: "asc" }],
  });
  return rows.map((r) => ({
    number: r.number,
    policy: r.policy,
    customerCode: r.customer.code,
    company: r.customer.company,
    category: r.category,
    minutes: r.minutes ?? 0,
    closedAt: r.closedAt ?? r.updatedAt,
    coverage: parseJson(coverageSchema, r.coverage, {}),
    netCents: r.chargeNetCents ?? 0,
    vatCents: r.chargeVatCents ?? 0,
    grossCents: r.chargeGrossCents ?? 0,
  }));
}

/** Whether a customer with this code exists. */
export async function customerCodeExists(on: PrismaExecutor, code: string): Promise<boolean> {
  const tx = prismaOf(on);
  const row = await tx.customer.findUnique({
    where: { code: code.trim().toUpperCase() },
    select: { id: true },
  });
  return row !== null;
}

/**
 * Look-ups of the staff board's history: search by ticket number, company, phone, e-mail or
 * text, and a customer's page (record, plans, purchases, tickets). Staff edits of a customer are
 * in customerEdits.ts.
 */
import { type SqlBool, sql } from "kysely";
import { z } from "zod";
import { onSql, type SqlExecutor } from "./database.js";
import { parseJson } from "./json.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { CUSTOMER } from "./sqlCustomers.js";
import { containing } from "./sqlLike.js";
import { bool, date, maybeDate, maybeNum, maybeStr, num, type SqlRow, str } from "./sqlTx.js";

export const stringArray = z.array(z.string());

export interface CustomerSummary {
  code: string;
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
}

export interface TicketSummary {
  number: string;
  status: string;
  category: string | null;
  company: string;
  customerCode: string;
  createdAt: string;
  closedAt: string | null;
  minutes: number | null;
  grossCents: number | null;
  description: string;
}

export interface SearchResult {
  customers: CustomerSummary[];
  tickets: TicketSummary[];
}

const LIMIT = 25;

/**
 * Case-insensitive "contains" on both providers (`pattern`: a {@link containing} pattern): on
 * SQLite as its `LIKE` (ASCII case folded), on PostgreSQL as `ILIKE`.
 */
const contains = (column: string, pattern: string) =>
  sql<SqlBool>`lower(${sql.ref(column)}) like lower(${pattern}) escape '\\'`;

function ticketSummary(t: SqlRow): TicketSummary {
  return {
    number: str(t.number),
    status: str(t.status),
    category: maybeStr(t.category),
    company: str(t.company),
    customerCode: str(t.customerCode),
    createdAt: date(t.createdAt).toISOString(),
    closedAt: maybeDate(t.closedAt)?.toISOString() ?? null,
    minutes: maybeNum(t.minutes),
    grossCents: maybeNum(t.chargeGrossCents),
    description: str(t.description).slice(0, 200),
  };
}

/** Tickets of a summary, with their customer's code and company. */
const ticketSummaries = () =>
  qb
    .selectFrom("Ticket as t")
    .innerJoin("Customer as c", "c.id", "t.customerId")
    .select([
      "t.number",
      "t.status",
      "t.category",
      "t.createdAt",
      "t.closedAt",
      "t.minutes",
      "t.chargeGrossCents",
      "t.description",
      "c.code as customerCode",
      "c.company",
    ]);

/** What a search binds: the code, a {@link containing} pattern, the phone's digits pattern or null. */
interface Search {
  code: string;
  like: string;
  phoneLike: string | null;
}

/** Customers matching a search (by code, company, contact, e-mail or phone digits), first by company. */
const matchingCustomers = (p: Search) =>
  qb
    .selectFrom("Customer")
    .where((eb) =>
      eb.or([
        eb("code", "=", p.code),
        contains("company", p.like),
        contains("contactName", p.like),
        contains("email", p.like),
        eb("phone", "like", p.phoneLike),
      ]),
    )
    .orderBy("company", "asc")
    .limit(LIMIT);

const searchCustomers = statement<Search>((p) =>
  matchingCustomers(p).select(["id", "code", "company", "contactName", "phone", "email"]),
);

/** Tickets matching a search: by number, text, a transcript line (the 200 latest that match) or customer. */
const searchTickets = statement<Search>((p) =>
  ticketSummaries()
    .where((eb) =>
      eb.or([
        contains("t.number", p.like),
        contains("t.description", p.like),
        contains("t.resolution", p.like),
        eb(
          "t.id",
          "in",
          qb
            .selectFrom("Message")
            .select("ticketId")
            .where(contains("text", p.like))
            .where("ticketId", "is not", null)
            .orderBy("at", "desc")
            .limit(200),
        ),
        eb("t.customerId", "in", matchingCustomers(p).select("id")),
      ]),
    )
    .orderBy("t.createdAt", "desc")
    .limit(LIMIT),
);

/**
 * Customers and tickets matching `query`: a ticket number (exact or partial), a customer code,
 * company, contact, e-mail, phone (digits, any spacing) or a text in a ticket or its transcript.
 */
export async function searchSupport(db: SqlExecutor, query: string): Promise<SearchResult> {
  const q = query.trim().slice(0, 100);
  if (q.length < 2) return { customers: [], tickets: [] };
  const digits = q.replace(/\D/g, "");
  const like = containing(q);
  const search: Search = {
    code: q.toUpperCase(),
    like,
    phoneLike: digits.length >= 5 ? containing(digits) : null,
  };
  return onSql(db, async (tx) => {
    const customers = await tx.rows(searchCustomers.sql, ...searchCustomers.args(search));
    const tickets = await tx.rows(searchTickets.sql, ...searchTickets.args(search));
    return {
      customers: customers.map((c) => ({
        code: str(c.code),
        company: str(c.company),
        contactName: maybeStr(c.contactName),
        phone: maybeStr(c.phone),
        email: maybeStr(c.email),
      })),
      tickets: tickets.map(ticketSummary),
    };
  });
}

export interface CustomerHistory {
  code: string;
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
  language: string;
  plans: string[];
  salesRep: string | null;
  verified: boolean;
  createdAt: string;
  purchases: { item: string; purchasedOn: string; warrantyMonths: number }[];
  identities: { channel: string; externalId: string }[];
  tickets: TicketSummary[];
}

const historyCustomer = statement<{ code: string }>((p) =>
  qb
    .selectFrom("Customer")
    .select([...CUSTOMER, "createdAt"])
    .where("code", "=", p.code),
);
const purchasesByDate = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("HardwarePurchase")
    .select(["item", "purchasedOn", "warrantyMonths"])
    .where("customerId", "=", p.customerId)
    .orderBy("purchasedOn", "asc"),
);
const identitiesOf = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("ChannelIdentity")
    .select(["channel", "externalId"])
    .where("customerId", "=", p.customerId)
    .orderBy("id"),
);
/** A customer's tickets, newest first (the 500 latest). */
const ticketsOf = statement<{ customerId: string }>((p) =>
  ticketSummaries().where("t.customerId", "=", p.customerId).orderBy("t.createdAt", "desc").limit(500),
);

/** A customer's page: record, plans, purchases, identities and every ticket (newest first). */
export async function customerHistory(db: SqlExecutor, code: string): Promise<CustomerHistory | null> {
  return onSql(db, async (tx) => {
    const c = await tx.row(historyCustomer.sql, ...historyCustomer.args({ code: code.trim().toUpperCase() }));
    if (!c) return null;
    const customerId = str(c.id);
    const purchases = await tx.rows(purchasesByDate.sql, ...purchasesByDate.args({ customerId }));
    const identities = await tx.rows(identitiesOf.sql, ...identitiesOf.args({ customerId }));
    const tickets = await tx.rows(ticketsOf.sql, ...ticketsOf.args({ customerId }));
    return {
      code: str(c.code),
      company: str(c.company),
      contactName: maybeStr(c.contactName),
      phone: maybeStr(c.phone),
      email: maybeStr(c.email),
      language: str(c.language),
      plans: parseJson(stringArray, str(c.plans), []),
      salesRep: maybeStr(c.salesRep),
      verified: bool(c.verified),
      createdAt: date(c.createdAt).toISOString(),
      purchases: purchases.map(toPurchase),
      identities: identities.map((i) => ({ channel: str(i.channel), externalId: str(i.externalId) })),
      tickets: tickets.map(ticketSummary),
    };
  });
}

/** A purchase as the staff pages show and edit it. */
export type Purchase = { item: string; purchasedOn: string; warrantyMonths: number };

export function toPurchase(x: SqlRow): Purchase {
  return { item: str(x.item), purchasedOn: str(x.purchasedOn), warrantyMonths: num(x.warrantyMonths) };
}

/**
 * Look-ups of the staff board's history: search by ticket number, company, phone, e-mail or
 * text, a customer's page (record, plans, purchases, tickets), and admins' edits of plans and
 * purchases, audited as `customer.updated` events.
 */
import { type SqlBool, sql } from "kysely";
import { z } from "zod";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { isUniqueViolation } from "./databaseError.js";
import { newId } from "./ids.js";
import { parseJson, toJson } from "./json.js";
import { perShape, qb, statement } from "./schema/queryBuilder.js";
import { CUSTOMER, customerIdOfPhone, deletePurchases, insertPurchase, purchasesOf } from "./sqlCustomers.js";
import { containing } from "./sqlLike.js";
import { recordEvent } from "./sqlTickets.js";
import { bool, date, iso, maybeDate, maybeNum, maybeStr, num, type SqlRow, str } from "./sqlTx.js";

const stringArray = z.array(z.string());

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

type Purchase = { item: string; purchasedOn: string; warrantyMonths: number };

function toPurchase(x: SqlRow): Purchase {
  return { item: str(x.item), purchasedOn: str(x.purchasedOn), warrantyMonths: num(x.warrantyMonths) };
}

const contractOf = statement<{ code: string }>((p) =>
  qb.selectFrom("Customer").select(["id", "code", "plans"]).where("code", "=", p.code),
);
const updatePlans = statement<{ id: string; plans: string; updatedAt: string }>((p) =>
  qb.updateTable("Customer").set({ plans: p.plans, updatedAt: p.updatedAt }).where("id", "=", p.id),
);

/**
 * Replaces a customer's plans and/or purchases (already validated against the preset) and
 * records a `customer.updated` event with what changed and who changed it. False when the
 * customer does not exist.
 */
export async function updateCustomerContract(
  db: Database,
  code: string,
  change: { plans?: string[]; purchases?: Purchase[] },
  audit: { actor: string; at: Date },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const c = await tx.row(contractOf.sql, ...contractOf.args({ code: code.trim().toUpperCase() }));
    if (!c) return false;
    const id = str(c.id);
    const before = {
      plans: parseJson(stringArray, str(c.plans), []),
      purchases: (await tx.rows(purchasesOf.sql, ...purchasesOf.args({ customerId: id }))).map(toPurchase),
    };
    if (change.plans)
      await tx.write(
        updatePlans.sql,
        ...updatePlans.args({ id, plans: toJson(change.plans), updatedAt: iso(new Date()) }),
      );
    if (change.purchases) {
      await tx.write(deletePurchases.sql, ...deletePurchases.args({ customerId: id }));
      for (const x of change.purchases)
        await tx.write(
          insertPurchase.sql,
          ...insertPurchase.args({
            id: newId(),
            customerId: id,
            item: x.item,
            purchasedOn: x.purchasedOn,
            warrantyMonths: x.warrantyMonths,
          }),
        );
    }
    await recordEvent(tx, {
      ticketId: null,
      type: "customer.updated",
      actor: audit.actor,
      payload: toJson({
        customerId: id,
        code: str(c.code),
        before,
        after: { plans: change.plans ?? before.plans, purchases: change.purchases ?? before.purchases },
      }),
      at: audit.at,
    });
    return true;
  });
}

/** A change of a customer's contact details by staff (fields absent stay as they are). */
export interface ContactChange {
  company?: string;
  contactName?: string | null;
  /** E.164, already normalised. */
  phone?: string | null;
  /** Lower case, already checked. */
  email?: string | null;
  verified?: boolean;
}

const CONTACT_FIELDS = ["company", "contactName", "phone", "email", "verified"] as const;
type ContactField = (typeof CONTACT_FIELDS)[number];

const contactOf = statement<{ code: string }>((p) =>
  qb
    .selectFrom("Customer")
    .select(["id", "code", "company", "contactName", "phone", "email", "verified"])
    .where("code", "=", p.code),
);

/** The values of a contact UPDATE (verified as 1/0, as booleans are stored). */
type ContactUpdate = Required<Omit<ContactChange, "verified">> & {
  verified: number;
  id: string;
  updatedAt: string;
};

/** The UPDATE of these fields (and `updatedAt`), compiled on first use, one per set of fields. */
const contactUpdate = perShape(
  (fields: readonly ContactField[]) =>
    statement<ContactUpdate>((p) => {
      let q = qb.updateTable("Customer");
      for (const field of fields) q = q.set(field, p[field]);
      return q.set("updatedAt", p.updatedAt).where("id", "=", p.id);
    }),
  (fields) => fields.join(),
);

/**
 * Sets a customer's company, contact name, phone, e-mail and/or verified flag and records a
 * `customer.updated` event with the fields before and after and who changed them.
 * `phone-taken` when the number is another customer's (the phone recognises WhatsApp senders).
 */
export async function updateCustomerContact(
  db: Database,
  code: string,
  change: ContactChange,
  audit: { actor: string; at: Date },
): Promise<"updated" | "unknown-customer" | "phone-taken"> {
  try {
    return await db.transaction(async (tx) => {
      const row = await tx.row(contactOf.sql, ...contactOf.args({ code: code.trim().toUpperCase() }));
      if (!row) return "unknown-customer" as const;
      const id = str(row.id);
      if (change.phone) {
        const owner = await tx.row(customerIdOfPhone.sql, ...customerIdOfPhone.args({ phone: change.phone }));
        if (owner && owner.id !== id) return "phone-taken" as const;
      }
      const c: Required<ContactChange> = {
        company: str(row.company),
        contactName: maybeStr(row.contactName),
        phone: maybeStr(row.phone),
        email: maybeStr(row.email),
        verified: bool(row.verified),
      };
      const fields = CONTACT_FIELDS.filter((k) => change[k] !== undefined);
      const before = Object.fromEntries(fields.map((k) => [k, c[k]]));
      const after = Object.fromEntries(fields.map((k) => [k, change[k]]));
      const update = contactUpdate(fields);
      await tx.run(
        update.sql,
        ...update.args({
          id,
          company: change.company ?? c.company,
          contactName: change.contactName ?? null,
          phone: change.phone ?? null,
          email: change.email ?? null,
          verified: change.verified ? 1 : 0,
          updatedAt: iso(new Date()),
        }),
      );
      await recordEvent(tx, {
        ticketId: null,
        type: "customer.updated",
        actor: audit.actor,
        payload: toJson({ customerId: id, code: str(row.code), before, after }),
        at: audit.at,
      });
      return "updated" as const;
    });
  } catch (error) {
    // Another customer took the number between the check and the update.
    if (isUniqueViolation(error)) return "phone-taken";
    throw error;
  }
}

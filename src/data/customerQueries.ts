/**
 * Look-ups of the staff board's history: search by ticket number, company, phone, e-mail or
 * text, a customer's page (record, plans, purchases, tickets), and admins' edits of plans and
 * purchases, audited as `customer.updated` events.
 */
import { z } from "zod";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { isUniqueViolation } from "./databaseError.js";
import { newId } from "./ids.js";
import { parseJson, toJson } from "./json.js";
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
 * Case-insensitive "contains" on both providers (`?`: a {@link containing} pattern): on SQLite as
 * its `LIKE` (ASCII case folded), on PostgreSQL as `ILIKE`.
 */
const contains = (column: string): string => `lower(${column}) LIKE lower(?) ESCAPE '\\'`;

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

/** A ticket of a summary, with its customer's code and company. */
const TICKET_SUMMARY = `SELECT t."number", t."status", t."category", t."createdAt", t."closedAt", t."minutes", t."chargeGrossCents", t."description", c."code" AS "customerCode", c."company"
  FROM "Ticket" t JOIN "Customer" c ON c."id" = t."customerId"`;

/** Customers matching a search (binds: code, four patterns, the phone's digits pattern or null). */
const CUSTOMER_MATCH = `FROM "Customer" WHERE "code" = ? OR ${contains(`"company"`)} OR ${contains(`"contactName"`)} OR ${contains(`"email"`)} OR "phone" LIKE ?
  ORDER BY "company" ASC LIMIT ${LIMIT}`;

const SEARCH_CUSTOMERS = `SELECT "id", "code", "company", "contactName", "phone", "email" ${CUSTOMER_MATCH}`;

/** Tickets matching a search: by number, text, a transcript line (the 200 latest that match) or customer. */
const SEARCH_TICKETS = `${TICKET_SUMMARY}
  WHERE ${contains(`t."number"`)} OR ${contains(`t."description"`)} OR ${contains(`t."resolution"`)}
    OR t."id" IN (SELECT "ticketId" FROM "Message" WHERE ${contains(`"text"`)} AND "ticketId" IS NOT NULL ORDER BY "at" DESC LIMIT 200)
    OR t."customerId" IN (SELECT "id" ${CUSTOMER_MATCH})
  ORDER BY t."createdAt" DESC LIMIT ${LIMIT}`;

/**
 * Customers and tickets matching `query`: a ticket number (exact or partial), a customer code,
 * company, contact, e-mail, phone (digits, any spacing) or a text in a ticket or its transcript.
 */
export async function searchSupport(db: SqlExecutor, query: string): Promise<SearchResult> {
  const q = query.trim().slice(0, 100);
  if (q.length < 2) return { customers: [], tickets: [] };
  const digits = q.replace(/\D/g, "");
  const like = containing(q);
  const customerArgs = [q.toUpperCase(), like, like, like, digits.length >= 5 ? containing(digits) : null];
  return onSql(db, async (tx) => {
    const customers = await tx.rows(SEARCH_CUSTOMERS, ...customerArgs);
    const tickets = await tx.rows(SEARCH_TICKETS, like, like, like, like, ...customerArgs);
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

/** A customer's page: record, plans, purchases, identities and every ticket (newest first). */
export async function customerHistory(db: SqlExecutor, code: string): Promise<CustomerHistory | null> {
  return onSql(db, async (tx) => {
    const c = await tx.row(
      `SELECT "id", "code", "company", "contactName", "phone", "email", "language", "plans", "salesRep", "verified", "createdAt"
       FROM "Customer" WHERE "code" = ?`,
      code.trim().toUpperCase(),
    );
    if (!c) return null;
    const purchases = await tx.rows(
      `SELECT "item", "purchasedOn", "warrantyMonths" FROM "HardwarePurchase" WHERE "customerId" = ? ORDER BY "purchasedOn" ASC`,
      str(c.id),
    );
    const identities = await tx.rows(
      `SELECT "channel", "externalId" FROM "ChannelIdentity" WHERE "customerId" = ? ORDER BY "id"`,
      str(c.id),
    );
    const tickets = await tx.rows(
      `${TICKET_SUMMARY} WHERE t."customerId" = ? ORDER BY t."createdAt" DESC LIMIT 500`,
      str(c.id),
    );
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
    const c = await tx.row(
      `SELECT "id", "code", "plans" FROM "Customer" WHERE "code" = ?`,
      code.trim().toUpperCase(),
    );
    if (!c) return false;
    const id = str(c.id);
    const before = {
      plans: parseJson(stringArray, str(c.plans), []),
      purchases: (
        await tx.rows(
          `SELECT "item", "purchasedOn", "warrantyMonths" FROM "HardwarePurchase" WHERE "customerId" = ? ORDER BY "id"`,
          id,
        )
      ).map(toPurchase),
    };
    if (change.plans)
      await tx.write(
        `UPDATE "Customer" SET "plans" = ?, "updatedAt" = ? WHERE "id" = ?`,
        toJson(change.plans),
        iso(new Date()),
        id,
      );
    if (change.purchases) {
      await tx.write(`DELETE FROM "HardwarePurchase" WHERE "customerId" = ?`, id);
      for (const x of change.purchases)
        await tx.write(
          `INSERT INTO "HardwarePurchase" ("id", "customerId", "item", "purchasedOn", "warrantyMonths") VALUES (?, ?, ?, ?, ?)`,
          newId(),
          id,
          x.item,
          x.purchasedOn,
          x.warrantyMonths,
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
      const row = await tx.row(
        `SELECT "id", "code", "company", "contactName", "phone", "email", "verified" FROM "Customer" WHERE "code" = ?`,
        code.trim().toUpperCase(),
      );
      if (!row) return "unknown-customer" as const;
      const id = str(row.id);
      if (change.phone) {
        const owner = await tx.row(`SELECT "id" FROM "Customer" WHERE "phone" = ?`, change.phone);
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
      await tx.run(
        `UPDATE "Customer" SET ${fields.map((k) => `"${k}" = ?, `).join("")}"updatedAt" = ? WHERE "id" = ?`,
        ...fields.map((k) => (k === "verified" ? (change.verified ? 1 : 0) : (change[k] as string | null))),
        iso(new Date()),
        id,
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

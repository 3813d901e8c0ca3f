/**
 * Customers and how they are recognised on each channel, in SQL over {@link SqlTx} (the
 * statements are in `sqlCustomers.ts`). Given the database instead of a transaction, a function
 * runs on a session connection.
 */

import { randomBytes } from "node:crypto";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { qb, statement } from "./schema/queryBuilder.js";
import * as sql from "./sqlCustomers.js";
import { iso, type SqlTx } from "./sqlTx.js";

// ---------------------------------------------------------------------------------------------
// Customers

export interface CustomerRecord {
  id: string;
  code: string;
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
  language: string;
  plans: string[];
  verified: boolean;
  salesRep: string | null;
  purchases: { item: string; purchasedOn: string; warrantyMonths: number }[];
}

/**
 * The customer behind a channel identity, else the one with the sender's `phone` number (a
 * WhatsApp sender, a caller), else the one with the sender's `email` address, whatever its case;
 * a customer found by number or address gets the identity linked.
 */
export async function findCustomerForSender(
  on: SqlExecutor,
  channel: string,
  senderId: string,
  phone: string | null,
  email: string | null = null,
): Promise<CustomerRecord | null> {
  return onSql(on, async (tx) => {
    const found = await sql.findCustomerForSender(tx, channel, senderId, phone);
    if (found || email === null) return found;
    const byEmail = await findCustomerByEmail(tx, email);
    if (byEmail) await sql.linkIdentity(tx, byEmail.id, channel, senderId);
    return byEmail;
  });
}

/**
 * The customer of a sender who has no channel identity yet: the one with the sender's `phone`
 * number, else the one with the sender's `email` address; the identity is then linked to them.
 */
export async function customerOfNewSender(
  tx: SqlTx,
  channel: string,
  senderId: string,
  phone: string | null,
  email: string | null,
): Promise<CustomerRecord | null> {
  const byPhone = phone ? await sql.customerOfPhoneLinked(tx, channel, senderId, phone) : null;
  if (byPhone || email === null) return byPhone;
  const byEmail = await findCustomerByEmail(tx, email);
  if (byEmail) await sql.linkIdentity(tx, byEmail.id, channel, senderId);
  return byEmail;
}

/** The customer with this e-mail address (case-insensitive), the oldest when several share it. */
export async function findCustomerByEmail(on: SqlExecutor, email: string): Promise<CustomerRecord | null> {
  const address = email.trim().toLowerCase();
  if (!address) return null;
  return onSql(on, async (tx) => {
    const id = await sql.customerIdByEmail(tx, address);
    return id ? sql.getCustomer(tx, id) : null;
  });
}

/** The id of the customer with this phone number (E.164), or null. */
export async function customerIdByPhone(on: SqlExecutor, phone: string): Promise<string | null> {
  return onSql(on, (tx) => sql.customerIdByPhone(tx, phone));
}

export async function findCustomerByCode(on: SqlExecutor, code: string): Promise<CustomerRecord | null> {
  return onSql(on, (tx) => sql.findCustomerByCode(tx, code));
}

export async function linkIdentity(
  on: SqlExecutor,
  customerId: string,
  channel: string,
  externalId: string,
): Promise<void> {
  return onSql(on, (tx) => sql.linkIdentity(tx, customerId, channel, externalId));
}

export function newCustomerCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join("");
}

export interface NewCustomer {
  company: string;
  contactName?: string | null;
  phone?: string | null;
  email?: string | null;
  language: string;
  plans?: string[];
  verified: boolean;
  salesRep?: string | null;
  purchases?: { item: string; purchasedOn: string; warrantyMonths: number }[];
}

/** Signs up a customer (with a new code, and their purchases): in a transaction, so all or none. */
export async function createCustomer(tx: SqlTx, data: NewCustomer): Promise<CustomerRecord> {
  return sql.createCustomer(tx, newCustomerCode(), data);
}

/** A verified customer of a bulk sign-up (verified bound as 1, as booleans are stored). */
const insertSignedUp = statement<{
  id: string;
  code: string;
  company: string;
  phone: string | null;
  language: string;
  plans: string;
  now: string;
}>((p) =>
  qb.insertInto("Customer").values({
    id: p.id,
    code: p.code,
    company: p.company,
    phone: p.phone,
    language: p.language,
    plans: p.plans,
    verified: 1,
    createdAt: p.now,
    updatedAt: p.now,
  }),
);

/** Many customers at once, with the codes given (bulk sign-up: benches), in one transaction. */
export async function createCustomers(
  db: Database,
  rows: { code: string; company: string; phone: string | null; language: string; plans: string[] }[],
): Promise<void> {
  const now = iso(new Date());
  await db.transaction(async (tx) => {
    for (const r of rows)
      await tx.write(
        insertSignedUp.sql,
        ...insertSignedUp.args({
          id: newId(),
          code: r.code,
          company: r.company,
          phone: r.phone,
          language: r.language,
          plans: JSON.stringify(r.plans),
          now,
        }),
      );
  });
}

export async function setCustomerLanguage(
  on: SqlExecutor,
  customerId: string,
  language: string,
): Promise<void> {
  return onSql(on, (tx) => sql.setCustomerLanguage(tx, customerId, language));
}

export async function getCustomer(on: SqlExecutor, id: string): Promise<CustomerRecord | null> {
  return onSql(on, (tx) => sql.getCustomer(tx, id));
}

/**
 * Customers and how they are recognised on each channel, over Prisma or the hot path's
 * {@link SqlTx} (whose SQL is in `sqlCustomers.ts`).
 */

import { randomBytes } from "node:crypto";
import { z } from "zod";
import { clientOf, type Database, type Executor } from "./database.js";
import { parseJson, toJson } from "./json.js";
import * as sql from "./sqlCustomers.js";
import { SqlTx } from "./sqlTx.js";

const stringArray = z.array(z.string());

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

const customerInclude = { purchases: true } as const;

/** A customer row as Prisma reads it: the record's fields, with the plans still as stored JSON. */
type CustomerRow = Omit<CustomerRecord, "plans"> & { plans: string };

function toCustomerRecord(row: CustomerRow): CustomerRecord {
  return {
    id: row.id,
    code: row.code,
    company: row.company,
    contactName: row.contactName,
    phone: row.phone,
    email: row.email,
    language: row.language,
    plans: parseJson(stringArray, row.plans, []),
    verified: row.verified,
    salesRep: row.salesRep,
    purchases: row.purchases.map((p) => ({
      item: p.item,
      purchasedOn: p.purchasedOn,
      warrantyMonths: p.warrantyMonths,
    })),
  };
}

/**
 * The customer behind a channel identity, else the one with the sender's `phone` number (a
 * WhatsApp sender, a caller), else the one with the sender's `email` address, whatever its case;
 * a customer found by number or address gets the identity linked.
 */
export async function findCustomerForSender(
  on: Executor,
  channel: string,
  senderId: string,
  phone: string | null,
  email: string | null = null,
): Promise<CustomerRecord | null> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) {
    const found = await sql.findCustomerForSender(tx, channel, senderId, phone);
    if (found || email === null) return found;
    const byEmail = await findCustomerByEmail(tx, email);
    if (byEmail) await sql.linkIdentity(tx, byEmail.id, channel, senderId);
    return byEmail;
  }
  const identity = await tx.channelIdentity.findUnique({
    where: { channel_externalId: { channel, externalId: senderId } },
    include: { customer: { include: customerInclude } },
  });
  if (identity) return toCustomerRecord(identity.customer);
  if (phone) {
    const byPhone = await tx.customer.findUnique({ where: { phone }, include: customerInclude });
    if (byPhone) {
      await tx.channelIdentity.create({ data: { channel, externalId: senderId, customerId: byPhone.id } });
      return toCustomerRecord(byPhone);
    }
  }
  if (email !== null) {
    const byEmail = await findCustomerByEmail(tx, email);
    if (byEmail) {
      await tx.channelIdentity.create({ data: { channel, externalId: senderId, customerId: byEmail.id } });
      return byEmail;
    }
  }
  return null;
}

/** The customer with this e-mail address (case-insensitive), the oldest when several share it. */
export async function findCustomerByEmail(on: Executor, email: string): Promise<CustomerRecord | null> {
  const tx = clientOf(on);
  const address = email.trim().toLowerCase();
  if (!address) return null;
  const id =
    tx instanceof SqlTx
      ? await sql.customerIdByEmail(tx, address)
      : (await tx.$queryRawUnsafe<{ id: string }[]>(sql.CUSTOMER_ID_BY_EMAIL.replace("?", "$1"), address))[0]
          ?.id;
  return id ? getCustomer(tx, id) : null;
}

/** The id of the customer with this phone number (E.164), or null. */
export async function customerIdByPhone(on: Executor, phone: string): Promise<string | null> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.customerIdByPhone(tx, phone);
  return (await tx.customer.findUnique({ where: { phone }, select: { id: true } }))?.id ?? null;
}

export async function findCustomerByCode(on: Executor, code: string): Promise<CustomerRecord | null> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.findCustomerByCode(tx, code);
  const row = await tx.customer.findUnique({ where: { code: code.toUpperCase() }, include: customerInclude });
  return row ? toCustomerRecord(row) : null;
}

export async function linkIdentity(
  on: Executor,
  customerId: string,
  channel: string,
  externalId: string,
): Promise<void> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.linkIdentity(tx, customerId, channel, externalId);
  await tx.channelIdentity.upsert({
    where: { channel_externalId: { channel, externalId } },
    create: { channel, externalId, customerId },
    update: { customerId },
  });
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

export async function createCustomer(on: Executor, data: NewCustomer): Promise<CustomerRecord> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.createCustomer(tx, newCustomerCode(), data);
  const row = await tx.customer.create({
    data: {
      code: newCustomerCode(),
      company: data.company,
      contactName: data.contactName ?? null,
      phone: data.phone ?? null,
      email: data.email ?? null,
      language: data.language,
      plans: toJson(data.plans ?? []),
      verified: data.verified,
      salesRep: data.salesRep ?? null,
      purchases: { create: data.purchases ?? [] },
    },
    include: customerInclude,
  });
  return toCustomerRecord(row);
}

/** Many customers at once, with the codes given (bulk sign-up: benches, seeders). */
export async function createCustomers(
  db: Database,
  rows: { code: string; company: string; phone: string | null; language: string; plans: string[] }[],
): Promise<void> {
  await db.prisma.customer.createMany({ data: rows.map((r) => ({ ...r, plans: toJson(r.plans) })) });
}

export async function setCustomerLanguage(on: Executor, customerId: string, language: string): Promise<void> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.setCustomerLanguage(tx, customerId, language);
  await tx.customer.update({ where: { id: customerId }, data: { language } });
}

export async function getCustomer(on: Executor, id: string): Promise<CustomerRecord | null> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.getCustomer(tx, id);
  const row = await tx.customer.findUnique({ where: { id }, include: customerInclude });
  return row ? toCustomerRecord(row) : null;
}

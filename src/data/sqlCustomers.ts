/**
 * The hot path's SQL for customers and technicians, written once for SQLite and PostgreSQL (see
 * {@link SqlTx}); values stored exactly as Prisma stores them.
 */

import type { CustomerRecord, NewCustomer } from "./customerStore.js";
import { newId } from "./ids.js";
import { bool, iso, maybeStr, num, type SqlRow, type SqlTx, str } from "./sqlTx.js";
import type { TechnicianRecord } from "./technicianStore.js";

// ---------------------------------------------------------------------------------------------
// Customers

function parsePlans(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : [];
  } catch {
    return [];
  }
}

async function toCustomer(tx: SqlTx, r: SqlRow): Promise<CustomerRecord> {
  const purchases = await tx.rows(
    `SELECT "item", "purchasedOn", "warrantyMonths" FROM "HardwarePurchase" WHERE "customerId" = ? ORDER BY "id"`,
    str(r.id),
  );
  return withPurchases(r, purchases);
}

/** A customer record from its row and its purchase rows (rows without an item are skipped). */
function withPurchases(r: SqlRow, purchases: SqlRow[]): CustomerRecord {
  return {
    id: str(r.id),
    code: str(r.code),
    company: str(r.company),
    contactName: maybeStr(r.contactName),
    phone: maybeStr(r.phone),
    email: maybeStr(r.email),
    language: str(r.language),
    plans: parsePlans(str(r.plans)),
    verified: bool(r.verified),
    salesRep: maybeStr(r.salesRep),
    purchases: purchases
      .filter((p) => p.item !== null && p.item !== undefined)
      .map((p) => ({
        item: str(p.item),
        purchasedOn: str(p.purchasedOn),
        warrantyMonths: num(p.warrantyMonths),
      })),
  };
}

const CUSTOMER = `SELECT "id", "code", "company", "contactName", "phone", "email", "language", "plans", "verified", "salesRep" FROM "Customer"`;

export async function getCustomer(tx: SqlTx, id: string): Promise<CustomerRecord | null> {
  const r = await tx.row(`${CUSTOMER} WHERE "id" = ?`, id);
  return r ? toCustomer(tx, r) : null;
}

export async function findCustomerForSender(
  tx: SqlTx,
  channel: string,
  senderId: string,
  phone: string | null,
): Promise<CustomerRecord | null> {
  // The lookup every inbound message makes: identity, customer and purchases in one statement
  // (one row per purchase, or one row with no item).
  const known = await tx.rows(
    `SELECT c."id", c."code", c."company", c."contactName", c."phone", c."email", c."language", c."plans", c."verified", c."salesRep",
            p."item", p."purchasedOn", p."warrantyMonths"
     FROM "ChannelIdentity" i JOIN "Customer" c ON c."id" = i."customerId"
     LEFT JOIN "HardwarePurchase" p ON p."customerId" = c."id"
     WHERE i."channel" = ? AND i."externalId" = ? ORDER BY p."id"`,
    channel,
    senderId,
  );
  if (known[0]) return withPurchases(known[0], known);
  if (!phone) return null;
  const byPhone = await tx.row(`${CUSTOMER} WHERE "phone" = ?`, phone);
  if (!byPhone) return null;
  await tx.write(
    `INSERT INTO "ChannelIdentity" ("id", "channel", "externalId", "customerId", "createdAt") VALUES (?, ?, ?, ?, ?)`,
    newId(),
    channel,
    senderId,
    str(byPhone.id),
    iso(new Date()),
  );
  return toCustomer(tx, byPhone);
}

export async function customerIdByPhone(tx: SqlTx, phone: string): Promise<string | null> {
  const r = await tx.row(`SELECT "id" FROM "Customer" WHERE "phone" = ?`, phone);
  return r ? str(r.id) : null;
}

export async function findCustomerByCode(tx: SqlTx, code: string): Promise<CustomerRecord | null> {
  const r = await tx.row(`${CUSTOMER} WHERE "code" = ?`, code.toUpperCase());
  return r ? toCustomer(tx, r) : null;
}

/** The oldest customer with an e-mail address (bound in lower case), whatever the stored case. */
export const CUSTOMER_ID_BY_EMAIL = `SELECT "id" FROM "Customer" WHERE lower("email") = ? ORDER BY "createdAt" ASC LIMIT 1`;

export async function customerIdByEmail(tx: SqlTx, address: string): Promise<string | null> {
  const r = await tx.row(CUSTOMER_ID_BY_EMAIL, address);
  return r ? str(r.id) : null;
}

export async function linkIdentity(
  tx: SqlTx,
  customerId: string,
  channel: string,
  externalId: string,
): Promise<void> {
  await tx.write(
    `INSERT INTO "ChannelIdentity" ("id", "channel", "externalId", "customerId", "createdAt") VALUES (?, ?, ?, ?, ?)
     ON CONFLICT ("channel", "externalId") DO UPDATE SET "customerId" = excluded."customerId"`,
    newId(),
    channel,
    externalId,
    customerId,
    iso(new Date()),
  );
}

export async function createCustomer(tx: SqlTx, code: string, data: NewCustomer): Promise<CustomerRecord> {
  const id = newId();
  const now = iso(new Date());
  await tx.write(
    `INSERT INTO "Customer" ("id", "code", "company", "contactName", "phone", "email", "language", "plans", "salesRep", "verified", "createdAt", "updatedAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    code,
    data.company,
    data.contactName ?? null,
    data.phone ?? null,
    data.email ?? null,
    data.language,
    JSON.stringify(data.plans ?? []),
    data.salesRep ?? null,
    data.verified ? 1 : 0,
    now,
    now,
  );
  for (const p of data.purchases ?? []) {
    await tx.write(
      `INSERT INTO "HardwarePurchase" ("id", "customerId", "item", "purchasedOn", "warrantyMonths") VALUES (?, ?, ?, ?, ?)`,
      newId(),
      id,
      p.item,
      p.purchasedOn,
      p.warrantyMonths,
    );
  }
  return (await getCustomer(tx, id))!;
}

export async function setCustomerLanguage(tx: SqlTx, customerId: string, language: string): Promise<void> {
  await tx.write(
    `UPDATE "Customer" SET "language" = ?, "updatedAt" = ? WHERE "id" = ?`,
    language,
    iso(new Date()),
    customerId,
  );
}

// ---------------------------------------------------------------------------------------------
// Technicians

/** A technician (active or not) from a row with its id, name and phone, and their desk identities. */
export async function toTechnician(tx: SqlTx, r: SqlRow): Promise<TechnicianRecord> {
  const id = str(r.id);
  const identities = await tx.rows(
    `SELECT "desk", "externalId" FROM "TechnicianIdentity" WHERE "technicianId" = ? AND "desk" <> 'board'`,
    id,
  );
  return {
    id,
    name: str(r.name),
    phone: maybeStr(r.phone),
    identities: Object.fromEntries(identities.map((i) => [str(i.desk), str(i.externalId)])),
  };
}

export async function findTechnician(
  tx: SqlTx,
  by: { id: string } | { name: string } | { desk: string; externalId: string },
): Promise<TechnicianRecord | null> {
  const r =
    "desk" in by
      ? await tx.row(
          `SELECT t."id", t."name", t."phone" FROM "Technician" t JOIN "TechnicianIdentity" i ON i."technicianId" = t."id"
           WHERE i."desk" = ? AND i."externalId" = ? AND t."active" = TRUE LIMIT 1`,
          by.desk,
          by.externalId,
        )
      : await tx.row(
          `SELECT "id", "name", "phone" FROM "Technician" WHERE "${"id" in by ? "id" : "name"}" = ? AND "active" = TRUE LIMIT 1`,
          "id" in by ? by.id : by.name,
        );
  return r ? toTechnician(tx, r) : null;
}

export async function onCallAt(tx: SqlTx, at: Date): Promise<TechnicianRecord | null> {
  const r = await tx.row(
    `SELECT t."id", t."name", t."phone" FROM "OnCallShift" s JOIN "Technician" t ON t."id" = s."technicianId"
     WHERE s."startsAt" <= ? AND s."endsAt" > ? AND t."active" = TRUE ORDER BY s."startsAt" DESC LIMIT 1`,
    iso(at),
    iso(at),
  );
  return r ? toTechnician(tx, r) : null;
}

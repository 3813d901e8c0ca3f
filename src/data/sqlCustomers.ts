/**
 * The hot path's SQL for customers and technicians, written once for SQLite and PostgreSQL (see
 * {@link SqlTx}); values stored exactly as Prisma stores them.
 */

import type { CustomerRecord, NewCustomer } from "./customerStore.js";
import { newId } from "./ids.js";
import { qb, statement } from "./schema/queryBuilder.js";
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

/** A customer's purchases, in the order they were recorded. */
export const purchasesOf = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("HardwarePurchase")
    .select(["item", "purchasedOn", "warrantyMonths"])
    .where("customerId", "=", p.customerId)
    .orderBy("id"),
);

async function toCustomer(tx: SqlTx, r: SqlRow): Promise<CustomerRecord> {
  const purchases = await tx.rows(purchasesOf.sql, ...purchasesOf.args({ customerId: str(r.id) }));
  return withPurchases(r, purchases);
}

/** A customer record from its row and its purchase rows (rows without an item are skipped). */
export function withPurchases(r: SqlRow, purchases: SqlRow[]): CustomerRecord {
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

/** The columns of a customer record (its purchases apart). */
export const CUSTOMER = [
  "id",
  "code",
  "company",
  "contactName",
  "phone",
  "email",
  "language",
  "plans",
  "verified",
  "salesRep",
] as const;

const customerById = statement<{ id: string }>((p) =>
  qb.selectFrom("Customer").select(CUSTOMER).where("id", "=", p.id),
);
const customerByPhone = statement<{ phone: string }>((p) =>
  qb.selectFrom("Customer").select(CUSTOMER).where("phone", "=", p.phone),
);
const customerByCode = statement<{ code: string }>((p) =>
  qb.selectFrom("Customer").select(CUSTOMER).where("code", "=", p.code),
);
/** Identity, customer and purchases in one statement (one row per purchase, or one row with no item). */
const customerOfIdentity = statement<{ channel: string; externalId: string }>((p) =>
  qb
    .selectFrom("ChannelIdentity as i")
    .innerJoin("Customer as c", "c.id", "i.customerId")
    .leftJoin("HardwarePurchase as p", "p.customerId", "c.id")
    .select([
      ...CUSTOMER.map((column) => `c.${column}` as const),
      "p.item",
      "p.purchasedOn",
      "p.warrantyMonths",
    ])
    .where("i.channel", "=", p.channel)
    .where("i.externalId", "=", p.externalId)
    .orderBy("p.id"),
);
/** A new channel identity of a customer. */
export const insertIdentity = statement<{
  id: string;
  channel: string;
  externalId: string;
  customerId: string;
  createdAt: string;
}>((p) =>
  qb.insertInto("ChannelIdentity").values({
    id: p.id,
    channel: p.channel,
    externalId: p.externalId,
    customerId: p.customerId,
    createdAt: p.createdAt,
  }),
);
/** {@link insertIdentity}, or the identity moved to the customer when it is someone else's. */
const upsertIdentity = statement<{
  id: string;
  channel: string;
  externalId: string;
  customerId: string;
  createdAt: string;
}>((p) =>
  qb
    .insertInto("ChannelIdentity")
    .values({
      id: p.id,
      channel: p.channel,
      externalId: p.externalId,
      customerId: p.customerId,
      createdAt: p.createdAt,
    })
    .onConflict((oc) =>
      oc
        .columns(["channel", "externalId"])
        .doUpdateSet({ customerId: (eb) => eb.ref("excluded.customerId") }),
    ),
);
/** The id of the customer with a phone number (E.164). */
export const customerIdOfPhone = statement<{ phone: string }>((p) =>
  qb.selectFrom("Customer").select("id").where("phone", "=", p.phone),
);

export async function getCustomer(tx: SqlTx, id: string): Promise<CustomerRecord | null> {
  const r = await tx.row(customerById.sql, ...customerById.args({ id }));
  return r ? toCustomer(tx, r) : null;
}

export async function findCustomerForSender(
  tx: SqlTx,
  channel: string,
  senderId: string,
  phone: string | null,
): Promise<CustomerRecord | null> {
  // Identity, customer and purchases in one statement (one row per purchase, or one row with no item).
  const known = await tx.rows(
    customerOfIdentity.sql,
    ...customerOfIdentity.args({ channel, externalId: senderId }),
  );
  if (known[0]) return withPurchases(known[0], known);
  return phone ? customerOfPhoneLinked(tx, channel, senderId, phone) : null;
}

/**
 * The customer with the sender's phone number (a WhatsApp sender, a caller), the sender's identity
 * then linked to them; null when no customer has it.
 */
export async function customerOfPhoneLinked(
  tx: SqlTx,
  channel: string,
  senderId: string,
  phone: string,
): Promise<CustomerRecord | null> {
  const byPhone = await tx.row(customerByPhone.sql, ...customerByPhone.args({ phone }));
  if (!byPhone) return null;
  await tx.write(
    insertIdentity.sql,
    ...insertIdentity.args({
      id: newId(),
      channel,
      externalId: senderId,
      customerId: str(byPhone.id),
      createdAt: iso(new Date()),
    }),
  );
  return toCustomer(tx, byPhone);
}

export async function customerIdByPhone(tx: SqlTx, phone: string): Promise<string | null> {
  const r = await tx.row(customerIdOfPhone.sql, ...customerIdOfPhone.args({ phone }));
  return r ? str(r.id) : null;
}

export async function findCustomerByCode(tx: SqlTx, code: string): Promise<CustomerRecord | null> {
  const r = await tx.row(customerByCode.sql, ...customerByCode.args({ code: code.toUpperCase() }));
  return r ? toCustomer(tx, r) : null;
}

/** The oldest customer with an e-mail address (bound in lower case), whatever the stored case. */
const customerIdOfEmail = statement<{ address: string }>((p) =>
  qb
    .selectFrom("Customer")
    .select("id")
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", p.address))
    .orderBy("createdAt", "asc")
    .limit(1),
);

export async function customerIdByEmail(tx: SqlTx, address: string): Promise<string | null> {
  const r = await tx.row(customerIdOfEmail.sql, ...customerIdOfEmail.args({ address }));
  return r ? str(r.id) : null;
}

export async function linkIdentity(
  tx: SqlTx,
  customerId: string,
  channel: string,
  externalId: string,
): Promise<void> {
  await tx.write(
    upsertIdentity.sql,
    ...upsertIdentity.args({ id: newId(), channel, externalId, customerId, createdAt: iso(new Date()) }),
  );
}

const insertCustomer = statement<{
  id: string;
  code: string;
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
  language: string;
  plans: string;
  salesRep: string | null;
  verified: number;
  now: string;
}>((p) =>
  qb.insertInto("Customer").values({
    id: p.id,
    code: p.code,
    company: p.company,
    contactName: p.contactName,
    phone: p.phone,
    email: p.email,
    language: p.language,
    plans: p.plans,
    salesRep: p.salesRep,
    verified: p.verified,
    createdAt: p.now,
    updatedAt: p.now,
  }),
);
/** A hardware purchase of a customer. */
export const insertPurchase = statement<{
  id: string;
  customerId: string;
  item: string;
  purchasedOn: string;
  warrantyMonths: number;
}>((p) =>
  qb.insertInto("HardwarePurchase").values({
    id: p.id,
    customerId: p.customerId,
    item: p.item,
    purchasedOn: p.purchasedOn,
    warrantyMonths: p.warrantyMonths,
  }),
);
/** Every purchase of a customer, removed (before the list is written anew, or on erasure). */
export const deletePurchases = statement<{ customerId: string }>((p) =>
  qb.deleteFrom("HardwarePurchase").where("customerId", "=", p.customerId),
);
const updateLanguage = statement<{ id: string; language: string; updatedAt: string }>((p) =>
  qb.updateTable("Customer").set({ language: p.language, updatedAt: p.updatedAt }).where("id", "=", p.id),
);

export async function createCustomer(tx: SqlTx, code: string, data: NewCustomer): Promise<CustomerRecord> {
  const id = newId();
  const now = iso(new Date());
  await tx.write(
    insertCustomer.sql,
    ...insertCustomer.args({
      id,
      code,
      company: data.company,
      contactName: data.contactName ?? null,
      phone: data.phone ?? null,
      email: data.email ?? null,
      language: data.language,
      plans: JSON.stringify(data.plans ?? []),
      salesRep: data.salesRep ?? null,
      verified: data.verified ? 1 : 0,
      now,
    }),
  );
  for (const p of data.purchases ?? []) {
    await tx.write(
      insertPurchase.sql,
      ...insertPurchase.args({
        id: newId(),
        customerId: id,
        item: p.item,
        purchasedOn: p.purchasedOn,
        warrantyMonths: p.warrantyMonths,
      }),
    );
  }
  return (await getCustomer(tx, id))!;
}

export async function setCustomerLanguage(tx: SqlTx, customerId: string, language: string): Promise<void> {
  await tx.write(
    updateLanguage.sql,
    ...updateLanguage.args({ id: customerId, language, updatedAt: iso(new Date()) }),
  );
}

// ---------------------------------------------------------------------------------------------
// Technicians

const deskIdentities = statement<{ technicianId: string }>((p) =>
  qb
    .selectFrom("TechnicianIdentity")
    .select(["desk", "externalId"])
    .where("technicianId", "=", p.technicianId)
    .where("desk", "<>", "board"),
);
/** An active technician by a desk identity; booleans are bound as 1/0, as they are stored. */
const technicianOnDesk = statement<{ desk: string; externalId: string }>((p) =>
  qb
    .selectFrom("Technician as t")
    .innerJoin("TechnicianIdentity as i", "i.technicianId", "t.id")
    .select(["t.id", "t.name", "t.phone"])
    .where("i.desk", "=", p.desk)
    .where("i.externalId", "=", p.externalId)
    .where("t.active", "=", 1)
    .limit(1),
);
const technicianById = statement<{ id: string }>((p) =>
  qb
    .selectFrom("Technician")
    .select(["id", "name", "phone"])
    .where("id", "=", p.id)
    .where("active", "=", 1)
    .limit(1),
);
const technicianByName = statement<{ name: string }>((p) =>
  qb
    .selectFrom("Technician")
    .select(["id", "name", "phone"])
    .where("name", "=", p.name)
    .where("active", "=", 1)
    .limit(1),
);
/** The active technician of the latest shift running at `at`. */
const technicianOnCall = statement<{ at: string }>((p) =>
  qb
    .selectFrom("OnCallShift as s")
    .innerJoin("Technician as t", "t.id", "s.technicianId")
    .select(["t.id", "t.name", "t.phone"])
    .where("s.startsAt", "<=", p.at)
    .where("s.endsAt", ">", p.at)
    .where("t.active", "=", 1)
    .orderBy("s.startsAt", "desc")
    .limit(1),
);

/** A technician (active or not) from a row with its id, name and phone, and their desk identities. */
export async function toTechnician(tx: SqlTx, r: SqlRow): Promise<TechnicianRecord> {
  const id = str(r.id);
  const identities = await tx.rows(deskIdentities.sql, ...deskIdentities.args({ technicianId: id }));
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
      ? await tx.row(technicianOnDesk.sql, ...technicianOnDesk.args(by))
      : "id" in by
        ? await tx.row(technicianById.sql, ...technicianById.args({ id: by.id }))
        : await tx.row(technicianByName.sql, ...technicianByName.args({ name: by.name }));
  return r ? toTechnician(tx, r) : null;
}

export async function onCallAt(tx: SqlTx, at: Date): Promise<TechnicianRecord | null> {
  const r = await tx.row(technicianOnCall.sql, ...technicianOnCall.args({ at: iso(at) }));
  return r ? toTechnician(tx, r) : null;
}

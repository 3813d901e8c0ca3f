/**
 * Staff edits of a customer from the board: admins' changes of plans and purchases, and staff
 * changes of contact details and the verified mark, each audited as a `customer.updated` event.
 */

import { type Purchase, stringArray, toPurchase } from "./customerQueries.js";
import type { Database } from "./database.js";
import { isUniqueViolation } from "./databaseError.js";
import { newId } from "./ids.js";
import { parseJson, toJson } from "./json.js";
import { perShape, qb, statement } from "./schema/queryBuilder.js";
import { customerIdOfPhone, deletePurchases, insertPurchase, purchasesOf } from "./sqlCustomers.js";
import { recordEvent } from "./sqlTickets.js";
import { bool, iso, maybeStr, str } from "./sqlTx.js";

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

/**
 * Sales representatives (name, e-mail, phone; linked to customers) and one-time links (a rep's
 * authorize/decline, a customer's feedback form). Only a SHA-256 of a link's token is stored;
 * using a link is one conditional update, so it works once and only once, also under races.
 */

import { createHash, randomBytes } from "node:crypto";
import { onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { date, iso, maybeDate, maybeStr, type SqlTx, str } from "./sqlTx.js";

const repOf = (r: Record<string, unknown>): SalesRepRecord => ({
  id: r.id as string,
  name: r.name as string,
  email: (r.email as string | null) ?? null,
  phone: (r.phone as string | null) ?? null,
});

export interface SalesRepRecord {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
}

/** Creates or updates a rep, found by e-mail (else by exact name). */
export async function upsertSalesRep(
  tx: SqlTx,
  rep: { name: string; email?: string | null; phone?: string | null },
): Promise<SalesRepRecord> {
  const email = rep.email?.trim().toLowerCase() || null;
  const name = rep.name.trim();
  const existing = email
    ? await tx.row(`SELECT "id", "phone" FROM "SalesRep" WHERE "email" = ?`, email)
    : await tx.row(`SELECT "id", "phone" FROM "SalesRep" WHERE "name" = ? ORDER BY "createdAt", "id"`, name);
  const phone =
    rep.phone !== undefined ? rep.phone?.trim() || null : existing ? maybeStr(existing.phone) : null;
  if (existing) {
    const id = str(existing.id);
    await tx.write(
      `UPDATE "SalesRep" SET "name" = ?, "email" = ?, "phone" = ? WHERE "id" = ?`,
      name,
      email,
      phone,
      id,
    );
    return { id, name, email, phone };
  }
  const id = newId();
  await tx.write(
    `INSERT INTO "SalesRep" ("id", "name", "email", "phone", "createdAt") VALUES (?, ?, ?, ?, ?)`,
    id,
    name,
    email,
    phone,
    iso(new Date()),
  );
  return { id, name, email, phone };
}

/** Links a customer to a rep record (and keeps the rep's name on the customer). */
export async function linkCustomerToRep(tx: SqlTx, customerId: string, rep: SalesRepRecord): Promise<void> {
  await tx.write(
    `UPDATE "Customer" SET "salesRepId" = ?, "salesRep" = ?, "updatedAt" = ? WHERE "id" = ?`,
    rep.id,
    rep.name,
    iso(new Date()),
    customerId,
  );
}

/** The rep of a customer: the linked record, else a record with the customer's rep name. */
export async function salesRepForCustomer(
  on: SqlExecutor,
  customerId: string,
  namedRep: string | null,
): Promise<SalesRepRecord | null> {
  return onSql(on, async (tx) => {
    const c = await tx.row(`SELECT "salesRepId", "salesRep" FROM "Customer" WHERE "id" = ?`, customerId);
    if (c?.salesRepId) {
      const r = await tx.row(`SELECT * FROM "SalesRep" WHERE "id" = ?`, str(c.salesRepId));
      if (r) return repOf(r);
    }
    const name = (namedRep ?? maybeStr(c?.salesRep) ?? "").trim();
    if (!name) return null;
    const r = await tx.row(
      `SELECT * FROM "SalesRep" WHERE lower(trim("name")) = ? LIMIT 1`,
      name.toLowerCase(),
    );
    return r ? repOf(r) : null;
  });
}

export type LinkPurpose = "authorize" | "feedback";

export interface ActionTokenRecord {
  id: string;
  purpose: LinkPurpose;
  ticketId: string;
  recipient: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  outcome: string | null;
}

const hash = (token: string) => createHash("sha256").update(token).digest("hex");

/** Creates a one-time link token; returns the token (shown once, in the e-mail). */
export async function createActionToken(
  on: SqlExecutor,
  t: { purpose: LinkPurpose; ticketId: string; recipient: string | null; expiresAt: Date },
): Promise<string> {
  const token = randomBytes(24).toString("base64url");
  await onSql(on, (tx) =>
    tx.run(
      `INSERT INTO "ActionToken" ("id", "tokenHash", "purpose", "ticketId", "recipient", "expiresAt", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?)`,
      newId(),
      hash(token),
      t.purpose,
      t.ticketId,
      t.recipient,
      iso(t.expiresAt),
      iso(new Date()),
    ),
  );
  return token;
}

/** The token's record, or null for an unknown token. */
export async function findActionToken(on: SqlExecutor, token: string): Promise<ActionTokenRecord | null> {
  if (!/^[\w-]{16,64}$/.test(token)) return null;
  const r = await onSql(on, (tx) => tx.row(`SELECT * FROM "ActionToken" WHERE "tokenHash" = ?`, hash(token)));
  if (!r) return null;
  return {
    id: str(r.id),
    purpose: r.purpose as LinkPurpose,
    ticketId: str(r.ticketId),
    recipient: maybeStr(r.recipient),
    expiresAt: date(r.expiresAt),
    usedAt: maybeDate(r.usedAt),
    outcome: maybeStr(r.outcome),
  };
}

/** Marks the token used; false when it was already used (by a concurrent request too). */
export async function useActionToken(
  on: SqlExecutor,
  id: string,
  outcome: string,
  at: Date,
): Promise<boolean> {
  const changed = await onSql(on, (tx) =>
    tx.run(
      `UPDATE "ActionToken" SET "usedAt" = ?, "outcome" = ? WHERE "id" = ? AND "usedAt" IS NULL`,
      iso(at),
      outcome,
      id,
    ),
  );
  return changed === 1;
}

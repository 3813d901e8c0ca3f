/**
 * Sales representatives (name, e-mail, phone; linked to customers) and one-time links (a rep's
 * authorize/decline, a customer's feedback form). Only a SHA-256 of a link's token is stored;
 * using a link is one conditional update, so it works once and only once, also under races.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Prisma, Tx } from "./database.js";

type Client = Tx | Prisma;

export interface SalesRepRecord {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
}

/** Creates or updates a rep, found by e-mail (else by exact name). */
export async function upsertSalesRep(
  tx: Client,
  rep: { name: string; email?: string | null; phone?: string | null },
): Promise<SalesRepRecord> {
  const email = rep.email?.trim().toLowerCase() || null;
  const existing = email
    ? await tx.salesRep.findUnique({ where: { email } })
    : await tx.salesRep.findFirst({ where: { name: rep.name.trim() } });
  const data = {
    name: rep.name.trim(),
    email,
    ...(rep.phone !== undefined ? { phone: rep.phone?.trim() || null } : {}),
  };
  const row = existing
    ? await tx.salesRep.update({ where: { id: existing.id }, data })
    : await tx.salesRep.create({ data });
  return { id: row.id, name: row.name, email: row.email, phone: row.phone };
}

/** Links a customer to a rep record (and keeps the rep's name on the customer). */
export async function linkCustomerToRep(tx: Client, customerId: string, rep: SalesRepRecord): Promise<void> {
  await tx.customer.update({ where: { id: customerId }, data: { salesRepId: rep.id, salesRep: rep.name } });
}

/** The rep of a customer: the linked record, else a record with the customer's rep name. */
export async function salesRepForCustomer(
  tx: Client,
  customerId: string,
  namedRep: string | null,
): Promise<SalesRepRecord | null> {
  const customer = await tx.customer.findUnique({
    where: { id: customerId },
    select: { salesRepId: true, salesRep: true },
  });
  if (customer?.salesRepId) {
    const row = await tx.salesRep.findUnique({ where: { id: customer.salesRepId } });
    if (row) return { id: row.id, name: row.name, email: row.email, phone: row.phone };
  }
  const name = (namedRep ?? customer?.salesRep ?? "").trim();
  if (!name) return null;
  const reps = await tx.salesRep.findMany({ take: 500 });
  const row = reps.find((r) => r.name.trim().toLowerCase() === name.toLowerCase());
  return row ? { id: row.id, name: row.name, email: row.email, phone: row.phone } : null;
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
  tx: Client,
  t: { purpose: LinkPurpose; ticketId: string; recipient: string | null; expiresAt: Date },
): Promise<string> {
  const token = randomBytes(24).toString("base64url");
  await tx.actionToken.create({
    data: {
      tokenHash: hash(token),
      purpose: t.purpose,
      ticketId: t.ticketId,
      recipient: t.recipient,
      expiresAt: t.expiresAt,
    },
  });
  return token;
}

/** The token's record, or null for an unknown token. */
export async function findActionToken(tx: Client, token: string): Promise<ActionTokenRecord | null> {
  if (!/^[\w-]{16,64}$/.test(token)) return null;
  const row = await tx.actionToken.findUnique({ where: { tokenHash: hash(token) } });
  return row ? { ...row, purpose: row.purpose as LinkPurpose } : null;
}

/** Marks the token used; false when it was already used (by a concurrent request too). */
export async function useActionToken(tx: Client, id: string, outcome: string, at: Date): Promise<boolean> {
  const { count } = await tx.actionToken.updateMany({
    where: { id, usedAt: null },
    data: { usedAt: at, outcome },
  });
  return count === 1;
}

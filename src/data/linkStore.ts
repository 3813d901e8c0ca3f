/**
 * Sales representatives (name, e-mail, phone; linked to customers) and one-time links (a rep's
 * authorize/decline, a customer's feedback form). Only a SHA-256 of a link's token is stored;
 * using a link is one conditional update, so it works once and only once, also under races.
 */

import { createHash, randomBytes } from "node:crypto";
import { onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { date, iso, maybeDate, maybeStr, type SqlTx, str } from "./sqlTx.js";

const repByEmail = statement<{ email: string }>((p) =>
  qb.selectFrom("SalesRep").select(["id", "phone"]).where("email", "=", p.email),
);
const repByName = statement<{ name: string }>((p) =>
  qb
    .selectFrom("SalesRep")
    .select(["id", "phone"])
    .where("name", "=", p.name)
    .orderBy("createdAt")
    .orderBy("id"),
);
const updateRep = statement<{ id: string; name: string; email: string | null; phone: string | null }>((p) =>
  qb.updateTable("SalesRep").set({ name: p.name, email: p.email, phone: p.phone }).where("id", "=", p.id),
);
const insertRep = statement<{
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  createdAt: string;
}>((p) =>
  qb
    .insertInto("SalesRep")
    .values({ id: p.id, name: p.name, email: p.email, phone: p.phone, createdAt: p.createdAt }),
);
const linkCustomer = statement<{ customerId: string; repId: string; repName: string; updatedAt: string }>(
  (p) =>
    qb
      .updateTable("Customer")
      .set({ salesRepId: p.repId, salesRep: p.repName, updatedAt: p.updatedAt })
      .where("id", "=", p.customerId),
);
const repOfCustomer = statement<{ customerId: string }>((p) =>
  qb.selectFrom("Customer").select(["salesRepId", "salesRep"]).where("id", "=", p.customerId),
);
const repById = statement<{ id: string }>((p) =>
  qb.selectFrom("SalesRep").selectAll().where("id", "=", p.id),
);
const repByFoldedName = statement<{ name: string }>((p) =>
  qb
    .selectFrom("SalesRep")
    .selectAll()
    .where((eb) => eb(eb.fn("lower", [eb.fn("trim", ["name"])]), "=", p.name))
    .limit(1),
);
const insertToken = statement<{
  id: string;
  tokenHash: string;
  purpose: LinkPurpose;
  ticketId: string;
  recipient: string | null;
  expiresAt: string;
  createdAt: string;
}>((p) =>
  qb.insertInto("ActionToken").values({
    id: p.id,
    tokenHash: p.tokenHash,
    purpose: p.purpose,
    ticketId: p.ticketId,
    recipient: p.recipient,
    expiresAt: p.expiresAt,
    createdAt: p.createdAt,
  }),
);
const tokenByHash = statement<{ tokenHash: string }>((p) =>
  qb.selectFrom("ActionToken").selectAll().where("tokenHash", "=", p.tokenHash),
);
const useToken = statement<{ id: string; outcome: string; usedAt: string }>((p) =>
  qb
    .updateTable("ActionToken")
    .set({ usedAt: p.usedAt, outcome: p.outcome })
    .where("id", "=", p.id)
    .where("usedAt", "is", null),
);

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
    ? await tx.row(repByEmail.sql, ...repByEmail.args({ email }))
    : await tx.row(repByName.sql, ...repByName.args({ name }));
  const phone =
    rep.phone !== undefined ? rep.phone?.trim() || null : existing ? maybeStr(existing.phone) : null;
  if (existing) {
    const id = str(existing.id);
    await tx.write(updateRep.sql, ...updateRep.args({ id, name, email, phone }));
    return { id, name, email, phone };
  }
  const id = newId();
  await tx.write(insertRep.sql, ...insertRep.args({ id, name, email, phone, createdAt: iso(new Date()) }));
  return { id, name, email, phone };
}

/** Links a customer to a rep record (and keeps the rep's name on the customer). */
export async function linkCustomerToRep(tx: SqlTx, customerId: string, rep: SalesRepRecord): Promise<void> {
  await tx.write(
    linkCustomer.sql,
    ...linkCustomer.args({ customerId, repId: rep.id, repName: rep.name, updatedAt: iso(new Date()) }),
  );
}

/** The rep of a customer: the linked record, else a record with the customer's rep name. */
export async function salesRepForCustomer(
  on: SqlExecutor,
  customerId: string,
  namedRep: string | null,
): Promise<SalesRepRecord | null> {
  return onSql(on, async (tx) => {
    const c = await tx.row(repOfCustomer.sql, ...repOfCustomer.args({ customerId }));
    if (c?.salesRepId) {
      const r = await tx.row(repById.sql, ...repById.args({ id: str(c.salesRepId) }));
      if (r) return repOf(r);
    }
    const name = (namedRep ?? maybeStr(c?.salesRep) ?? "").trim();
    if (!name) return null;
    const r = await tx.row(repByFoldedName.sql, ...repByFoldedName.args({ name: name.toLowerCase() }));
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
      insertToken.sql,
      ...insertToken.args({
        id: newId(),
        tokenHash: hash(token),
        purpose: t.purpose,
        ticketId: t.ticketId,
        recipient: t.recipient,
        expiresAt: iso(t.expiresAt),
        createdAt: iso(new Date()),
      }),
    ),
  );
  return token;
}

/** The token's record, or null for an unknown token. */
export async function findActionToken(on: SqlExecutor, token: string): Promise<ActionTokenRecord | null> {
  if (!/^[\w-]{16,64}$/.test(token)) return null;
  const r = await onSql(on, (tx) => tx.row(tokenByHash.sql, ...tokenByHash.args({ tokenHash: hash(token) })));
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
    tx.run(useToken.sql, ...useToken.args({ id, outcome, usedAt: iso(at) })),
  );
  return changed === 1;
}

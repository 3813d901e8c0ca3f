/**
 * The data step of migration `20261207060000_customer_contact`: customers signed up before
 * sign-up answers were read field by field have their whole answer in `contactName`
 * ("Gino Rossi, 333 123 4567"). SQL cannot read that, so this runs in TypeScript, in the
 * migration's own transaction (the ledger records both or neither): each line is read with
 * `parseIdentityLine`; the phone and e-mail found fill the record's empty `phone` / `email`
 * (a phone already on another customer is left where it was), and `contactName` keeps only the
 * name when nothing else was in the line. A line it cannot read whole stays as it is.
 */
import { parseIdentityLine } from "../understanding/identityLine.js";
import type { Tx } from "./database.js";

/** Customers read per batch. */
const BATCH = 500;

/** Splits the stored contact lines; returns how many customers were changed. */
export async function splitContactLines(tx: Tx): Promise<number> {
  let changed = 0;
  let after = "";
  for (;;) {
    const rows = await tx.customer.findMany({
      where: { contactName: { not: null }, id: { gt: after } },
      select: { id: true, contactName: true, phone: true, email: true },
      orderBy: { id: "asc" },
      take: BATCH,
    });
    if (rows.length === 0) return changed;
    after = rows[rows.length - 1]!.id;
    for (const row of rows) {
      const read = parseIdentityLine(row.contactName!, { question: "contact" });
      if (!read.phone && !read.email) continue;
      const data: { contactName?: string | null; phone?: string; email?: string } = {};
      const phoneFree =
        read.phone !== null &&
        row.phone === null &&
        (await tx.customer.findUnique({ where: { phone: read.phone }, select: { id: true } })) === null;
      if (phoneFree) data.phone = read.phone!;
      if (read.email && row.email === null) data.email = read.email;
      // The name alone, when the line held nothing else (a phone kept elsewhere counts as held).
      const phoneKept = read.phone === null || phoneFree || row.phone === read.phone;
      const emailKept = read.email === null || data.email !== undefined || row.email === read.email;
      if (read.rest === null && read.company === null && phoneKept && emailKept)
        data.contactName = read.contactName;
      if (Object.keys(data).length === 0) continue;
      await tx.customer.update({ where: { id: row.id }, data });
      changed++;
    }
  }
}

/** TypeScript steps run with the SQL of a migration, in its transaction, by migration name. */
export const MIGRATION_DATA_STEPS: Readonly<Record<string, (tx: Tx) => Promise<unknown>>> = {
  "20261207060000_customer_contact": splitContactLines,
};

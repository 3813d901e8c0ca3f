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
import { perShape, qb, statement } from "./schema/queryBuilder.js";
import { customerIdOfPhone } from "./sqlCustomers.js";
import { iso, maybeStr, type SqlTx, str } from "./sqlTx.js";

/** Customers read per batch. */
const BATCH = 500;

const contactLines = statement<{ after: string; limit: number }>((p) =>
  qb
    .selectFrom("Customer")
    .select(["id", "contactName", "phone", "email"])
    .where("contactName", "is not", null)
    .where("id", ">", p.after)
    .orderBy("id")
    .limit(p.limit),
);

/** The columns a line's reading may set. */
type ContactColumn = "phone" | "email" | "contactName";
interface ContactUpdate {
  id: string;
  phone: string | null;
  email: string | null;
  contactName: string | null;
  updatedAt: string;
}

/** The UPDATE of these columns (and `updatedAt`), compiled on first use, one per set of columns. */
const contactUpdate = perShape(
  (columns: readonly ContactColumn[]) =>
    statement<ContactUpdate>((p) => {
      let q = qb.updateTable("Customer");
      for (const column of columns) q = q.set(column, p[column]);
      return q.set("updatedAt", p.updatedAt).where("id", "=", p.id);
    }),
  (columns) => columns.join(),
);

/** Splits the stored contact lines; returns how many customers were changed. */
export async function splitContactLines(tx: SqlTx): Promise<number> {
  let changed = 0;
  let after = "";
  for (;;) {
    const rows = (await tx.rows(contactLines.sql, ...contactLines.args({ after, limit: BATCH }))).map(
      (r) => ({
        id: str(r.id),
        contactName: str(r.contactName),
        phone: maybeStr(r.phone),
        email: maybeStr(r.email),
      }),
    );
    if (rows.length === 0) return changed;
    after = rows[rows.length - 1]!.id;
    for (const row of rows) {
      const read = parseIdentityLine(row.contactName, { question: "contact" });
      if (!read.phone && !read.email) continue;
      const data: { contactName?: string | null; phone?: string; email?: string } = {};
      const phoneFree =
        read.phone !== null &&
        row.phone === null &&
        (await tx.row(customerIdOfPhone.sql, ...customerIdOfPhone.args({ phone: read.phone }))) === undefined;
      if (phoneFree) data.phone = read.phone!;
      if (read.email && row.email === null) data.email = read.email;
      // The name alone, when the line held nothing else (a phone kept elsewhere counts as held).
      const phoneKept = read.phone === null || phoneFree || row.phone === read.phone;
      const emailKept = read.email === null || data.email !== undefined || row.email === read.email;
      if (read.rest === null && read.company === null && phoneKept && emailKept)
        data.contactName = read.contactName;
      // Column names from the fixed keys above, never from the data.
      const columns = Object.keys(data) as ContactColumn[];
      if (columns.length === 0) continue;
      const update = contactUpdate(columns);
      await tx.run(
        update.sql,
        ...update.args({
          id: row.id,
          phone: data.phone ?? null,
          email: data.email ?? null,
          contactName: data.contactName ?? null,
          updatedAt: iso(new Date()),
        }),
      );
      changed++;
    }
  }
}

/** TypeScript steps run with the SQL of a migration, in its transaction, by migration name. */
export const MIGRATION_DATA_STEPS: Readonly<Record<string, (tx: SqlTx) => Promise<unknown>>> = {
  "20261207060000_customer_contact": splitContactLines,
};

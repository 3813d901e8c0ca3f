/**
 * Writing checked customer records: one transaction that creates or updates customers, their
 * sales representative, hardware purchases and channel identities, or writes nothing.
 */
import { randomInt } from "node:crypto";
import type { Insertable } from "kysely";
import { CodedError } from "../errors.js";
import { lockChat } from "./coordination.js";
import { CustomerImportError, type CustomerRecord, type ImportIssue } from "./customerRecord.js";
import type { Database } from "./database.js";
import { newId } from "./ids.js";
import { upsertSalesRep } from "./linkStore.js";
import { perShape, qb, statement } from "./schema/queryBuilder.js";
import type { CustomerTable } from "./schema/tables.js";
import { customerIdOfPhone, deletePurchases, insertIdentity, insertPurchase } from "./sqlCustomers.js";
import { iso, maybeStr, type SqlTx, str } from "./sqlTx.js";

/** Counts of what an import wrote. */
export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  purchases: number;
  identities: number;
}

/** How records are written. */
export interface ImportOptions {
  /** Language of new customers whose row leaves it empty (default "it"). */
  defaultLanguage?: string;
  /** Customer-code generator (tests); retried while the code is taken. */
  generateCode?: () => string;
}

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** A short random customer code such as C7K2QX (no 0/O/1/I to keep it readable on the phone). */
export function randomCustomerCode(length = 6): string {
  let code = "";
  for (let i = 0; i < length; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

const customerIdOfCode = statement<{ code: string }>((p) =>
  qb.selectFrom("Customer").select("id").where("code", "=", p.code),
);
const identityOwnerOf = statement<{ channel: string; externalId: string }>((p) =>
  qb
    .selectFrom("ChannelIdentity")
    .select("customerId")
    .where("channel", "=", p.channel)
    .where("externalId", "=", p.externalId),
);
const phoneOf = statement<{ id: string }>((p) =>
  qb.selectFrom("Customer").select("phone").where("id", "=", p.id),
);
/** The first recorded sales representative with a name. */
const salesRepNamed = statement<{ name: string }>((p) =>
  qb.selectFrom("SalesRep").select("id").where("name", "=", p.name).orderBy("createdAt").orderBy("id"),
);
const setSalesRep = statement<{ id: string; salesRepId: string | null }>((p) =>
  qb.updateTable("Customer").set({ salesRepId: p.salesRepId }).where("id", "=", p.id),
);

/** The columns a row may leave out (then an update keeps them), in the order they are written. */
const OPTIONAL = ["phone", "email", "language", "plans", "salesRep"] as const;
type OptionalColumn = (typeof OPTIONAL)[number];
/** The values an import row writes to its customer (those of columns left out are not bound). */
interface CustomerValues {
  id: string;
  code: string;
  company: string;
  phone: string | null;
  email: string | null;
  language: string;
  plans: string;
  salesRep: string | null;
  now: string;
}

/** The UPDATE of a customer from a row with these optional columns, compiled on first use. */
const customerUpdate = perShape(
  (columns: readonly OptionalColumn[]) =>
    statement<Omit<CustomerValues, "code">>((p) => {
      let q = qb.updateTable("Customer").set("company", p.company);
      for (const column of columns) q = q.set(column, p[column]);
      return q.set("updatedAt", p.now).where("id", "=", p.id);
    }),
  (columns) => columns.join(),
);

/** The INSERT of a customer from a row with these optional columns (language always), compiled on first use. */
const customerInsert = perShape(
  (columns: readonly OptionalColumn[]) =>
    statement<CustomerValues>((p) => {
      const values: Record<string, string | null> = {
        id: p.id,
        code: p.code,
        language: p.language,
        company: p.company,
      };
      for (const column of columns) if (column !== "language") values[column] = p[column];
      values.createdAt = p.now;
      values.updatedAt = p.now;
      // The columns left out (plans, verified) take the schema's defaults, which the generated
      // table types do not mark: Kysely's Insertable would require them.
      return qb.insertInto("Customer").values(values as unknown as Insertable<CustomerTable>);
    }),
  (columns) => columns.join(),
);

async function uniqueCode(tx: SqlTx, generate: () => string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const code = generate();
    if (!(await tx.row(customerIdOfCode.sql, ...customerIdOfCode.args({ code })))) return code;
  }
  throw new Error("could not find a free customer code after 20 attempts");
}

/** A row that clashes with another customer; it aborts the import's transaction and becomes a {@link CustomerImportError}. */
class Conflict extends CodedError<"conflict"> {
  constructor(readonly issue: ImportIssue) {
    super("conflict", issue.message);
  }
}

async function identityOwner(tx: SqlTx, channel: string, externalId: string): Promise<string | null> {
  const identity = await tx.row(identityOwnerOf.sql, ...identityOwnerOf.args({ channel, externalId }));
  return identity ? str(identity.customerId) : null;
}

async function importOne(
  tx: SqlTx,
  record: CustomerRecord,
  generate: () => string,
  defaultLanguage: string,
  summary: ImportSummary,
): Promise<void> {
  const byPhone = record.phone
    ? await tx.row(customerIdOfPhone.sql, ...customerIdOfPhone.args({ phone: record.phone }))
    : undefined;
  const telegramOwner = record.telegram ? await identityOwner(tx, "telegram", record.telegram) : null;
  const whatsappOwner = record.phone ? await identityOwner(tx, "whatsapp", record.phone) : null;
  const existingId = byPhone ? str(byPhone.id) : (telegramOwner ?? whatsappOwner);
  if (!byPhone && existingId && record.phone) {
    // Matched through an identity only: a customer with another phone number is someone else.
    const matched = await tx.row(phoneOf.sql, ...phoneOf.args({ id: existingId }));
    const phone = matched ? maybeStr(matched.phone) : null;
    if (phone && phone !== record.phone) {
      const field = telegramOwner === existingId ? "telegram" : "phone";
      throw new Conflict({
        row: record.row,
        field,
        message: `${field === "telegram" ? record.telegram : record.phone} already belongs to another customer`,
      });
    }
  }
  for (const [owner, field] of [
    [telegramOwner, "telegram"],
    [whatsappOwner, "phone"],
  ] as const) {
    if (owner && existingId && owner !== existingId) {
      throw new Conflict({
        row: record.row,
        field,
        message: `${field === "phone" ? record.phone : record.telegram} already belongs to another customer`,
      });
    }
  }
  // The columns the row has (a phone only when not empty); company is always written.
  const columns = OPTIONAL.filter((column) =>
    column === "phone" ? !!record.phone : record[column] !== undefined,
  );
  const now = iso(new Date());
  const values = {
    company: record.company,
    phone: record.phone,
    email: record.email ?? null,
    language: record.language ?? defaultLanguage,
    plans: JSON.stringify(record.plans ?? []),
    salesRep: record.salesRep ?? null,
    now,
  };
  let customerId: string;
  if (existingId) {
    const update = customerUpdate(columns);
    await tx.write(update.sql, ...update.args({ ...values, id: existingId }));
    customerId = existingId;
    summary.updated++;
  } else {
    customerId = newId();
    const code = await uniqueCode(tx, generate);
    const insert = customerInsert(columns);
    await tx.write(insert.sql, ...insert.args({ ...values, id: customerId, code }));
    summary.created++;
  }
  if (record.salesRep !== undefined) {
    // The rep as a record (name, e-mail, phone): authorization links and cost reports go there.
    const repId = record.salesRep
      ? record.salesRepEmail || record.salesRepPhone
        ? (
            await upsertSalesRep(tx, {
              name: record.salesRep,
              email: record.salesRepEmail ?? null,
              ...(record.salesRepPhone !== undefined ? { phone: record.salesRepPhone } : {}),
            })
          ).id
        : maybeStr((await tx.row(salesRepNamed.sql, ...salesRepNamed.args({ name: record.salesRep })))?.id)
      : null;
    await tx.write(setSalesRep.sql, ...setSalesRep.args({ id: customerId, salesRepId: repId ?? null }));
  }
  if (record.purchases !== undefined) {
    // The file is the list of record: replacing keeps re-imports idempotent.
    await tx.write(deletePurchases.sql, ...deletePurchases.args({ customerId }));
    for (const p of record.purchases) {
      await tx.write(
        insertPurchase.sql,
        ...insertPurchase.args({
          id: newId(),
          customerId,
          item: p.item,
          purchasedOn: p.purchasedOn,
          warrantyMonths: p.warrantyMonths,
        }),
      );
      summary.purchases++;
    }
  }
  const identities: [string, string | null, string | null][] = [
    ["whatsapp", record.phone, whatsappOwner],
    ["telegram", record.telegram, telegramOwner],
  ];
  for (const [channel, externalId, owner] of identities) {
    if (!externalId) continue;
    if (!owner) {
      await tx.write(
        insertIdentity.sql,
        ...insertIdentity.args({ id: newId(), channel, externalId, customerId, createdAt: now }),
      );
    }
    summary.identities++;
  }
}

/**
 * Writes validated records in one transaction: creates or updates Customer (matched by phone,
 * else by a known Telegram or WhatsApp identity), replaces its HardwarePurchase rows when the
 * file has a purchases column, and links ChannelIdentity rows (whatsapp = phone E.164, telegram).
 * @throws CustomerImportError conflict (an identity belongs to another customer); nothing is written.
 */
export async function importCustomers(
  db: Database,
  records: CustomerRecord[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const generate = options.generateCode ?? (() => randomCustomerCode());
  const defaultLanguage = options.defaultLanguage ?? "it";
  try {
    return await db.transaction(async (tx) => {
      // The chats the rows name, locked (in one order) before anything is read: no message of
      // theirs is handled while their customer is being written.
      const chats = new Set<string>();
      for (const r of records) {
        if (r.phone) chats.add(`whatsapp:${r.phone}`);
        if (r.telegram) chats.add(`telegram:${r.telegram}`);
      }
      for (const key of [...chats].sort()) await lockChat(tx, key);
      const summary: ImportSummary = {
        rows: records.length,
        created: 0,
        updated: 0,
        purchases: 0,
        identities: 0,
      };
      for (const record of records) await importOne(tx, record, generate, defaultLanguage, summary);
      return summary;
    });
  } catch (cause) {
    if (cause instanceof Conflict) throw new CustomerImportError("conflict", [cause.issue]);
    throw cause;
  }
}

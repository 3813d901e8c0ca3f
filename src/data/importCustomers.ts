/**
 * Writing checked customer records: one transaction that creates or updates customers, their
 * sales representative, hardware purchases and channel identities, or writes nothing.
 */
import { randomInt } from "node:crypto";
import { CodedError } from "../errors.js";
import { lockChat } from "./coordination.js";
import { CustomerImportError, type CustomerRecord, type ImportIssue } from "./customerRecord.js";
import type { Database } from "./database.js";
import { newId } from "./ids.js";
import { upsertSalesRep } from "./linkStore.js";
import { iso, maybeStr, type SqlArg, type SqlTx, str } from "./sqlTx.js";

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

async function uniqueCode(tx: SqlTx, generate: () => string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const code = generate();
    if (!(await tx.row(`SELECT "id" FROM "Customer" WHERE "code" = ?`, code))) return code;
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
  const identity = await tx.row(
    `SELECT "customerId" FROM "ChannelIdentity" WHERE "channel" = ? AND "externalId" = ?`,
    channel,
    externalId,
  );
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
    ? await tx.row(`SELECT "id" FROM "Customer" WHERE "phone" = ?`, record.phone)
    : undefined;
  const telegramOwner = record.telegram ? await identityOwner(tx, "telegram", record.telegram) : null;
  const whatsappOwner = record.phone ? await identityOwner(tx, "whatsapp", record.phone) : null;
  const existingId = byPhone ? str(byPhone.id) : (telegramOwner ?? whatsappOwner);
  if (!byPhone && existingId && record.phone) {
    // Matched through an identity only: a customer with another phone number is someone else.
    const matched = await tx.row(`SELECT "phone" FROM "Customer" WHERE "id" = ?`, existingId);
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
  const fields: [string, SqlArg][] = [
    ["company", record.company],
    ...(record.phone ? [["phone", record.phone] as [string, SqlArg]] : []),
    ...(record.email !== undefined ? [["email", record.email] as [string, SqlArg]] : []),
    ...(record.language !== undefined ? [["language", record.language] as [string, SqlArg]] : []),
    ...(record.plans !== undefined ? [["plans", JSON.stringify(record.plans)] as [string, SqlArg]] : []),
    ...(record.salesRep !== undefined ? [["salesRep", record.salesRep] as [string, SqlArg]] : []),
  ];
  const now = iso(new Date());
  let customerId: string;
  if (existingId) {
    await tx.write(
      `UPDATE "Customer" SET ${fields.map(([column]) => `"${column}" = ?`).join(", ")}, "updatedAt" = ? WHERE "id" = ?`,
      ...fields.map(([, value]) => value),
      now,
      existingId,
    );
    customerId = existingId;
    summary.updated++;
  } else {
    customerId = newId();
    const columns: [string, SqlArg][] = [
      ["id", customerId],
      ["code", await uniqueCode(tx, generate)],
      ["language", defaultLanguage],
      ...fields.filter(([column]) => column !== "language"),
      ...(record.language !== undefined ? [["language", record.language] as [string, SqlArg]] : []),
      ["createdAt", now],
      ["updatedAt", now],
    ];
    const unique = new Map(columns);
    await tx.write(
      `INSERT INTO "Customer" (${[...unique.keys()].map((c) => `"${c}"`).join(", ")}) VALUES (${[...unique.keys()].map(() => "?").join(", ")})`,
      ...unique.values(),
    );
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
        : maybeStr(
            (
              await tx.row(
                `SELECT "id" FROM "SalesRep" WHERE "name" = ? ORDER BY "createdAt", "id"`,
                record.salesRep,
              )
            )?.id,
          )
      : null;
    await tx.write(`UPDATE "Customer" SET "salesRepId" = ? WHERE "id" = ?`, repId ?? null, customerId);
  }
  if (record.purchases !== undefined) {
    // The file is the list of record: replacing keeps re-imports idempotent.
    await tx.write(`DELETE FROM "HardwarePurchase" WHERE "customerId" = ?`, customerId);
    for (const p of record.purchases) {
      await tx.write(
        `INSERT INTO "HardwarePurchase" ("id", "customerId", "item", "purchasedOn", "warrantyMonths") VALUES (?, ?, ?, ?, ?)`,
        newId(),
        customerId,
        p.item,
        p.purchasedOn,
        p.warrantyMonths,
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
        `INSERT INTO "ChannelIdentity" ("id", "channel", "externalId", "customerId", "createdAt") VALUES (?, ?, ?, ?, ?)`,
        newId(),
        channel,
        externalId,
        customerId,
        now,
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

/**
 * Writing checked customer records: one transaction that creates or updates customers, their
 * sales representative, hardware purchases and channel identities, or writes nothing.
 */
import { randomInt } from "node:crypto";
import { CustomerImportError, type CustomerRecord, type ImportIssue } from "./customerRecord.js";
import type { Database, Tx } from "./database.js";
import { upsertSalesRep } from "./linkStore.js";

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

async function uniqueCode(tx: Tx, generate: () => string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const code = generate();
    if (!(await tx.customer.findUnique({ where: { code }, select: { id: true } }))) return code;
  }
  throw new Error("could not find a free customer code after 20 attempts");
}

class Conflict extends Error {
  constructor(readonly issue: ImportIssue) {
    super(issue.message);
  }
}

async function identityOwner(tx: Tx, channel: string, externalId: string): Promise<string | null> {
  const identity = await tx.channelIdentity.findUnique({
    where: { channel_externalId: { channel, externalId } },
    select: { customerId: true },
  });
  return identity?.customerId ?? null;
}

async function importOne(
  tx: Tx,
  record: CustomerRecord,
  generate: () => string,
  defaultLanguage: string,
  summary: ImportSummary,
): Promise<void> {
  const byPhone = record.phone
    ? await tx.customer.findUnique({ where: { phone: record.phone }, select: { id: true } })
    : null;
  const telegramOwner = record.telegram ? await identityOwner(tx, "telegram", record.telegram) : null;
  const whatsappOwner = record.phone ? await identityOwner(tx, "whatsapp", record.phone) : null;
  const existingId = byPhone?.id ?? telegramOwner ?? whatsappOwner;
  if (!byPhone && existingId && record.phone) {
    // Matched through an identity only: a customer with another phone number is someone else.
    const matched = await tx.customer.findUnique({ where: { id: existingId }, select: { phone: true } });
    if (matched?.phone && matched.phone !== record.phone) {
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
  const fields = {
    company: record.company,
    ...(record.phone ? { phone: record.phone } : {}),
    ...(record.email !== undefined ? { email: record.email } : {}),
    ...(record.language !== undefined ? { language: record.language } : {}),
    ...(record.plans !== undefined ? { plans: JSON.stringify(record.plans) } : {}),
    ...(record.salesRep !== undefined ? { salesRep: record.salesRep } : {}),
  };
  let customerId: string;
  if (existingId) {
    await tx.customer.update({ where: { id: existingId }, data: fields });
    customerId = existingId;
    summary.updated++;
  } else {
    const created = await tx.customer.create({
      data: { language: defaultLanguage, ...fields, code: await uniqueCode(tx, generate) },
    });
    customerId = created.id;
    summary.created++;
  }
  if (record.salesRep !== undefined) {
    // The rep as a record (name, e-mail, phone): authorization links and cost reports go there.
    const rep = record.salesRep
      ? record.salesRepEmail || record.salesRepPhone
        ? await upsertSalesRep(tx, {
            name: record.salesRep,
            email: record.salesRepEmail ?? null,
            ...(record.salesRepPhone !== undefined ? { phone: record.salesRepPhone } : {}),
          })
        : await tx.salesRep.findFirst({ where: { name: record.salesRep } })
      : null;
    await tx.customer.update({ where: { id: customerId }, data: { salesRepId: rep?.id ?? null } });
  }
  if (record.purchases !== undefined) {
    // The file is the list of record: replacing keeps re-imports idempotent.
    await tx.hardwarePurchase.deleteMany({ where: { customerId } });
    for (const p of record.purchases) {
      await tx.hardwarePurchase.create({ data: { customerId, ...p } });
      summary.purchases++;
    }
  }
  const identities: [string, string | null, string | null][] = [
    ["whatsapp", record.phone, whatsappOwner],
    ["telegram", record.telegram, telegramOwner],
  ];
  for (const [channel, externalId, owner] of identities) {
    if (!externalId) continue;
    if (!owner) await tx.channelIdentity.create({ data: { channel, externalId, customerId } });
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
    return await db.prisma.$transaction(
      async (tx) => {
        const summary: ImportSummary = {
          rows: records.length,
          created: 0,
          updated: 0,
          purchases: 0,
          identities: 0,
        };
        for (const record of records) await importOne(tx, record, generate, defaultLanguage, summary);
        return summary;
      },
      { maxWait: 10_000, timeout: 120_000 },
    );
  } catch (cause) {
    if (cause instanceof Conflict) throw new CustomerImportError("conflict", [cause.issue]);
    throw cause;
  }
}

/**
 * Customer import from CSV: every row is checked first (row-numbered report), then all rows are
 * written in one transaction, so a bad file never leaves half an import behind. Re-importing a
 * phone number updates that customer instead of creating a duplicate.
 */
import { randomInt } from "node:crypto";
import { type CsvError, parse } from "csv-parse/sync";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { DateTime } from "luxon";
import { z } from "zod";
import type { Policy } from "../policy/schema.js";
import type { Database, Tx } from "./database.js";
import { upsertSalesRep } from "./linkStore.js";

/** Columns understood by the import (header names are case-insensitive; aliases in {@link COLUMN_ALIASES}). */
export const CUSTOMER_COLUMNS = [
  "company",
  "phone",
  "email",
  "telegram",
  "language",
  "plan",
  "jsystem",
  "purchases",
  "salesrep",
  "salesrep_email",
  "salesrep_phone",
] as const;
export type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number];

const COLUMN_ALIASES: Record<string, CustomerColumn> = {
  "e-mail": "email",
  mail: "email",
  plans: "plan",
  "j-system": "jsystem",
  j_system: "jsystem",
  "sales rep": "salesrep",
  sales_rep: "salesrep",
  "sales-rep": "salesrep",
  "sales rep email": "salesrep_email",
  "salesrep email": "salesrep_email",
  sales_rep_email: "salesrep_email",
  "sales rep phone": "salesrep_phone",
  "salesrep phone": "salesrep_phone",
  sales_rep_phone: "salesrep_phone",
  commerciale: "salesrep",
  "email commerciale": "salesrep_email",
  "telefono commerciale": "salesrep_phone",
  lingua: "language",
  azienda: "company",
  telefono: "phone",
};

/** One hardware purchase as written to HardwarePurchase. */
export interface ImportedPurchase {
  item: string;
  purchasedOn: string;
  warrantyMonths: number;
}

/** A validated CSV row. Fields of columns absent from the header are `undefined` (left unchanged on update). */
export interface CustomerRecord {
  /** Row number in the file (the header is row 1). */
  row: number;
  company: string;
  /** E.164, e.g. +393400662095. */
  phone: string | null;
  email?: string | null;
  /** Numeric Telegram user id, or "@username" (lowercase) when only the username is known. */
  telegram: string | null;
  language?: "it" | "en";
  plans?: string[];
  purchases?: ImportedPurchase[];
  salesRep?: string | null;
  /** The rep's contacts: with them the rep becomes a SalesRep record linked to the customer. */
  salesRepEmail?: string | null;
  salesRepPhone?: string | null;
}

/** A problem with one row (row 1 = header); `field` names the column. */
export interface ImportIssue {
  row: number;
  field: string | null;
  message: string;
}

/** The import was refused; nothing was written. */
export class CustomerImportError extends Error {
  constructor(
    readonly code: "invalid-csv" | "invalid-rows" | "conflict",
    readonly issues: ImportIssue[],
    file: string | null = null,
  ) {
    const lines = issues.map((i) => `  row ${i.row}${i.field ? `, ${i.field}` : ""}: ${i.message}`);
    super(`${file ?? "customers CSV"}: ${issues.length} problem(s), nothing imported:\n${lines.join("\n")}`);
    this.name = "CustomerImportError";
  }
}

export interface ParseOptions {
  /** When given, plan keys and warranty lengths are checked against this preset. */
  policy?: Policy;
  /** Region for numbers written without a country prefix. */
  defaultRegion?: CountryCode;
  /** Label for messages. */
  file?: string;
}

const YES = new Set(["yes", "y", "si", "sì", "true", "1", "x"]);
const NO = new Set(["no", "n", "false", "0", ""]);

const empty = (s: string) => s.trim() === "";

function rowSchema(options: ParseOptions) {
  const region = options.defaultRegion ?? "IT";
  const policy = options.policy;
  const contractPlans = policy?.plans.filter((p) => p.kind === "contract").map((p) => p.key);
  const warranty = policy?.plans.find((p) => p.kind === "warranty")?.warranty ?? null;
  const standardMonths = warranty?.standardMonths ?? 12;
  const maxMonths = warranty?.maxMonths ?? 120;

  const phone = z.string().transform((value, ctx) => {
    if (empty(value)) return null;
    const parsed = parsePhoneNumberFromString(value.trim(), region);
    if (!parsed?.isValid()) {
      ctx.addIssue({ code: "custom", message: `expected a valid phone number, got "${value}"` });
      return z.NEVER;
    }
    return parsed.number as string;
  });

  const planList = z.string().transform((value, ctx) => {
    const keys = value
      .split(/[;|,]/)
      .map((k) => k.trim().toLowerCase())
      .filter((k) => k !== "" && k !== "none");
    for (const key of keys) {
      if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(key)) {
        ctx.addIssue({
          code: "custom",
          message: `expected plan keys such as "standard;j-system", got "${key}"`,
        });
      } else if (contractPlans && !contractPlans.includes(key)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown plan "${key}" for ${policy?.id}: expected one of ${contractPlans.join(", ") || "(none)"}`,
        });
      }
    }
    return [...new Set(keys)];
  });

  const purchases = z.string().transform((value, ctx) => {
    const out: ImportedPurchase[] = [];
    for (const entry of value.split(";").map((e) => e.trim())) {
      if (entry === "") continue;
      const parts = entry.split("@").map((p) => p.trim());
      const [item, date, monthsText] = parts;
      if (parts.length < 2 || parts.length > 3 || !item || !date) {
        ctx.addIssue({ code: "custom", message: `expected "item@YYYY-MM-DD@months", got "${entry}"` });
        continue;
      }
      const day = DateTime.fromFormat(date, "yyyy-MM-dd", { zone: "UTC" });
      if (!day.isValid) {
        ctx.addIssue({
          code: "custom",
          message: `expected a purchase date YYYY-MM-DD for "${item}", got "${date}"`,
        });
        continue;
      }
      const months = monthsText === undefined || monthsText === "" ? standardMonths : Number(monthsText);
      if (!Number.isInteger(months) || months < 1 || months > maxMonths) {
        ctx.addIssue({
          code: "custom",
          message: `expected warranty months between 1 and ${maxMonths} for "${item}", got "${monthsText}"`,
        });
        continue;
      }
      out.push({ item, purchasedOn: date, warrantyMonths: months });
    }
    return out;
  });

  const optionalText = z.string().transform((v) => (empty(v) ? null : v.trim()));

  return z
    .object({
      company: z.string().trim().min(1, { error: "expected the company name" }),
      phone: phone.optional(),
      email: z
        .string()
        .transform((v) => v.trim())
        .pipe(z.union([z.literal(""), z.email({ error: "expected an e-mail address" })]))
        .transform((v) => (v === "" ? null : v.toLowerCase()))
        .optional(),
      telegram: z
        .string()
        .transform((value, ctx) => {
          const v = value.trim();
          if (v === "") return null;
          if (/^\d{1,20}$/.test(v)) return v;
          if (/^@?[A-Za-z][A-Za-z0-9_]{4,31}$/.test(v)) return `@${v.replace(/^@/, "").toLowerCase()}`;
          ctx.addIssue({
            code: "custom",
            message: `expected a numeric Telegram user id or @username, got "${value}"`,
          });
          return z.NEVER;
        })
        .optional(),
      language: z
        .string()
        .transform((v) => v.trim().toLowerCase())
        .pipe(z.enum(["", "it", "en"], { error: "expected it or en" }))
        .transform((v) => (v === "" ? undefined : v))
        .optional(),
      plan: planList.optional(),
      jsystem: z
        .string()
        .transform((value, ctx) => {
          const v = value.trim().toLowerCase();
          if (YES.has(v)) return true;
          if (NO.has(v)) return false;
          ctx.addIssue({ code: "custom", message: `expected yes or no, got "${value}"` });
          return z.NEVER;
        })
        .optional(),
      purchases: purchases.optional(),
      salesrep: optionalText.optional(),
      salesrep_email: optionalText
        .refine((v) => v === undefined || v === null || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v), {
          error: "expected the sales representative's e-mail address",
        })
        .optional(),
      salesrep_phone: optionalText.optional(),
    })
    .superRefine((row, ctx) => {
      if ((row.salesrep_email || row.salesrep_phone) && !row.salesrep) {
        ctx.addIssue({
          code: "custom",
          path: ["salesrep"],
          message: "expected the sales representative's name with their e-mail or phone",
        });
      }
      if (!row.phone && !row.telegram) {
        ctx.addIssue({
          code: "custom",
          path: ["phone"],
          message: "expected a phone number or a Telegram id",
        });
      }
      if (row.jsystem && contractPlans && !contractPlans.includes("j-system")) {
        ctx.addIssue({ code: "custom", path: ["jsystem"], message: `${policy?.id} has no j-system plan` });
      }
    });
}

function detectDelimiter(text: string): string {
  const header = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  return header.includes(",") || !header.includes(";") ? "," : ";";
}

/**
 * Parses and validates a customers CSV (header row required). Pure: no database access.
 * @throws CustomerImportError invalid-csv (unreadable structure) or invalid-rows, listing every problem.
 */
export function parseCustomerCsv(text: string, options: ParseOptions = {}): CustomerRecord[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      bom: true,
      delimiter: detectDelimiter(text),
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as { record: string[]; info: { lines: number } }[];
  } catch (cause) {
    const err = cause as CsvError & { lines?: number };
    throw new CustomerImportError(
      "invalid-csv",
      [{ row: err.lines ?? 0, field: null, message: `malformed CSV: ${err.message}` }],
      options.file ?? null,
    );
  }
  const [header, ...body] = rows;
  if (!header)
    throw new CustomerImportError(
      "invalid-csv",
      [{ row: 1, field: null, message: "empty file" }],
      options.file,
    );

  const issues: ImportIssue[] = [];
  const columns: (CustomerColumn | null)[] = header.record.map((raw) => {
    const name = raw.trim().toLowerCase();
    const column = (CUSTOMER_COLUMNS as readonly string[]).includes(name)
      ? (name as CustomerColumn)
      : (COLUMN_ALIASES[name] ?? null);
    if (!column) {
      issues.push({ row: 1, field: raw, message: `unknown column: expected ${CUSTOMER_COLUMNS.join(", ")}` });
    }
    return column;
  });
  const present = new Set(columns.filter((c): c is CustomerColumn => c !== null));
  if (!present.has("company")) issues.push({ row: 1, field: "company", message: "missing required column" });
  if (!present.has("phone") && !present.has("telegram")) {
    issues.push({ row: 1, field: "phone", message: "missing column: expected phone and/or telegram" });
  }
  if (issues.length > 0) throw new CustomerImportError("invalid-rows", issues, options.file);

  const schema = rowSchema(options);
  const records: CustomerRecord[] = [];
  const seenPhones = new Map<string, number>();
  const seenTelegram = new Map<string, number>();
  for (const { record, info } of body) {
    const row = info.lines;
    if (record.length !== header.record.length) {
      issues.push({
        row,
        field: null,
        message: `expected ${header.record.length} fields like the header, found ${record.length}`,
      });
      continue;
    }
    const raw: Record<string, string> = {};
    columns.forEach((column, i) => {
      if (column) raw[column] = record[i] ?? "";
    });
    const result = schema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) {
        issues.push({ row, field: issue.path.map(String).join(".") || null, message: issue.message });
      }
      continue;
    }
    const r = result.data;
    // plan and jsystem together define the plans; a yes in jsystem adds "j-system".
    let plans = r.plan;
    if (r.jsystem !== undefined) plans = plans ?? [];
    if (r.jsystem === true && plans && !plans.includes("j-system")) plans = [...plans, "j-system"];
    if (r.jsystem === false && plans?.includes("j-system")) {
      issues.push({ row, field: "jsystem", message: 'expected yes, since plan lists "j-system"' });
      continue;
    }
    const phone = r.phone ?? null;
    const telegram = r.telegram ?? null;
    if (phone) {
      const first = seenPhones.get(phone);
      if (first !== undefined)
        issues.push({ row, field: "phone", message: `${phone} is already on row ${first}` });
      else seenPhones.set(phone, row);
    }
    if (telegram) {
      const first = seenTelegram.get(telegram);
      if (first !== undefined)
        issues.push({ row, field: "telegram", message: `${telegram} is already on row ${first}` });
      else seenTelegram.set(telegram, row);
    }
    records.push({
      row,
      company: r.company,
      phone,
      telegram,
      ...(present.has("email") ? { email: r.email ?? null } : {}),
      ...(r.language !== undefined ? { language: r.language } : {}),
      ...(plans !== undefined ? { plans } : {}),
      ...(present.has("purchases") ? { purchases: r.purchases ?? [] } : {}),
      ...(present.has("salesrep") ? { salesRep: r.salesrep ?? null } : {}),
      ...(present.has("salesrep_email") ? { salesRepEmail: r.salesrep_email?.toLowerCase() ?? null } : {}),
      ...(present.has("salesrep_phone") ? { salesRepPhone: r.salesrep_phone ?? null } : {}),
    });
  }
  if (issues.length > 0) throw new CustomerImportError("invalid-rows", issues, options.file);
  if (records.length === 0) {
    throw new CustomerImportError(
      "invalid-rows",
      [{ row: 2, field: null, message: "no customer rows" }],
      options.file,
    );
  }
  return records;
}

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  purchases: number;
  identities: number;
}

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

/** Parses, validates and imports a customers CSV; nothing is written unless every row is valid. */
export async function importCustomersFromCsv(
  db: Database,
  text: string,
  options: ParseOptions & ImportOptions = {},
): Promise<ImportSummary> {
  const records = parseCustomerCsv(text, options);
  return importCustomers(db, records, {
    defaultLanguage: options.defaultLanguage ?? options.policy?.defaultLanguage,
    generateCode: options.generateCode,
  });
}

/** What a customers CSV row becomes once checked, the columns it may have, and the import's errors. */
import type { CountryCode } from "libphonenumber-js/max";
import { CodedError } from "../errors.js";
import type { Policy } from "../policy/schema.js";

/** Columns understood by the import (header names are case-insensitive; aliases in `parseCustomerCsv`). */
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
/** One of {@link CUSTOMER_COLUMNS}. */
export type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number];

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
export class CustomerImportError extends CodedError<"invalid-csv" | "invalid-rows" | "conflict"> {
  constructor(
    code: "invalid-csv" | "invalid-rows" | "conflict",
    readonly issues: ImportIssue[],
    file: string | null = null,
  ) {
    const lines = issues.map((i) => `  row ${i.row}${i.field ? `, ${i.field}` : ""}: ${i.message}`);
    super(
      code,
      `${file ?? "customers CSV"}: ${issues.length} problem(s), nothing imported:\n${lines.join("\n")}`,
    );
  }
}

/** How a customers CSV is read and checked. */
export interface ParseOptions {
  /** When given, plan keys and warranty lengths are checked against this preset. */
  policy?: Policy;
  /** Region for numbers written without a country prefix. */
  defaultRegion?: CountryCode;
  /** Label for messages. */
  file?: string;
}

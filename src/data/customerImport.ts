/**
 * Customer import from CSV: every row is checked first (row-numbered report, `parseCustomerCsv`),
 * then all rows are written in one transaction (`importCustomers`), so a bad file never leaves
 * half an import behind. Re-importing a phone number updates that customer instead of creating a
 * duplicate.
 */
import type { ParseOptions } from "./customerRecord.js";
import type { Database } from "./database.js";
import { type ImportOptions, type ImportSummary, importCustomers } from "./importCustomers.js";
import { parseCustomerCsv } from "./parseCustomerCsv.js";

export {
  CUSTOMER_COLUMNS,
  type CustomerColumn,
  CustomerImportError,
  type CustomerRecord,
  type ImportedPurchase,
  type ImportIssue,
  type ParseOptions,
} from "./customerRecord.js";
export {
  type ImportOptions,
  type ImportSummary,
  importCustomers,
  randomCustomerCode,
} from "./importCustomers.js";
export { parseCustomerCsv } from "./parseCustomerCsv.js";

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

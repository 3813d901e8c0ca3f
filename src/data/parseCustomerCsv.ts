/** Reading a customers CSV: header mapping, row validation and duplicate checks, all problems at once. */
import { type CsvError, parse } from "csv-parse/sync";
import {
  CUSTOMER_COLUMNS,
  type CustomerColumn,
  CustomerImportError,
  type CustomerRecord,
  type ImportIssue,
  type ParseOptions,
} from "./customerRecord.js";
import { rowSchema } from "./customerRowSchema.js";

/** Other header names accepted for the columns (lower-case). */
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

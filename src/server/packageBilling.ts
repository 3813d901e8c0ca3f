/**
 * Package billing fields of a desk's close form (query string or JSON body): `package`, `km`,
 * `daysOvernight`, `days`. Empty package = hourly time. Counts are whole numbers.
 */
import type { PackageBilling } from "../desk/port.js";

const COUNTS = ["km", "daysOvernight", "days"] as const;

/** The billing a form asks for; `error` when a count is not a whole number or comes without a package. */
export function billingFromForm(
  fields: Record<string, unknown>,
): { billing?: PackageBilling; error?: undefined } | { error: string } {
  const name = typeof fields.package === "string" ? fields.package.trim() : "";
  const billing: PackageBilling = { package: name };
  for (const key of COUNTS) {
    const raw = fields[key];
    if (raw === undefined || raw === null || raw === "") continue;
    const n = typeof raw === "number" ? raw : Number(String(raw).trim());
    if (!Number.isInteger(n) || n < 0 || n > 100_000)
      return { error: `${key} must be a whole number from 0` };
    if (n > 0) billing[key] = n;
  }
  if (name === "") {
    return COUNTS.some((k) => billing[k] !== undefined)
      ? { error: "km and per-diem days need a package" }
      : {};
  }
  return { billing };
}

/** Spare parts, transport and the way of working of a close form (query string or JSON body). */
export interface CloseExtrasForm {
  parts?: { description: string; cents: number; quantity?: number }[];
  transportCents?: number;
  mode?: string;
}

function wholeCents(raw: unknown): number | null {
  if (raw === undefined || raw === null || raw === "") return null;
  const n = typeof raw === "number" ? raw : Number(String(raw).trim());
  return Number.isInteger(n) && n >= 0 && n <= 100_000_000 ? n : Number.NaN;
}

/**
 * Parts (`parts`: [{description, cents, quantity}], or one part as `partDescription`,
 * `partCents`, `partQuantity`), `transportCents` and `mode`; `error` on a malformed field (the
 * descriptions and amounts are checked again by the charge engine).
 */
export function extrasFromForm(fields: Record<string, unknown>): CloseExtrasForm | { error: string } {
  const out: CloseExtrasForm = {};
  const parts: NonNullable<CloseExtrasForm["parts"]> = [];
  if (fields.parts !== undefined) {
    if (!Array.isArray(fields.parts) || fields.parts.length > 50)
      return { error: "parts must be a list of at most 50 {description, cents, quantity}" };
    for (const p of fields.parts as unknown[]) {
      const r = (p ?? {}) as Record<string, unknown>;
      const cents = wholeCents(r.cents);
      const quantity = wholeCents(r.quantity);
      if (
        typeof r.description !== "string" ||
        cents === null ||
        Number.isNaN(cents) ||
        Number.isNaN(quantity)
      )
        return { error: "each part needs a description and whole cents" };
      parts.push({ description: r.description, cents, ...(quantity !== null ? { quantity } : {}) });
    }
  }
  const partCents = wholeCents(fields.partCents);
  if (partCents !== null) {
    const quantity = wholeCents(fields.partQuantity);
    if (Number.isNaN(partCents) || Number.isNaN(quantity) || typeof fields.partDescription !== "string")
      return { error: "partCents must be whole cents, with partDescription" };
    parts.push({
      description: fields.partDescription,
      cents: partCents,
      ...(quantity !== null ? { quantity } : {}),
    });
  }
  if (parts.length > 0) out.parts = parts;
  const transport = wholeCents(fields.transportCents);
  if (Number.isNaN(transport)) return { error: "transportCents must be whole cents" };
  if (transport !== null) out.transportCents = transport;
  if (fields.mode !== undefined && fields.mode !== "") {
    if (typeof fields.mode !== "string") return { error: "mode must be phone, remote, office or onsite" };
    out.mode = fields.mode;
  }
  return out;
}

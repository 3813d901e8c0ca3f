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

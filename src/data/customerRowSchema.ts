/** The zod schema one customers CSV row is checked and normalised with (phone E.164, plans, purchases…). */
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { DateTime } from "luxon";
import { z } from "zod";
import type { ImportedPurchase, ParseOptions } from "./customerRecord.js";

const YES = new Set(["yes", "y", "si", "sì", "true", "1", "x"]);
const NO = new Set(["no", "n", "false", "0", ""]);

const empty = (s: string) => s.trim() === "";

/** The row schema for a preset (plan keys and warranty lengths are checked against it when given). */
export function rowSchema(options: ParseOptions) {
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

/**
 * History on the staff board: search (ticket number, company, phone, e-mail, text), a customer's
 * page (tickets, plans, purchases with warranty dates, sales rep, language), the edit of the
 * contact details (company, name, phone, e-mail, verified; audited) by any technician, and for
 * admins the edit of plans and purchases (audited) and the customer's data export and erasure.
 *
 * Access: the page, reads and the contact edit need a technician, the contract edit, export and
 * erasure an admin; all
 * through boardAuth.ts's guards (state changes: same-origin and the board's CSRF token).
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { z } from "zod";
import { updateCustomerContact, updateCustomerContract } from "../data/customerEdits.js";
import { PrivacyError } from "../data/customerPrivacy.js";
import { customerHistory, searchSupport } from "../data/customerQueries.js";
import type { Database } from "../data/database.js";
import type { StaffSession } from "../desk/board/staffAuth.js";
import { warrantyUntil } from "../policy/coverage.js";
import type { Policy } from "../policy/schema.js";
import { eraseCustomer, exportCustomer } from "../privacy/personalData.js";
import { csrfTokenFor, requireAdmin, requireStaff } from "./boardAuth.js";
import { sendError } from "./sendError.js";
import { requireStaffPage } from "./staffGate.js";
import { escapeHtml, managerLinks, pickLanguage, renderPage } from "./webStrings.js";

export interface CustomerRouteDeps {
  db: Database;
  policy: Policy;
  /** Data folder with the customers' files (export, erasure). */
  dataDir: string;
  now(): Date;
}

export function registerCustomerRoutes(app: FastifyInstance, deps: CustomerRouteDeps): void {
  const { policy } = deps;
  const contractPlans = policy.plans.filter((p) => p.kind === "contract").map((p) => p.key);
  const maxMonths = policy.plans.find((p) => p.kind === "warranty")?.warranty?.maxMonths ?? 120;
  const Change = z.strictObject({
    plans: z
      .array(z.enum(contractPlans.length ? (contractPlans as [string, ...string[]]) : ["-"]))
      .max(20)
      .optional(),
    purchases: z
      .array(
        z.strictObject({
          item: z.string().trim().min(1).max(120),
          purchasedOn: z.iso.date(),
          warrantyMonths: z.number().int().min(1).max(maxMonths),
        }),
      )
      .max(200)
      .optional(),
  });

  const country = policy.holidays.calendar?.country;
  const region = country && isSupportedCountry(country) ? country : "IT";
  /** Empty text clears an optional field. */
  const clearable = <T extends z.ZodType<string>>(inner: T) =>
    z.union([z.literal("").transform(() => null), z.null(), inner]).optional();
  const Contact = z
    .strictObject({
      company: z.string().trim().min(1).max(200).optional(),
      contactName: clearable(z.string().trim().min(1).max(200)),
      phone: clearable(z.string().trim().min(1).max(40)),
      email: clearable(z.string().trim().max(200).pipe(z.email())),
      verified: z.boolean().optional(),
    })
    .refine((c) => Object.values(c).some((v) => v !== undefined), { error: "nothing to change" });

  const staffOf = (req: FastifyRequest) => req.staff as StaffSession;
  const isAdmin = (session: StaffSession) => session.technician.role === "admin";

  app.get("/staff/customers", { preHandler: requireStaffPage }, async (req, reply) => {
    const session = staffOf(req);
    const language = pickLanguage(req.headers["accept-language"]);
    return reply.type("text/html; charset=utf-8").send(
      renderPage("customers.html.tmpl", language, {
        technician: escapeHtml(session.technician.name),
        admin: isAdmin(session) ? "true" : "false",
        managerLinks: managerLinks(language, isAdmin(session)),
        plans: escapeHtml(JSON.stringify(contractPlans)),
        csrf: escapeHtml(csrfTokenFor(reply)),
      }),
    );
  });

  app.get("/staff/api/search", { preHandler: requireStaff }, async (req) => {
    const q = (req.query as Record<string, string | undefined>).q ?? "";
    return searchSupport(deps.db, q);
  });

  app.get("/staff/api/customers/:code", { preHandler: requireStaff }, async (req, reply) => {
    const session = staffOf(req);
    const { code } = req.params as { code: string };
    const history = await customerHistory(deps.db, code);
    if (!history) return sendError(reply, 404, "unknown-customer", `No customer with code ${code}`);
    return {
      ...history,
      purchases: history.purchases.map((p) => ({
        ...p,
        warrantyUntil: /^\d{4}-\d{2}-\d{2}$/.test(p.purchasedOn)
          ? warrantyUntil(p.purchasedOn, Math.min(p.warrantyMonths, maxMonths))
          : null,
      })),
      availablePlans: contractPlans,
      canEdit: isAdmin(session),
    };
  });

  app.put("/staff/api/customers/:code", { preHandler: requireAdmin }, async (req, reply) => {
    const session = staffOf(req);
    const parsed = Change.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return sendError(
        reply,
        400,
        "invalid-input",
        `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`,
      );
    }
    const { code } = req.params as { code: string };
    const ok = await updateCustomerContract(
      deps.db,
      code,
      {
        ...(parsed.data.plans ? { plans: [...new Set(parsed.data.plans)] } : {}),
        ...(parsed.data.purchases ? { purchases: parsed.data.purchases } : {}),
      },
      { actor: session.technician.name, at: deps.now() },
    );
    if (!ok) return sendError(reply, 404, "unknown-customer", `No customer with code ${code}`);
    return customerHistory(deps.db, code);
  });

  app.put("/staff/api/customers/:code/contact", { preHandler: requireStaff }, async (req, reply) => {
    const session = staffOf(req);
    const parsed = Contact.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? "body");
      return sendError(
        reply,
        400,
        field === "email" ? "invalid-email" : "invalid-input",
        `${field}: ${issue?.message ?? "invalid"}`,
      );
    }
    const { phone, email, ...rest } = parsed.data;
    let e164: string | null | undefined = phone;
    if (phone) {
      const number = parsePhoneNumberFromString(phone, region);
      if (!number?.isValid())
        return sendError(reply, 400, "invalid-phone", `phone: not a valid phone number (${phone})`);
      e164 = number.number;
    }
    const { code } = req.params as { code: string };
    const outcome = await updateCustomerContact(
      deps.db,
      code,
      {
        ...rest,
        ...(e164 !== undefined ? { phone: e164 } : {}),
        ...(email !== undefined ? { email: email === null ? null : email.toLowerCase() } : {}),
      },
      { actor: session.technician.name, at: deps.now() },
    );
    if (outcome === "unknown-customer")
      return sendError(reply, 404, "unknown-customer", `No customer with code ${code}`);
    if (outcome === "phone-taken")
      return sendError(reply, 409, "phone-taken", `${e164} is the phone of another customer`);
    return customerHistory(deps.db, code);
  });

  app.post("/staff/api/customers/:code/export", { preHandler: requireAdmin }, async (req, reply) => {
    const { code } = req.params as { code: string };
    const dir = await mkdtemp(path.join(tmpdir(), "sportello-export-"));
    const file = path.join(dir, "export.tar.gz");
    try {
      await exportCustomer(deps.db, deps.dataDir, code, file, deps.now());
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      if (error instanceof PrivacyError) return sendError(reply, 404, error.code, error.message);
      throw error;
    }
    const stream = createReadStream(file);
    stream.on("close", () => void rm(dir, { recursive: true, force: true }));
    const safe = code.toUpperCase().replace(/[^A-Z0-9]/g, "");
    return reply
      .type("application/gzip")
      .header("content-disposition", `attachment; filename="customer-${safe}.tar.gz"`)
      .send(stream);
  });

  app.post("/staff/api/customers/:code/erase", { preHandler: requireAdmin }, async (req, reply) => {
    const session = staffOf(req);
    const { code } = req.params as { code: string };
    const confirm = (req.body as { confirm?: unknown } | null)?.confirm;
    if (typeof confirm !== "string" || confirm.trim().toUpperCase() !== code.trim().toUpperCase()) {
      return sendError(
        reply,
        400,
        "confirmation-required",
        "Type the customer's code to confirm the erasure",
      );
    }
    try {
      return await eraseCustomer(deps.db, deps.dataDir, code, {
        actor: session.technician.name,
        at: deps.now(),
      });
    } catch (error) {
      if (error instanceof PrivacyError) return sendError(reply, 404, error.code, error.message);
      throw error;
    }
  });
}

/**
 * The manager's pages of the staff board, for administrators only: `/staff/reports` (live
 * figures with charts drawn by chart.js, served from node_modules, no CDN) and
 * `/staff/statement` (printable monthly statement, CSV download), with their JSON under
 * `/staff/api/`. Pages carry no inline script, so the board's CSP holds. Access: admins only,
 * pages through `requireAdminPage` (sign-in redirect), JSON through `requireAdmin`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DateTime } from "luxon";
import type { ManagerDesk, ManagerLabels } from "../desk/board/managerDesk.js";
import type { StaffSession } from "../desk/board/staffAuth.js";
import { ReportError } from "../reports/report.js";
import { parseMonth, type Statement, StatementError } from "../reports/statement.js";
import { statementToCsv } from "../reports/statementCsv.js";
import { requireAdmin } from "./boardAuth.js";
import { sendError } from "./sendError.js";
import { requireAdminPage } from "./staffGate.js";
import {
  escapeHtml,
  lookup,
  pickLanguage,
  publicDir,
  renderPage,
  type WebLanguage,
  webStrings,
} from "./webStrings.js";

export interface ManagerRouteDeps {
  /** Without it only the shared staff assets are served. */
  manager?: ManagerDesk;
}

const require = createRequire(import.meta.url);
/** chart.js's self-contained build (UMD, defines `Chart`). */
const CHART_JS = join(dirname(require.resolve("chart.js")), "chart.umd.min.js");

const ASSETS: Record<string, { file: string; type: string }> = {
  "/staff/vendor/chart.umd.min.js": { file: CHART_JS, type: "text/javascript; charset=utf-8" },
  "/staff/reports.js": { file: join(publicDir, "reports.js"), type: "text/javascript; charset=utf-8" },
  "/staff/statement.js": { file: join(publicDir, "statement.js"), type: "text/javascript; charset=utf-8" },
  "/staff/desk.css": { file: join(publicDir, "desk.css"), type: "text/css; charset=utf-8" },
  "/staff/replies.js": { file: join(publicDir, "replies.js"), type: "text/javascript; charset=utf-8" },
  "/staff/customers.js": { file: join(publicDir, "customers.js"), type: "text/javascript; charset=utf-8" },
};

function money(language: WebLanguage, cents: number, currency: string): string {
  return new Intl.NumberFormat(language === "it" ? "it-IT" : "en-GB", { style: "currency", currency }).format(
    cents / 100,
  );
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
    values[name] === undefined ? whole : String(values[name]),
  );
}

/** A calendar date (YYYY-MM-DD) as the viewer reads it: "9 mar 2027" / "9 Mar 2027". */
function localDate(language: WebLanguage, iso: string): string {
  const d = DateTime.fromISO(iso, { zone: "UTC" });
  return d.isValid ? d.setLocale(language === "it" ? "it" : "en-GB").toFormat("d LLL yyyy") : iso;
}

/** A month (YYYY-MM) as the viewer reads it: "marzo 2027" / "March 2027". */
export function monthTitle(language: WebLanguage, month: string): string {
  const d = DateTime.fromFormat(month, "yyyy-MM", { zone: "UTC" });
  return d.isValid ? d.setLocale(language === "it" ? "it" : "en-GB").toFormat("LLLL yyyy") : month;
}

const NO_LABELS: ManagerLabels = { categories: {}, plans: {}, packages: {} };

/** The statement as HTML rows (all text escaped), with the preset's labels in the viewer's language. */
export function statementHtml(statement: Statement, language: WebLanguage, labels = NO_LABELS): string {
  const s = webStrings(language);
  const t = (key: string) => escapeHtml(lookup(s, `desk.statement.${key}`));
  const cur = statement.currency;
  if (statement.customers.length === 0) return `<p class="empty">${t("empty")}</p>`;
  const head = [
    "date",
    "ticket",
    "category",
    "technician",
    "mode",
    "minutes",
    "plan",
    "billedMinutes",
    "net",
    "vat",
    "gross",
  ]
    .map((k) => `<th scope="col">${t(k)}</th>`)
    .join("");
  const amounts = (x: { netCents: number; vatCents: number; grossCents: number }) =>
    `<td class="num">${money(language, x.netCents, cur)}</td><td class="num">${money(language, x.vatCents, cur)}</td><td class="num">${money(language, x.grossCents, cur)}</td>`;
  const category = (key: string | null) => escapeHtml(key ? (labels.categories[key] ?? key) : "");
  const planName = (key: string) => escapeHtml(labels.plans[key] ?? key);
  const sections = statement.customers.map((c) => {
    const rows = c.lines
      .map((l) => {
        const basis = l.covered ? (l.basis === "warranty" ? t("warranty") : t("covered")) : t("billable");
        const plan = `${l.plan ? planName(l.plan) : t("noPlan")} · ${basis}${l.covered && l.coveredMinutes < l.minutes ? ` (${l.coveredMinutes}′)` : ""}`;
        const items = l.items.length
          ? `<br><small class="items">${l.items
              .map((i) => {
                const name =
                  i.item === "package" && labels.packages[String(i.description ?? "")]
                    ? labels.packages[String(i.description)]!
                    : lookup(s, `desk.statement.items.${i.item}`);
                const what = i.description ? `${name}: ${i.description}` : name;
                return `${escapeHtml(what)} × ${i.quantity}: ${money(language, i.cents, cur)}`;
              })
              .join(", ")}</small>`
          : "";
        const session =
          l.session > 1
            ? ` <small>(${escapeHtml(fill(lookup(s, "desk.statement.session"), { n: l.session }))})</small>`
            : "";
        const mode = l.mode ? escapeHtml(lookup(s, `desk.statement.modes.${l.mode}`)) : "";
        return `<tr><td>${escapeHtml(localDate(language, l.date))}</td><td>${escapeHtml(l.ticket)}${session}</td><td>${category(l.category)}</td><td>${escapeHtml(l.technician)}</td><td>${mode}</td><td class="num">${l.minutes}</td><td>${plan}${items}</td><td class="num">${l.billedMinutes}</td>${amounts(l)}</tr>`;
      })
      .join("");
    const allowances = c.allowances
      .map((a) => {
        const key = a.per === "intervention" ? "perIntervention" : "perMonth";
        const text = fill(lookup(s, `desk.statement.${key}`), {
          plan: labels.plans[a.plan] ?? a.plan,
          interventions: a.interventions,
          used: a.usedMinutes,
          cap: a.capMinutes,
          over: a.overMinutes,
          left: a.leftMinutes ?? 0,
        });
        return `<li>${escapeHtml(text)}</li>`;
      })
      .join("");
    return `<section class="customer" data-customer="${escapeHtml(c.code)}">
<h2>${escapeHtml(c.company)} <small>${escapeHtml(c.code)}</small></h2>
${allowances ? `<h3>${t("allowance")}</h3><ul class="allowances">${allowances}</ul>` : ""}
<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th scope="row" colspan="5">${t("total")}</th><td class="num">${c.totals.minutes}</td><td></td><td class="num">${c.totals.billedMinutes}</td>${amounts(c.totals)}</tr></tfoot></table>
</section>`;
  });
  const total = statement.totals;
  const technicians = statement.technicians
    .map(
      (x) =>
        `<tr><td>${escapeHtml(x.technician || "–")}</td><td class="num">${x.interventions}</td><td class="num">${x.minutes}</td><td class="num">${x.billedMinutes}</td></tr>`,
    )
    .join("");
  return `${sections.join("\n")}
<table class="grand-total"><tbody><tr><th scope="row">${t("grandTotal")}</th><td class="num">${total.interventions} · ${total.minutes} min · ${total.billedMinutes} min</td>${amounts(total)}</tr></tbody></table>
<section class="technicians"><h2>${t("technicians")}</h2><table><thead><tr><th scope="col">${t("technician")}</th><th scope="col">${t("interventions")}</th><th scope="col">${t("minutes")}</th><th scope="col">${t("billedMinutes")}</th></tr></thead><tbody>${technicians}</tbody></table></section>`;
}

/** Registers the staff assets, and with a manager desk the manager's pages and their JSON. */
export function registerManagerRoutes(app: FastifyInstance, deps: ManagerRouteDeps): void {
  const cache = new Map<string, string>();
  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, async (_req, reply) => {
      let body = cache.get(path);
      if (body === undefined) {
        body = readFileSync(asset.file, "utf8");
        cache.set(path, body);
      }
      return reply.type(asset.type).header("cache-control", "no-cache").send(body);
    });
  }

  if (!deps.manager) return;
  const manager: ManagerDesk = deps.manager;
  const staffOf = (req: FastifyRequest) => req.staff as StaffSession;

  const today = () => DateTime.now().setZone(manager.timezone);

  app.get("/staff/reports", { preHandler: requireAdminPage }, async (req, reply) => {
    const session = staffOf(req);
    const language = pickLanguage(req.headers["accept-language"]);
    const now = today();
    return reply.type("text/html; charset=utf-8").send(
      renderPage("reports.html.tmpl", language, {
        technician: escapeHtml(session.technician.name),
        // The preset's labels in the viewer's language (categories, plans), `<` escaped for <script>.
        labels: JSON.stringify(manager.labels(language)).replace(/</g, "\\u003c"),
        from: now.startOf("month").toISODate() ?? "",
        to: now.toISODate() ?? "",
      }),
    );
  });

  app.get("/staff/api/reports", { preHandler: requireAdmin }, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const now = today();
    try {
      return await manager.report(
        q.from ?? now.startOf("month").toISODate() ?? "",
        q.to ?? now.toISODate() ?? "",
      );
    } catch (error) {
      if (error instanceof ReportError) return sendError(reply, 400, error.code, error.message);
      throw error;
    }
  });

  /** The statement a query asks for, or a reply already sent. */
  async function statementOf(req: FastifyRequest, reply: FastifyReply) {
    const q = req.query as Record<string, string | undefined>;
    const month = (q.month ?? today().toFormat("yyyy-MM")).trim();
    const customer = q.customer?.trim() || undefined;
    try {
      parseMonth(month);
      const statement = await manager.statement(month, customer);
      if (!statement) {
        sendError(reply, 404, "unknown-customer", `No customer with code ${customer}`);
        return null;
      }
      return { statement, month, customer };
    } catch (error) {
      if (error instanceof StatementError) {
        sendError(reply, 400, error.code, error.message);
        return null;
      }
      throw error;
    }
  }

  app.get("/staff/api/statement", { preHandler: requireAdmin }, async (req, reply) => {
    const found = await statementOf(req, reply);
    return found ? found.statement : reply;
  });

  app.get("/staff/statement.csv", { preHandler: requireAdminPage }, async (req, reply) => {
    const found = await statementOf(req, reply);
    if (!found) return reply;
    // ?dialect=it: `;` and a decimal comma, what Excel set to Italian opens in columns.
    const dialect = (req.query as Record<string, string | undefined>).dialect === "it" ? "it" : "standard";
    const name = `statement-${found.month}${found.customer ? `-${found.customer.toUpperCase().replace(/[^A-Z0-9]/g, "")}` : ""}${dialect === "it" ? "-it" : ""}.csv`;
    return reply
      .type("text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="${name}"`)
      .send(statementToCsv(found.statement, dialect));
  });

  app.get("/staff/statement", { preHandler: requireAdminPage }, async (req, reply) => {
    const session = staffOf(req);
    const language = pickLanguage(req.headers["accept-language"]);
    const q = req.query as Record<string, string | undefined>;
    const month = (q.month ?? today().toFormat("yyyy-MM")).trim();
    const customer = q.customer?.trim() ?? "";
    const s = webStrings(language);
    let body: string;
    let status = 200;
    try {
      parseMonth(month);
      const statement = await manager.statement(month, customer || undefined);
      if (statement) {
        body = statementHtml(statement, language, manager.labels(language));
      } else {
        status = 404;
        body = `<p class="error" role="alert">${escapeHtml(lookup(s, "desk.statement.unknownCustomer"))}</p>`;
      }
    } catch (error) {
      if (!(error instanceof StatementError)) throw error;
      status = 400;
      body = `<p class="error" role="alert">${escapeHtml(lookup(s, "desk.statement.badMonth"))}</p>`;
    }
    const csv = `/staff/statement.csv?${new URLSearchParams({ month, ...(customer ? { customer } : {}) })}`;
    const csvIt = `${csv}&dialect=it`;
    return reply
      .code(status)
      .type("text/html; charset=utf-8")
      .send(
        renderPage("statement.html.tmpl", language, {
          technician: escapeHtml(session.technician.name),
          month: escapeHtml(month),
          monthTitle: escapeHtml(monthTitle(language, month)),
          customer: escapeHtml(customer),
          csvUrl: escapeHtml(csv),
          csvItUrl: escapeHtml(csvIt),
          body,
        }),
      );
  });
}

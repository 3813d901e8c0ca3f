/**
 * The manager's pages in real Chromium on the seeded month: an administrator opens the reports
 * (charts drawn by the locally served chart.js, no request leaves the server, no CSP violation)
 * and the March statement (totals, CSV download); a technician is refused both. On the customers
 * page an administrator saves a customer's plans and downloads the export through the page's own
 * script (which sends the board's CSRF token); the same change without the token is refused.
 * SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebChannel, type WebChannel } from "../../src/channels/web/webChannel.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import { createManagerDesk } from "../../src/desk/board/managerDesk.js";
import { hashPassword } from "../../src/desk/board/passwords.js";
import { createStaffAuth } from "../../src/desk/board/staffAuth.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { createHttpServer, type HttpServer } from "../../src/server/httpServer.js";
import { registerOncallRoutes } from "../../src/server/oncallRoutes.js";
import { type SeededMonth, seedMonth } from "../support/seedMonth.js";
import { launchChromium } from "../support/testBrowser.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const SHOTS = "test-results/screenshots";
const WAIT = { timeout: 15_000 };

let t: TestDatabase;
let seed: SeededMonth;
let dataDir: string;
let server: HttpServer;
let webChannel: WebChannel;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-manager-"));
  seed = await seedMonth(t.db, dataDir);
  webChannel = createWebChannel({ dataDir });
  // Laura is an administrator, Luca a technician (roles as `sportello staff role` sets them).
  const access = createStaffAccessStore(t.db);
  for (const [name, role, password] of [
    ["Laura", "admin", "laura-password-1"],
    ["Luca", "technician", "luca-password-1"],
  ] as const) {
    const account = (await access.findByName(name)) ?? (await access.create(name, role));
    await access.setRole(account.id, role);
    await access.setPassword(account.id, await hashPassword(password));
  }
  const staffAuth = createStaffAuth({ store: access });
  server = createHttpServer({
    port: 0,
    host: "127.0.0.1",
    webChannel,
    staffActions: seed.runtimes.leotron!,
    health: async () => ({ db: { reachable: true }, channels: {} }),
    metrics: createMetrics({ defaultMetrics: false }),
    logger: silentLogger,
    staffAuth,
    manager: createManagerDesk({ db: t.db, policy: seed.policies.leotron! }),
    customers: {
      db: t.db,
      policy: seed.policies.leotron!,
      dataDir,
      now: () => new Date("2027-04-02T10:00:00Z"),
    },
    // The board's ticket view asks for the ticket's on-call pages, as in `startApp`.
    routes: [
      (scope) =>
        registerOncallRoutes(scope, {
          rota: seed.runtimes.leotron!.rota,
          pager: seed.runtimes.leotron!.pager,
          technicians: () => seed.runtimes.leotron!.rota.technicians(),
        }),
    ],
  });
  baseUrl = await server.start();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await webChannel?.stop();
  await seed?.stop();
  await t?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A browser context signed in as `name`; collects every request URL and console error. */
async function signedIn(name: string, password: string, language: "it" | "en" = "it") {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: language === "it" ? "it-IT" : "en-GB",
    timezoneId: "Europe/Rome",
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  page.on("console", (m) => {
    // Failed loads are checked through the responses (Chromium's own favicon request is not one).
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${baseUrl}/staff/login`);
  await page.getByLabel(language === "it" ? "Nome" : "Name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: language === "it" ? "Entra" : "Log in" }).click();
  await page.waitForURL(`${baseUrl}/staff`, WAIT);
  return { context, page, requests, errors };
}

describe("manager pages", () => {
  it("an administrator opens the reports with charts and the March statement", async () => {
    const { context, page, requests, errors } = await signedIn("Laura", "laura-password-1");
    try {
      await page.goto(`${baseUrl}/staff/reports`);
      await page.locator("#from").fill("2027-03-01");
      await page.locator("#to").fill("2027-03-31");
      await page.getByRole("button", { name: "Mostra" }).click();
      await page.waitForSelector('body[data-loaded="2027-03-01..2027-03-31"]', WAIT);
      expect(await page.locator("#opened").textContent()).toBe("12");
      expect(await page.locator("#closed").textContent()).toBe("11");
      // Service-hour medians (hand-computed in test/reports/report.test.ts).
      expect(await page.locator("#first-median").textContent()).toBe("20");
      expect(await page.locator("#resolution-p90").textContent()).toBe("210");
      expect(await page.locator("#csat-average").textContent()).toBe("3,67");
      await page.getByText("Ci è voluto troppo").waitFor(WAIT);
      // Runs in the page (a string, so the test needs no DOM types): datasets drawn per chart.
      const charts = (await page.evaluate(`["chart-weeks", "chart-csat", "chart-revenue"].map(
        (id) => window.Chart.getChart(document.getElementById(id))?.data.datasets.length ?? 0,
      )`)) as number[];
      expect(charts.every((n) => n > 0)).toBe(true);
      await page.getByRole("button", { name: "per piano" }).click();
      // Labels in the viewer's language, months by name, euros on the revenue axis.
      const revenue = (await page.evaluate(`(() => {
        const chart = window.Chart.getChart(document.getElementById("chart-revenue"));
        return { labels: chart.data.labels, tick: chart.options.scales.money.ticks.callback(1200) };
      })()`)) as { labels: string[]; tick: string };
      expect(revenue.labels).toEqual(["marzo 2027"]);
      expect(revenue.tick).toMatch(/1200,00\s€|1\.200,00\s€/);
      const list = page.locator("#ticket-list");
      // d-free was opened and closed at night: "outside service hours", not "0 min".
      const free = list.locator(`tr:has-text("${seed.numbers["d-free"]}")`);
      expect(await free.textContent()).toContain("fuori orario di servizio");
      expect(await list.textContent()).toContain("Ricostruzione archivi e recupero dati");
      expect(await list.textContent()).not.toContain("data-recovery");
      expect(await page.locator("#breaches").textContent()).toContain("richiamo scaduto");
      expect(await page.locator("#technicians").textContent()).toContain("Marco");
      await page.screenshot({ path: `${SHOTS}/manager-reports.png`, fullPage: true });

      await page.getByRole("link", { name: "Estratto conto" }).click();
      await page.getByLabel("Mese").fill("2027-03");
      await page.getByRole("button", { name: "Mostra" }).click();
      await page.waitForURL(/month=2027-03/, WAIT);
      const grand = page.locator(".grand-total");
      await expect.poll(() => grand.textContent()).toContain("730,78");
      expect(await grand.textContent()).toContain("599,00");
      expect(await page.locator("h1").textContent()).toContain("marzo 2027");
      const ottica = page.locator('section.customer:has-text("Ottica Blu")');
      expect(await ottica.textContent()).toContain(
        "170 min usati su 120 min del mese, ne restano 0 (50 min oltre il limite)",
      );
      expect(await ottica.textContent()).toContain("Virus informatici");
      expect(await ottica.textContent()).toContain("2 mar 2027");
      expect(await page.locator("#statement").textContent()).not.toContain("virus-removal");
      await page.screenshot({ path: `${SHOTS}/manager-statement.png`, fullPage: true });

      const [download] = await Promise.all([
        page.waitForEvent("download", WAIT),
        page.getByRole("link", { name: "Scarica CSV" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("statement-2027-03.csv");
      const csv = await readFile((await download.path())!, "utf8");
      expect(csv).toContain("total,2027-03");
      expect(csv).toContain("599.00,131.78,730.78");
      const [italian] = await Promise.all([
        page.waitForEvent("download", WAIT),
        page.getByRole("link", { name: "CSV per Excel italiano" }).click(),
      ]);
      expect(italian.suggestedFilename()).toBe("statement-2027-03-it.csv");
      expect(await readFile((await italian.path())!, "utf8")).toContain("599,00;131,78;730,78");

      // Everything came from this server (chart.js included); no script was blocked.
      expect(requests.filter((u) => !u.startsWith(baseUrl))).toEqual([]);
      expect(requests).toContain(`${baseUrl}/staff/vendor/chart.umd.min.js`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("an administrator reads the reports and the statement in English", async () => {
    const { context, page, errors } = await signedIn("Laura", "laura-password-1", "en");
    try {
      await page.goto(`${baseUrl}/staff/reports`);
      await page.locator("#from").fill("2027-03-01");
      await page.locator("#to").fill("2027-03-31");
      await page.getByRole("button", { name: "Show" }).click();
      await page.waitForSelector('body[data-loaded="2027-03-01..2027-03-31"]', WAIT);
      const list = page.locator("#ticket-list");
      expect(await list.textContent()).toContain("Archive rebuild and data recovery");
      expect(await list.textContent()).toContain("outside service hours");
      const labels = (await page.evaluate(
        `window.Chart.getChart(document.getElementById("chart-revenue")).data.labels`,
      )) as string[];
      expect(labels).toEqual(["March 2027"]);
      await page.screenshot({ path: `${SHOTS}/manager-reports-en.png`, fullPage: true });
      await page.goto(`${baseUrl}/staff/statement?month=2027-03`);
      expect(await page.locator("h1").textContent()).toContain("March 2027");
      const ottica = page.locator('section.customer:has-text("Ottica Blu")');
      expect(await ottica.textContent()).toContain("Virus removal");
      expect(await ottica.textContent()).toContain("2 Mar 2027");
      expect(await ottica.textContent()).toContain("170 of the month's 120 min used, 0 left");
      expect(await page.locator(".grand-total").textContent()).toContain("€730.78");
      await page.screenshot({ path: `${SHOTS}/manager-statement-en.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a technician cannot open the reports or a statement, and is not shown their links", async () => {
    const { context, page } = await signedIn("Luca", "luca-password-1");
    try {
      const nav = page.locator("nav.desk-nav");
      expect(await nav.textContent()).toContain("Clienti");
      expect(await nav.locator('a[href="/staff/reports"], a[href="/staff/statement"]').count()).toBe(0);
      await page.goto(`${baseUrl}/staff/customers`);
      expect(await page.locator('nav.desk-nav a[href="/staff/reports"]').count()).toBe(0);
      const reports = await page.goto(`${baseUrl}/staff/reports`);
      expect(reports?.status()).toBe(403);
      await page.getByText("riservata agli amministratori").waitFor(WAIT);
      const statement = await page.goto(`${baseUrl}/staff/statement?month=2027-03`);
      expect(statement?.status()).toBe(403);
      const api = await page.evaluate(async () => {
        const r = await fetch("/staff/api/statement?month=2027-03");
        return { status: r.status, body: await r.json() };
      });
      expect(api).toMatchObject({ status: 403, body: { error: { code: "admin-required" } } });
      const reportsApi = await page.evaluate(async () => (await fetch("/staff/api/reports")).status);
      expect(reportsApi).toBe(403);
      const csv = await page.evaluate(async () => (await fetch("/staff/statement.csv?month=2027-03")).status);
      expect(csv).toBe(403);
    } finally {
      await context.close();
    }
  });

  it("the board's close form shows spare parts and transport in the charge before confirming", async () => {
    const { context, page, errors } = await signedIn("Luca", "luca-password-1");
    try {
      const number = seed.numbers["a-open"]!;
      await page.locator("#tickets button", { hasText: number }).click(WAIT);
      await page.locator("#minutes").fill("90");
      await page.locator("#mode").selectOption("office");
      await page.locator("#part-description").fill("Alimentatore 24 V");
      await page.locator("#part-euros").fill("45");
      await page.locator("#transport-euros").fill("20");
      await page.locator("#preview").click();
      // J-System covers 60 of the 90 minutes (leotron, per intervention): 30 over → 1 h = 80 €;
      // with the part and the transport 145 € + 22% VAT = 176,90 €.
      await expect.poll(() => page.locator("#charge").textContent(), WAIT).toContain("176,90");
      const text = (await page.locator("#charge").textContent()) ?? "";
      expect(text).toMatch(/ricambi Alimentatore 24 V: 45,00\s€/);
      expect(text).toMatch(/trasporto: 20,00\s€/);
      expect(await page.locator("#confirm-close").isDisabled()).toBe(false);
      await page.screenshot({ path: `${SHOTS}/board-close-parts.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("an administrator saves a customer's plans and exports the data from the customers page", async () => {
    const { context, page, errors } = await signedIn("Laura", "laura-password-1");
    const code = seed.customers.B.code;
    try {
      await page.goto(`${baseUrl}/staff/customers?customer=${code}`);
      await page.locator("#plan-standard").check(WAIT);
      await page.locator("#save").click();
      await page.getByText("Salvato.").waitFor(WAIT);
      const saved = await page.evaluate(
        async (c) => (await fetch(`/staff/api/customers/${c}`)).json() as Promise<{ plans: string[] }>,
        code,
      );
      expect(saved.plans).toEqual(["standard"]);

      const [download] = await Promise.all([
        page.waitForEvent("download", WAIT),
        page.locator("#export").click(),
      ]);
      expect(download.suggestedFilename()).toBe(`customer-${code}.tar.gz`);
      expect((await readFile((await download.path())!)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(errors).toEqual([]);

      // The same change without the page's CSRF token is refused and changes nothing.
      const forged = await page.evaluate(async (c) => {
        const r = await fetch(`/staff/api/customers/${c}`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ plans: [] }),
        });
        return { status: r.status, body: await r.json() };
      }, code);
      expect(forged).toMatchObject({ status: 403, body: { error: { code: "csrf-invalid" } } });
      const after = await page.evaluate(
        async (c) => (await fetch(`/staff/api/customers/${c}`)).json() as Promise<{ plans: string[] }>,
        code,
      );
      expect(after.plans).toEqual(["standard"]);
    } finally {
      await context.close();
    }
  });
});

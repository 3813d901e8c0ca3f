/**
 * The same loop as webLoop.test.ts, on the real {@link SupportRuntime} and database (SQLite, or
 * PostgreSQL with SPORTELLO_TEST_DB=postgres): an unknown customer goes through the Leotron intake
 * on the web chat in real Chromium, a technician claims, answers and closes on the board (local
 * mode: no credentials configured, so localhost signs in by name), and the customer sees the
 * claim, the reply, the outcome with the charge and the feedback question.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebChannel } from "../../src/channels/web/webChannel.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import * as store from "../../src/data/supportStore.js";
import type { BoardQueries } from "../../src/desk/board/boardQueries.js";
import { createStaffAuth } from "../../src/desk/board/staffAuth.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics, runtimeMetrics } from "../../src/observability/metrics.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { createHttpServer, type HttpServer } from "../../src/server/httpServer.js";
import { createHarness } from "../support/harness.js";
import { memoryMediaStore } from "../support/memoryMediaStore.js";
import { launchChromium, QUIET_NETWORK_ARGS } from "../support/testBrowser.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const SHOTS = "test-results/screenshots";
const WAIT = { timeout: 10_000 };
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

let t: TestDatabase;
let runtime: SupportRuntime;
let server: HttpServer;
let baseUrl: string;
let browser: Browser;
let dataDir: string;
const metrics = createMetrics({ defaultMetrics: false });
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-web-rt-"));
  // Tuesday 10:00 in Rome: support is open, so the intake is the same every run.
  const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");
  const webChannel = createWebChannel({ dataDir, now: () => clock.now() });
  await store.upsertTechnician(t.db, { name: "Marco" });
  ({ runtime } = await createHarness({
    database: t,
    policy: "leotron",
    clock,
    channels: [webChannel],
    offlineTriage: () => ({ category: null }),
    metrics: runtimeMetrics(metrics),
    // Files the board sends to customers (the app keeps them under the data folder).
    mediaStore: memoryMediaStore(),
  }));
  server = createHttpServer({
    port: 0,
    host: "127.0.0.1",
    webChannel,
    staffActions: runtime,
    boardQueries: { transcript: runtime.transcript } as BoardQueries,
    health: async () => ({ db: { reachable: true }, channels: { web: webChannel.state() } }),
    metrics,
    logger: silentLogger,
    // No technician has credentials: the board is open to localhost, by name.
    staffAuth: createStaffAuth({ store: createStaffAccessStore(t.db) }),
  });
  baseUrl = await server.start();
  browser = await launchChromium(QUIET_NETWORK_ARGS);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await runtime?.stop();
  await t?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function open(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: "it-IT", timezoneId: "Europe/Rome" });
  contexts.push(context);
  return context.newPage();
}

/** Sends a line and waits until the bot has answered it (one more bot message than before). */
async function customerSays(page: Page, text: string): Promise<void> {
  const before = await page.locator("li.msg.out").count();
  await page.getByLabel("Il tuo messaggio").fill(text);
  await page.keyboard.press("Enter");
  await page.locator("li.msg.out").nth(before).waitFor(WAIT);
}

async function customerChooses(page: Page, label: string): Promise<void> {
  const before = await page.locator("li.msg.out").count();
  await page.getByRole("button", { name: label, exact: true }).click();
  await page.locator("li.msg.out").nth(before).waitFor(WAIT);
}

describe("web chat and staff board on the real runtime", () => {
  it("opens, claims, answers and closes a ticket end to end", async () => {
    const customer = await open({ width: 390, height: 780 });
    await customer.goto(`${baseUrl}/`);
    await customer.getByRole("heading", { name: "Assistenza tecnica" }).waitFor(WAIT);
    await customerSays(customer, "La stampante degli scontrini non stampa");
    await customerSays(customer, "Bar Roma");
    await customerSays(customer, "Anna Rossi 3331234567");
    // The offline triage (as npm start has it) suggests the category: confirmed.
    await customerChooses(customer, "Sì");
    await customerChooses(customer, "Sì, riesco a lavorare");
    await customerChooses(customer, "Accetto");
    await customer
      .getByText(/LT-2027-00001/)
      .first()
      .waitFor(WAIT);
    const [ticket] = await runtime.listTickets("all");
    expect(ticket).toMatchObject({ number: "LT-2027-00001", channel: "web", status: "open" });

    const staff = await open({ width: 1280, height: 820 });
    await staff.goto(`${baseUrl}/staff`);
    // Localhost mode: a technician without a password continues from this computer.
    await staff.getByRole("button", { name: "Continua come Marco" }).click();
    await staff.getByRole("button", { name: /LT-2027-00001/ }).click();
    await staff.locator("#transcript").getByText("La stampante degli scontrini non stampa").waitFor(WAIT);
    await staff.getByRole("button", { name: "Prendi in carico" }).click();
    await staff.locator("#ticket-meta").getByText("Assegnato a: Marco").waitFor(WAIT);
    await customer.getByText(/Marco.*LT-2027-00001/).waitFor(WAIT);

    // A photo from the customer reaches the ticket; the board links it and serves it to staff only.
    await customer.getByLabel("Allega una foto o un file").setInputFiles({
      name: "errore.png",
      mimeType: "image/png",
      buffer: Buffer.from(PNG, "base64"),
    });
    await customer.getByLabel("Il tuo messaggio").fill("Ecco la foto dell'errore");
    await customer.keyboard.press("Enter");
    const link = staff.locator("#transcript a", { hasText: "errore.png" });
    await link.waitFor(WAIT);
    const href = await link.getAttribute("href");
    expect(href).toMatch(/^\/staff\/files\/[a-f0-9]{32}$/);
    const file = await staff.request.get(`${baseUrl}${href}`);
    expect(file.status()).toBe(200);
    expect(file.headers()["content-type"]).toBe("image/png");
    expect(Buffer.from(await file.body())).toEqual(Buffer.from(PNG, "base64"));
    const anonymous = await fetch(`${baseUrl}${href}`);
    expect(anonymous.status).toBe(401);

    await staff.getByLabel("Messaggio").fill("Reinstallo il driver della stampante da remoto, un attimo.");
    await staff.getByRole("button", { name: "Rispondi al cliente" }).click();
    await customer.getByText(/Marco: Reinstallo il driver della stampante da remoto/).waitFor(WAIT);

    // A file to the customer from the reply box (the board's script sends the CSRF token).
    await staff.locator("#file").setInputFiles({
      name: "schema-collegamento.png",
      mimeType: "image/png",
      buffer: Buffer.from(PNG, "base64"),
    });
    await staff.locator("#send-file").click();
    await staff.locator("#file-status").getByText("File inviato.").waitFor(WAIT);
    await customer.getByAltText("schema-collegamento.png").first().waitFor(WAIT);

    await staff.getByLabel("Minuti lavorati").fill("45");
    await staff.getByLabel("Soluzione").fill("Driver della stampante reinstallato");
    await staff.getByRole("button", { name: "Mostra addebito" }).click();
    // 80 €/h + VAT, minimum one hour (Leotron policy).
    await staff.locator("#charge").getByText(/97,60/).waitFor(WAIT);
    await staff.getByRole("button", { name: "Conferma chiusura" }).click();

    await customer.getByText(/chiusa: Driver della stampante reinstallato/).waitFor(WAIT);
    await customer.getByText(/97,60/).waitFor(WAIT);
    await customer.getByText(/Come valuti l'assistenza/).waitFor(WAIT);
    await staff.getByRole("button", { name: "Riapri" }).waitFor(WAIT);
    // A closed ticket takes no more replies or closes from the board.
    expect(await staff.locator("#close-form").isVisible()).toBe(false);
    expect(await staff.locator("#message-form").isVisible()).toBe(false);
    expect(await runtime.getTicket("LT-2027-00001")).toMatchObject({ status: "closed", minutes: 45 });
    const exposed = await metrics.render();
    expect(exposed).toContain("sportello_tickets_closed_total 1");

    await customer.screenshot({ path: `${SHOTS}/chat-runtime-phone.png`, fullPage: true });
    await staff.screenshot({ path: `${SHOTS}/board-runtime-desktop.png`, fullPage: true });
  });
});

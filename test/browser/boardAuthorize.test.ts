/**
 * LeghornGroup on the staff board in real Chromium: a ticket waiting for the sales
 * representative's authorization (opened through the runtime's intake on a local Telegram chat)
 * is authorized from the board, then claimed. SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChannel } from "../../src/channels/local/localChannel.js";
import { createWebChannel, type WebChannel } from "../../src/channels/web/webChannel.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import * as store from "../../src/data/supportStore.js";
import type { BoardQueries } from "../../src/desk/board/boardQueries.js";
import { createStaffAuth } from "../../src/desk/board/staffAuth.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { createHttpServer, type HttpServer } from "../../src/server/httpServer.js";
import { createHarness } from "../support/harness.js";
import { launchChromium } from "../support/testBrowser.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const SHOTS = "test-results/screenshots";
const WAIT = { timeout: 10_000 };
const NUMBER = "LG-2027-00001";

let t: TestDatabase;
let runtime: SupportRuntime;
let server: HttpServer;
let webChannel: WebChannel;
let telegram: LocalChannel;
let baseUrl: string;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-board-auth-"));
  // Tuesday 10:00 in Rome: support is open.
  const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");
  webChannel = createWebChannel({ dataDir, now: () => clock.now() });
  await store.upsertTechnician(t.db, { name: "Luca" });
  const h = await createHarness({
    database: t,
    policy: "leghorn",
    clock,
    channels: ["telegram", webChannel],
    offlineTriage: () => ({ category: "hardware-repair" }),
  });
  runtime = h.runtime;
  telegram = h.local("telegram");
  server = createHttpServer({
    port: 0,
    host: "127.0.0.1",
    webChannel,
    staffActions: runtime,
    boardQueries: { transcript: runtime.transcript } as BoardQueries,
    health: async () => ({ db: { reachable: true }, channels: { web: webChannel.state() } }),
    metrics: createMetrics({ defaultMetrics: false }),
    logger: silentLogger,
    // No credentials: the board is open to localhost, by name.
    staffAuth: createStaffAuth({ store: createStaffAccessStore(t.db) }),
  });
  baseUrl = await server.start();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await runtime?.stop();
  await webChannel?.stop();
  await t?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("staff board: LeghornGroup authorization", () => {
  it("authorizes a ticket awaiting the sales representative, then claims it", async () => {
    // The LeghornGroup intake of an unknown customer: its last question is the sales representative.
    for (const text of [
      "La serratura elettronica non si accende",
      "Porto Logistics",
      "Anna Bianchi, +39 333 1112223",
      "sì",
      "Serratura SL-200",
      "10/01/2027",
      "no", // no serious damage
      "Mario Rossi",
    ]) {
      await telegram.receive(telegram.message("555000111", text));
    }
    expect(await runtime.getTicket(NUMBER)).toMatchObject({ status: "awaiting-authorization" });

    const context = await browser.newContext({
      viewport: { width: 1280, height: 820 },
      locale: "it-IT",
      timezoneId: "Europe/Rome",
    });
    try {
      const staff = await context.newPage();
      await staff.goto(`${baseUrl}/staff`);
      // Localhost mode: a technician without a password continues from this computer.
      await staff.getByRole("button", { name: "Continua come Luca" }).click();
      await staff.getByRole("button", { name: new RegExp(NUMBER) }).click();
      await staff.locator("#ticket-meta").getByText("In attesa di autorizzazione").waitFor(WAIT);
      // Nothing to claim until the sales representative has authorized.
      expect(await staff.locator("#claim").isVisible()).toBe(false);
      // The close form's category is the preset's list, prefilled with the ticket's.
      expect(await staff.locator("#category").inputValue()).toBe("hardware-repair");

      await staff.getByLabel("Commerciale che ha autorizzato").fill("Mario Rossi");
      await staff.getByRole("button", { name: "Autorizza", exact: true }).click();
      await staff.locator("#ticket-meta").getByText("Stato: Aperto").waitFor(WAIT);
      expect(await staff.locator("#authorize-form").isVisible()).toBe(false);
      expect(await runtime.getTicket(NUMBER)).toMatchObject({ status: "open", salesRep: "Mario Rossi" });

      await staff.getByRole("button", { name: "Prendi in carico" }).click();
      await staff.locator("#ticket-meta").getByText("Assegnato a: Luca").waitFor(WAIT);
      expect(await runtime.getTicket(NUMBER)).toMatchObject({
        status: "claimed",
        assignee: { name: "Luca" },
      });
      expect(telegram.sent.some((m) => m.text.includes("Luca"))).toBe(true);
      await staff.screenshot({ path: `${SHOTS}/board-authorize.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });
});

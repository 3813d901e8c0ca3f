/**
 * The board's Authorize, Acknowledge page and close-with-category actions and the reply origin,
 * through the HTTP API on the real {@link SupportRuntime} (LeghornGroup preset: its intake asks
 * for the sales representative, so the ticket waits for an authorization). SQLite, or
 * PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChannel } from "../../src/channels/local/localChannel.js";
import { createWebChannel, type WebChannel } from "../../src/channels/web/webChannel.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import * as store from "../../src/data/supportStore.js";
import { hashPassword } from "../../src/desk/board/passwords.js";
import { createStaffAuth, type StaffAuth } from "../../src/desk/board/staffAuth.js";
import type { DeskEvent, StaffDesk } from "../../src/desk/port.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { createHttpServer, type HttpServer } from "../../src/server/httpServer.js";
import { type BoardAgent, boardAgent } from "../support/boardAgent.js";
import { createHarness } from "../support/harness.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const REMOTE = "203.0.113.9";
const NUMBER = "LG-2027-00001";

let t: TestDatabase;
let runtime: SupportRuntime;
let server: HttpServer;
let webChannel: WebChannel;
let dataDir: string;
let telegram: LocalChannel;
const deskEvents: DeskEvent[] = [];
const agents: Record<string, { agent: BoardAgent; csrf: string }> = {};
let staffAuth: StaffAuth;

/** A desk that only records what the runtime tells it. */
const recordingDesk: StaffDesk = {
  name: "recorder",
  start: async () => {},
  stop: async () => {},
  notify: async (event) => {
    deskEvents.push(event);
  },
};

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-board-actions-"));
  const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");
  webChannel = createWebChannel({ dataDir, now: () => clock.now() });
  const h = await createHarness({
    database: t,
    policy: "leghorn",
    clock,
    channels: ["telegram", webChannel],
    desks: [recordingDesk],
    offlineTriage: () => ({ category: "hardware-repair" }),
  });
  runtime = h.runtime;
  telegram = h.local("telegram");
  const access = createStaffAccessStore(t.db);
  // Luca works tickets; Intruder had a password too but is disabled once signed in.
  staffAuth = createStaffAuth({ store: access });
  for (const [name, password] of [
    ["Luca", "luca-password-1"],
    ["Intruder", "intruder-password-1"],
  ] as const) {
    const account = await access.create(name, "technician");
    await access.setPassword(account.id, await hashPassword(password));
  }
  server = createHttpServer({
    port: 0,
    host: "127.0.0.1",
    publicUrl: "https://support.example.com",
    webChannel,
    staffActions: runtime,
    health: async () => ({ db: { reachable: true }, channels: {} }),
    metrics: createMetrics({ defaultMetrics: false }),
    logger: silentLogger,
    staffAuth,
  });
  await server.app.ready();
  for (const [name, password] of [
    ["Luca", "luca-password-1"],
    ["Intruder", "intruder-password-1"],
  ] as const) {
    const agent = boardAgent(server.app, { remoteAddress: REMOTE, headers: { host: "support.example.com" } });
    expect((await agent.login(name, password)).statusCode).toBe(303);
    agents[name] = { agent, csrf: await agent.csrf("/staff") };
  }
  // The LeghornGroup intake of an unknown customer, as in the leghorn authorization story.
  for (const text of [
    "Hello, the electronic lock does not turn on",
    "Porto Logistics",
    "Anna Bianchi, +39 333 1112223",
    "sì",
    "Smart lock SL-200",
    "10/01/2027",
    "no", // no serious damage
    "Mario Rossi",
  ]) {
    await telegram.receive(telegram.message("555000111", text));
  }
});

afterAll(async () => {
  await server?.stop();
  await runtime?.stop();
  await webChannel?.stop();
  await t?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function act(as: "Luca" | "Intruder" | null, body: unknown, number = NUMBER) {
  const request = {
    method: "POST" as const,
    url: `/staff/api/tickets/${number}/actions`,
    remoteAddress: REMOTE,
    payload: JSON.stringify(body),
  };
  if (!as) {
    return server.app.inject({
      ...request,
      headers: { host: "support.example.com", "content-type": "application/json" },
    });
  }
  const { agent, csrf } = agents[as]!;
  return agent.request({ ...request, headers: { "content-type": "application/json", "x-csrf-token": csrf } });
}

describe("board actions on the real runtime (LeghornGroup)", () => {
  it("the intake left the ticket waiting for the sales representative", async () => {
    expect(await runtime.getTicket(NUMBER)).toMatchObject({
      status: "awaiting-authorization",
      salesRep: "Mario Rossi",
    });
  });

  it("refuses Authorize and Acknowledge page without a session and from a disabled technician", async () => {
    for (const body of [{ type: "authorize", salesRep: "Mario Rossi" }, { type: "ack-page" }]) {
      const anonymous = await act(null, body);
      expect(anonymous.statusCode).toBe(401);
      await staffAuth.disable("Intruder");
      const intruder = await act("Intruder", body);
      expect(intruder.statusCode).toBe(401);
      expect(intruder.json().error.code).toBe("login-required");
    }
    expect((await runtime.getTicket(NUMBER))?.status).toBe("awaiting-authorization");
  });

  it("refuses an Authorize without a usable sales representative with a clear 400", async () => {
    for (const salesRep of [undefined, "", "   ", 42, "x".repeat(121)]) {
      const response = await act("Luca", { type: "authorize", salesRep });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: "invalid-input" });
      expect(response.json().error.message).toMatch(/salesRep .*required/);
    }
    expect((await runtime.getTicket(NUMBER))?.status).toBe("awaiting-authorization");
  });

  it("a ticket awaiting authorization cannot be claimed; once authorized it can", async () => {
    const early = await act("Luca", { type: "claim" });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe("invalid-state");
    const authorized = await act("Luca", { type: "authorize", salesRep: "  Mario Rossi " });
    expect(authorized.statusCode).toBe(200);
    expect(authorized.json().ticket).toMatchObject({ status: "open", salesRep: "Mario Rossi" });
    // The customer opened in English (detected, as npm start detects it): the news is in English.
    expect(telegram.sent.at(-1)?.text).toMatch(/LG-2027-00001 is now with technical support/);
    // Authorizing twice is a state error, not a silent success.
    expect((await act("Luca", { type: "authorize", salesRep: "Mario Rossi" })).statusCode).toBe(409);
    const claimed = await act("Luca", { type: "claim" });
    expect(claimed.statusCode).toBe(200);
    expect(claimed.json().ticket).toMatchObject({ status: "claimed", assignee: { name: "Luca" } });
  });

  it("Acknowledge page is recorded for the technician", async () => {
    const response = await act("Luca", { type: "ack-page" });
    expect(response.statusCode).toBe(200);
    const events = await store.listEvents(t.db, {});
    expect(events.filter((e) => e.type === "oncall.acknowledged").map((e) => e.actor)).toEqual(["Luca"]);
    expect((await act("Luca", { type: "ack-page" }, "LG-2027-99999")).statusCode).toBe(404);
  });

  it("a board reply reaches desks marked as coming from the board", async () => {
    const response = await act("Luca", { type: "reply", text: "Please hold the reset button for 10 s." });
    expect(response.statusCode).toBe(200);
    await runtime.runDueJobs();
    const replies = deskEvents.filter((e) => e.type === "staff.reply");
    expect(replies).toEqual([
      expect.objectContaining({ text: "Please hold the reset button for 10 s.", origin: "board" }),
    ]);
  });

  it("lists the preset's categories and closes only with one of them", async () => {
    const listed = await agents.Luca!.agent.request({ url: "/staff/api/categories" });
    expect(listed.statusCode).toBe(200);
    const keys = (listed.json().categories as { key: string; label: { it: string; en: string } }[]).map(
      (c) => c.key,
    );
    expect(keys).toEqual(loadPolicy("leghorn").categories.map((c) => c.key));
    expect(
      (
        await server.app.inject({
          url: "/staff/api/categories",
          remoteAddress: REMOTE,
          headers: { host: "support.example.com" },
        })
      ).statusCode,
    ).toBe(401);

    const close = { type: "close", minutes: 10, resolution: "Lock reset" };
    for (const category of ["printers-of-mars", 7]) {
      const refused = await act("Luca", { ...close, category });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe("invalid-input");
      expect(refused.json().error.message).toContain("category must be one of the preset's categories");
    }
    expect((await runtime.getTicket(NUMBER))?.status).toBe("claimed");
    const before = (await runtime.getTicket(NUMBER))?.category;
    const chosen = keys.find((k) => k !== before) ?? keys[0]!;
    // A package with travel: listed, previewed before confirming, refused when malformed, billed.
    const packages = await agents.Luca!.agent.request({ url: "/staff/api/packages" });
    expect(packages.json().packages.map((p: { key: string; travel: boolean }) => [p.key, p.travel])).toEqual([
      ["half-day", false],
      ["day", false],
      ["onsite-day", true],
    ]);
    const preview = await agents.Luca!.agent.request({
      url: `/staff/api/tickets/${NUMBER}/charge?minutes=300&package=onsite-day&km=64&days=2`,
    });
    // 550 + 64 × 0.40 + 2 × 50 = 675.60 € net; VAT 22% = 148.63 €.
    expect(preview.json().charge).toMatchObject({
      package: "onsite-day",
      netCents: 67560,
      grossCents: 82423,
    });
    // Unknown plan, category or package, malformed parts: 400 with a stable code, never a 500.
    for (const [query, code] of [
      ["minutes=60&plan=platinum", "unknown-plan"],
      ["minutes=60&category=space-travel", "unknown-category"],
      ["minutes=60&package=week", "unknown-package"],
      ["minutes=60&partCents=12.5&partDescription=PSU", "invalid-input"],
      ["minutes=60&partCents=500&partDescription=", "invalid-input"],
    ] as const) {
      const refused = await agents.Luca!.agent.request({
        url: `/staff/api/tickets/${NUMBER}/charge?${query}`,
      });
      expect(refused.statusCode, query).toBe(400);
      expect(refused.json().error.code, query).toBe(code);
    }
    // Parts and transport are shown before confirming: 60 min − 15 free → 45 min at 52 €/h = 39 €.
    const withParts = await agents.Luca!.agent.request({
      url: `/staff/api/tickets/${NUMBER}/charge?minutes=60&plan=none&partCents=2500&partDescription=Batteria&transportCents=1500`,
    });
    expect(withParts.statusCode).toBe(200);
    expect(withParts.json().charge).toMatchObject({
      netCents: 3900 + 2500 + 1500,
      lines: [
        { item: "hourly", quantity: 45, cents: 3900 },
        { item: "parts", quantity: 1, cents: 2500, description: "Batteria" },
        { item: "transport", quantity: 1, cents: 1500 },
      ],
    });
    const badMode = await act("Luca", { ...close, category: chosen, mode: "teleport" });
    expect(badMode.statusCode).toBe(400);
    const badKm = await act("Luca", { ...close, category: chosen, package: "onsite-day", km: -3 });
    expect(badKm.statusCode).toBe(400);
    const travelOnHalfDay = await act("Luca", { ...close, category: chosen, package: "half-day", km: 10 });
    expect(travelOnHalfDay.statusCode).toBe(400);
    expect(travelOnHalfDay.json().error.message).toContain("no travel expenses");
    const closed = await act("Luca", { ...close, category: chosen, package: "onsite-day", km: 64, days: 2 });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().ticket).toMatchObject({
      status: "closed",
      category: chosen,
      charge: { package: "onsite-day", grossCents: 82423, covered: false },
    });
  });

  it("each desk keeps its own reference for the ticket: a second desk never overwrites the first", async () => {
    await runtime.setDeskRef(NUMBER, "slack", { channel: "C1", ts: "1.2" });
    await runtime.setDeskRef(NUMBER, "email", { messageId: "<t1@support.example.com>" });
    await runtime.setDeskRef(NUMBER, "slack", { channel: "C1", ts: "3.4" });
    expect((await runtime.getTicket(NUMBER))?.deskRefs).toEqual({
      slack: { channel: "C1", ts: "3.4" },
      email: { messageId: "<t1@support.example.com>" },
    });
  });
});

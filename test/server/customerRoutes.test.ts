/**
 * History on the staff board over HTTP on the seeded month: search by phone, company, ticket
 * number and transcript text; a customer's page with warranty dates; an admin's edit of plans and
 * purchases (validated against the preset, audited); the export and the erasure, admins only, behind
 * the board's guards (a cross-site or token-less change is refused, a technician gets admin-required).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebChannel, type WebChannel } from "../../src/channels/web/webChannel.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import { createStaffAuth } from "../../src/desk/board/staffAuth.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { createHttpServer, type HttpServer } from "../../src/server/httpServer.js";
import { signedInSession, technicianWithPassword } from "../support/boardAgent.js";
import { type SeededMonth, seedMonth } from "../support/seedMonth.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const REMOTE = "203.0.113.7";
let t: TestDatabase;
let seed: SeededMonth;
let dataDir: string;
let server: HttpServer;
let webChannel: WebChannel;
const sessions: Record<string, { cookie: string; csrf: string }> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-customers-"));
  seed = await seedMonth(t.db, dataDir);
  webChannel = createWebChannel({ dataDir });
  // Laura is an administrator, Luca a technician.
  await technicianWithPassword(t.db, "Laura", "laura-password-1", "admin");
  await technicianWithPassword(t.db, "Luca", "luca-password-1");
  const staffAuth = createStaffAuth({ store: createStaffAccessStore(t.db) });
  server = createHttpServer({
    port: 0,
    host: "127.0.0.1",
    webChannel,
    staffActions: seed.runtimes.leotron!,
    health: async () => ({ db: { reachable: true }, channels: {} }),
    metrics: createMetrics({ defaultMetrics: false }),
    logger: silentLogger,
    staffAuth,
    customers: {
      db: t.db,
      policy: seed.policies.leotron!,
      dataDir,
      now: () => new Date("2027-04-02T10:00:00Z"),
    },
    publicUrl: "https://support.example.com",
  });
  await server.app.ready();
  for (const [name, password] of [
    ["Laura", "laura-password-1"],
    ["Luca", "luca-password-1"],
  ] as const) {
    sessions[name] = await signedInSession(server.app, name, password, REMOTE);
  }
});

afterAll(async () => {
  await server?.stop();
  await webChannel?.stop();
  await seed?.stop();
  await t?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A request as the board's scripts send it (session cookie, CSRF token), plus `extra` headers. */
function call(
  as: "Laura" | "Luca",
  method: "GET" | "PUT" | "POST",
  url: string,
  payload?: unknown,
  extra: Record<string, string | undefined> = { "x-csrf-token": sessions[as]?.csrf },
) {
  const headers: Record<string, string> = {
    cookie: sessions[as]!.cookie,
    ...(payload !== undefined ? { "content-type": "application/json" } : {}),
  };
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) headers[name] = value;
  return server.app.inject({
    method,
    url,
    remoteAddress: REMOTE,
    headers,
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
}

describe("search and customer pages", () => {
  it("finds customers by phone digits and company, tickets by number and transcript text", async () => {
    const byPhone = (await call("Luca", "GET", "/staff/api/search?q=333%20111%200002")).json();
    expect(byPhone.customers.map((c: { company: string }) => c.company)).toEqual(["Ferramenta Neri"]);
    const byCompany = (await call("Luca", "GET", "/staff/api/search?q=ottica")).json();
    expect(byCompany.customers).toHaveLength(1);
    expect(byCompany.tickets).toHaveLength(4);
    const byNumber = (await call("Luca", "GET", `/staff/api/search?q=${seed.numbers["d-paid"]}`)).json();
    expect(byNumber.tickets.map((x: { number: string }) => x.number)).toEqual([seed.numbers["d-paid"]]);
    const byText = (await call("Luca", "GET", "/staff/api/search?q=problema%20a-weekend")).json();
    expect(byText.tickets.map((x: { number: string }) => x.number)).toContain(seed.numbers["a-weekend"]);
  });

  it("shows a customer's tickets, plans and purchases with the warranty end", async () => {
    const r = await call("Luca", "GET", `/staff/api/customers/${seed.customers.A.code}`);
    expect(r.statusCode).toBe(200);
    const c = r.json();
    expect(c).toMatchObject({
      company: "Bar Roma",
      language: "it",
      plans: ["standard", "j-system"],
      canEdit: false,
    });
    expect(c.purchases).toEqual([
      { item: "PC cassa", purchasedOn: "2026-06-01", warrantyMonths: 12, warrantyUntil: "2027-05-31" },
    ]);
    expect(c.tickets).toHaveLength(4);
    expect((await call("Luca", "GET", "/staff/api/customers/NOPE42")).statusCode).toBe(404);
  });

  it("lets an admin edit plans and purchases (checked against the preset, audited), not a technician", async () => {
    const change = {
      plans: ["standard"],
      purchases: [{ item: "Stampante fiscale", purchasedOn: "2027-01-10", warrantyMonths: 24 }],
    };
    const url = `/staff/api/customers/${seed.customers.B.code}`;
    const technician = await call("Luca", "PUT", url, change);
    expect(technician.statusCode).toBe(403);
    expect(technician.json().error.code).toBe("admin-required");
    const bad = await call("Laura", "PUT", url, { plans: ["gold"] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("invalid-input");
    const tooLong = await call("Laura", "PUT", url, {
      purchases: [{ ...change.purchases[0], warrantyMonths: 48 }],
    });
    expect(tooLong.statusCode).toBe(400);
    const ok = await call("Laura", "PUT", url, change);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ plans: ["standard"], purchases: change.purchases });
    const events = await t.db.prisma.ticketEvent.findMany({ where: { type: "customer.updated" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.actor).toBe("Laura");
    expect(JSON.parse(events[0]!.payload)).toMatchObject({ before: { plans: [] }, after: change });
  });

  it("exports and erases a customer from the board, admins only, erasure confirmed by the code", async () => {
    const base = `/staff/api/customers/${seed.customers.D.code}`;
    const technicianExport = await call("Luca", "POST", `${base}/export`, {});
    expect(technicianExport.statusCode).toBe(403);
    expect(technicianExport.json().error.code).toBe("admin-required");
    const exported = await call("Laura", "POST", `${base}/export`, {});
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.headers["content-type"]).toBe("application/gzip");
    expect(exported.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const technicianErase = await call("Luca", "POST", `${base}/erase`, { confirm: seed.customers.D.code });
    expect(technicianErase.statusCode).toBe(403);
    expect(technicianErase.json().error.code).toBe("admin-required");
    expect((await call("Laura", "POST", `${base}/erase`, { confirm: "WRONG" })).statusCode).toBe(400);
    const erased = await call("Laura", "POST", `${base}/erase`, { confirm: seed.customers.D.code });
    expect(erased.statusCode, erased.body).toBe(200);
    const page = (await call("Laura", "GET", base)).json();
    expect(page).toMatchObject({ company: `[erased ${seed.customers.D.code}]`, phone: null, email: null });
  });

  it("refuses a cross-site or token-less change on every admin route, and changes nothing", async () => {
    const code = seed.customers.C.code;
    const before = (await call("Laura", "GET", `/staff/api/customers/${code}`)).json();
    const changes = [
      ["PUT", `/staff/api/customers/${code}`, { plans: [] }],
      ["POST", `/staff/api/customers/${code}/export`, {}],
      ["POST", `/staff/api/customers/${code}/erase`, { confirm: code }],
    ] as const;
    const csrf = sessions.Laura!.csrf;
    for (const [method, url, payload] of changes) {
      const refusals = [
        [{ "x-csrf-token": csrf, origin: "https://evil.example" }, "cross-origin"],
        [{ "x-csrf-token": csrf, "sec-fetch-site": "cross-site" }, "cross-origin"],
        [{}, "csrf-invalid"],
        [{ "x-csrf-token": "forged-token" }, "csrf-invalid"],
        // Another technician's token does not go with this session's CSRF secret.
        [{ "x-csrf-token": sessions.Luca!.csrf }, "csrf-invalid"],
      ] as const;
      for (const [headers, error] of refusals) {
        const r = await call("Laura", method, url, payload, headers);
        expect(r.statusCode, `${method} ${url} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.json().error.code).toBe(error);
      }
      // A cross-site HTML form (urlencoded, no token) is refused as well.
      const form = await server.app.inject({
        method,
        url,
        remoteAddress: REMOTE,
        headers: {
          cookie: sessions.Laura!.cookie,
          "content-type": "application/x-www-form-urlencoded",
          origin: "https://evil.example",
        },
        payload: `confirm=${code}`,
      });
      expect(form.statusCode).toBe(403);
      expect(form.json().error.code).toBe("cross-origin");
    }
    expect((await call("Laura", "GET", `/staff/api/customers/${code}`)).json()).toEqual(before);
  });

  it("serves the customers page with the CSRF token its script sends", async () => {
    const page = await call("Luca", "GET", "/staff/customers");
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<meta name="csrf-token" content="[^"]+">/);
    const anonymous = await server.app.inject({
      method: "GET",
      url: "/staff/customers",
      remoteAddress: REMOTE,
    });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe("/staff/login");
  });
});

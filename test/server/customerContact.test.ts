/**
 * The staff board's edit of a customer's contact details over HTTP: any technician sets company,
 * contact name, phone (normalised to E.164) and e-mail and marks the customer verified (audited
 * as `customer.updated`); bad values get 400 with a stable code, another customer's phone 409
 * `phone-taken`, an unknown code 404; changes without the page's CSRF token or from another
 * origin are refused (403) and change nothing.
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
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-contact-"));
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

const contactOf = async (code: string) => (await call("Luca", "GET", `/staff/api/customers/${code}`)).json();

describe("editing a customer's contact details", () => {
  it("lets a technician set company, name, phone and e-mail and mark the customer verified, audited", async () => {
    const { code } = seed.customers.C;
    const r = await call("Luca", "PUT", `/staff/api/customers/${code}/contact`, {
      company: "  Ottica Nuova di Anna Neri ",
      contactName: "Anna Neri",
      phone: "333 222 3344",
      email: "Anna.Neri@Ottica.Example",
      verified: true,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      code,
      company: "Ottica Nuova di Anna Neri",
      contactName: "Anna Neri",
      phone: "+393332223344",
      email: "anna.neri@ottica.example",
      verified: true,
    });
    const event = await t.db.prisma.ticketEvent.findFirst({
      where: { type: "customer.updated", actor: "Luca" },
      orderBy: { at: "desc" },
    });
    expect(JSON.parse(event!.payload)).toMatchObject({
      code,
      after: { phone: "+393332223344", email: "anna.neri@ottica.example", verified: true },
    });
    // Search finds the customer by the new number, any spacing.
    const found = (await call("Luca", "GET", "/staff/api/search?q=333%20222%2033%2044")).json();
    expect(found.customers.map((c: { code: string }) => c.code)).toEqual([code]);
    // Empty text clears an optional field; absent fields stay.
    const cleared = await call("Luca", "PUT", `/staff/api/customers/${code}/contact`, { email: "" });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ email: null, phone: "+393332223344", contactName: "Anna Neri" });
  });

  it("refuses bad values with a clear 4xx and changes nothing", async () => {
    const { code } = seed.customers.D;
    const before = await contactOf(code);
    const refusals: [unknown, number, string][] = [
      [{ phone: "12" }, 400, "invalid-phone"],
      [{ phone: "not a number" }, 400, "invalid-phone"],
      [{ email: "anna@" }, 400, "invalid-email"],
      [{ company: "" }, 400, "invalid-input"],
      [{ company: "x".repeat(201) }, 400, "invalid-input"],
      [{ verified: "yes" }, 400, "invalid-input"],
      [{ plans: [] }, 400, "invalid-input"],
      [{}, 400, "invalid-input"],
      [[1, 2], 400, "invalid-input"],
      // The phone of customer A: it recognises A's WhatsApp chats, it cannot be B's too.
      [{ phone: "+39 333 111 0001" }, 409, "phone-taken"],
    ];
    for (const [payload, status, code_] of refusals) {
      const r = await call("Luca", "PUT", `/staff/api/customers/${code}/contact`, payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.json().error.code, JSON.stringify(payload)).toBe(code_);
    }
    expect(await contactOf(code)).toEqual(before);
    const unknown = await call("Luca", "PUT", "/staff/api/customers/NOSUCH/contact", { verified: true });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("unknown-customer");
  });

  it("refuses changes without the page's CSRF token or from another origin", async () => {
    const { code } = seed.customers.B;
    const before = await contactOf(code);
    const refusals = [
      [{ "x-csrf-token": sessions.Luca!.csrf, origin: "https://evil.example" }, "cross-origin"],
      [{}, "csrf-invalid"],
      [{ "x-csrf-token": sessions.Laura!.csrf }, "csrf-invalid"],
    ] as const;
    for (const [headers, error] of refusals) {
      const r = await call(
        "Luca",
        "PUT",
        `/staff/api/customers/${code}/contact`,
        { verified: false },
        headers,
      );
      expect(r.statusCode, JSON.stringify(headers)).toBe(403);
      expect(r.json().error.code).toBe(error);
    }
    const anonymous = await server.app.inject({
      method: "PUT",
      url: `/staff/api/customers/${code}/contact`,
      remoteAddress: REMOTE,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ verified: false }),
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await contactOf(code)).toEqual(before);
  });
});

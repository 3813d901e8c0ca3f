/**
 * The board's on-call page and its JSON over HTTP (signed-in staff, CSRF): admins edit the weekly
 * rota, add a swap and set ways (a Telegram way shows its link code); a technician may set only
 * their own ways; the page lists who is on call now and next and the recent pages, which can be
 * acknowledged from the board; the ticket view's pages list every attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as store from "../../src/data/supportStore.js";
import { registerOncallRoutes } from "../../src/server/oncallRoutes.js";
import { type BoardAgent, boardAgent } from "../support/boardAgent.js";
import { createHarness, type Harness } from "../support/harness.js";
import { startWebStack, type WebStack } from "../support/webStack.js";

let h: Harness;
let web: WebStack;
let admin: BoardAgent;
let tech: BoardAgent;

beforeAll(async () => {
  h = await createHarness({ clock: "2027-03-27T10:00:00+01:00", channels: ["whatsapp"] });
  for (const name of ["Marco", "Giulia"]) await store.upsertTechnician(h.db, { name });
  web = await startWebStack({
    passwords: { Marco: "marco's passphrase", Giulia: "giulia's passphrase" },
    roles: { Marco: "admin" },
    routes: [
      (scope) =>
        registerOncallRoutes(scope, {
          rota: h.runtime.rota,
          pager: h.runtime.pager,
          technicians: () => h.runtime.rota.technicians(),
        }),
    ],
  });
  const host = { headers: { host: new URL(web.baseUrl).host } };
  admin = boardAgent(web.server.app, host);
  await admin.login("Marco", "marco's passphrase");
  tech = boardAgent(web.server.app, host);
  await tech.login("Giulia", "giulia's passphrase");
});
afterAll(async () => {
  await web?.close();
  await h?.stop();
});

async function call(
  agent: BoardAgent,
  method: "GET" | "PUT" | "POST" | "DELETE",
  url: string,
  body?: unknown,
) {
  const csrf = await agent.csrf("/staff/oncall");
  return agent.request({
    method,
    url,
    headers: { "x-csrf-token": csrf, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
}

describe("on-call page", () => {
  it("serves the page with the nav and the CSRF token", async () => {
    const page = await admin.request({ method: "GET", url: "/staff/oncall" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<title>On call</title>");
    expect(page.body).toContain('<script src="/staff/oncall.js"');
    expect((await admin.request({ method: "GET", url: "/staff/oncall.js" })).statusCode).toBe(200);
  });

  it("admins edit the weekly rota, swaps and ways; technicians only their own ways", async () => {
    const weekly = await call(admin, "PUT", "/staff/api/oncall/weekly", {
      slots: [
        { technician: "Giulia", weekday: 6, start: "09:00", end: "18:30", position: 0 },
        { technician: "Marco", weekday: "sun", start: "09:00", end: "13:00" },
      ],
    });
    expect(weekly.statusCode).toBe(200);
    const refused = await call(tech, "PUT", "/staff/api/oncall/weekly", { slots: [] });
    expect(refused.statusCode).toBe(403);
    const bad = await call(admin, "PUT", "/staff/api/oncall/weekly", {
      slots: [{ technician: "Giulia", weekday: 6, start: "19:00", end: "09:00" }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("invalid-slot");

    const ways = await call(tech, "PUT", "/staff/api/oncall/ways/Giulia", {
      ways: [{ kind: "telegram" }, { kind: "sms", address: "+393330000001" }],
    });
    expect(ways.statusCode).toBe(200);
    expect(ways.json().ways[0].linkCode).toMatch(/^pg-/);
    expect(
      (await call(tech, "PUT", "/staff/api/oncall/ways/Marco", { ways: [{ kind: "desk" }] })).statusCode,
    ).toBe(403);
    expect(
      (
        await call(admin, "PUT", "/staff/api/oncall/ways/Marco", { ways: [{ kind: "fax", address: "1" }] })
      ).json().error.code,
    ).toBe("invalid-way");

    let view = (await call(tech, "GET", "/staff/api/oncall")).json();
    expect(view.onCall).toEqual(["Giulia"]);
    // Sunday 28 March 2027 is the first day of summer time: 09:00 is 07:00 UTC.
    expect(view.next).toEqual({ technician: "Marco", from: "2027-03-28T07:00:00.000Z" });

    // Marco stands in for Giulia until 12:00.
    const swap = await call(admin, "POST", "/staff/api/oncall/shifts", {
      technician: "Marco",
      replaces: "Giulia",
      from: "2027-03-27T09:30",
      to: "2027-03-27T12:00",
    });
    expect(swap.statusCode).toBe(200);
    view = (await call(tech, "GET", "/staff/api/oncall")).json();
    expect(view.onCall).toEqual(["Marco"]);
    expect(view.shifts).toEqual([expect.objectContaining({ technician: "Marco", replaces: "Giulia" })]);
    expect(view.ways.find((w: { technician: string }) => w.technician === "Giulia").ways).toHaveLength(2);
    expect((await call(admin, "DELETE", `/staff/api/oncall/shifts/${swap.json().id}`)).statusCode).toBe(200);
    expect((await call(tech, "GET", "/staff/api/oncall")).json().onCall).toEqual(["Giulia"]);
  });

  it("shows a ticket's page with its attempts and acknowledges it from the board", async () => {
    const customer = await h.customer({ plans: ["standard", "j-system"] });
    await customer.say("Il programma J2K non si avvia, non riesco a fare la vendita e la cassa è ferma");
    await customer.say("sì");
    await customer.say("2");
    await h.runDueJobs();
    const number = h.events.find((e) => e.type === "ticket.opened")!.ticket!;
    const { pages } = (await call(tech, "GET", `/staff/api/tickets/${number}/pages`)).json();
    expect(pages).toHaveLength(1);
    // Giulia's SMS way has no Twilio here and her Telegram is not linked: the desks are used.
    expect(
      pages[0].attempts.map((a: { technician: string; kind: string }) => `${a.technician}:${a.kind}`),
    ).toEqual(["Giulia:desk"]);
    const ack = await call(tech, "POST", `/staff/api/pages/${pages[0].id}/ack`, {});
    expect(ack.statusCode).toBe(200);
    expect((await call(tech, "POST", `/staff/api/pages/${pages[0].id}/ack`, {})).statusCode).toBe(409);
    const view = (await call(admin, "GET", "/staff/api/oncall")).json();
    expect(view.pages[0]).toMatchObject({
      ticket: number,
      status: "acknowledged",
      ackedBy: "Giulia",
      ackedVia: "board",
    });
  });
});

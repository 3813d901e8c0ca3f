/**
 * History on the staff board over HTTP on the seeded month: search by phone, company, ticket
 * number and transcript text; a customer's page with warranty dates; an admin's edit of plans and
 * purchases (validated against the preset, audited); the export and the erasure, admins only, behind
 * the board's guards (a cross-site or token-less change is refused, a technician gets admin-required).
 */
import { describe, expect, it } from "vitest";
import { rowsOf } from "../support/rows.js";
import { BOARD_REMOTE as REMOTE, useSeededBoard } from "../support/seededBoard.js";

const board = useSeededBoard("customers");
const { call } = board;

describe("search and customer pages", () => {
  it("finds customers by phone digits and company, tickets by number and transcript text", async () => {
    const byPhone = (await call("Luca", "GET", "/staff/api/search?q=333%20111%200002")).json();
    expect(byPhone.customers.map((c: { company: string }) => c.company)).toEqual(["Ferramenta Neri"]);
    const byCompany = (await call("Luca", "GET", "/staff/api/search?q=ottica")).json();
    expect(byCompany.customers).toHaveLength(1);
    expect(byCompany.tickets).toHaveLength(4);
    const byNumber = (
      await call("Luca", "GET", `/staff/api/search?q=${board.seed.numbers["d-paid"]}`)
    ).json();
    expect(byNumber.tickets.map((x: { number: string }) => x.number)).toEqual([board.seed.numbers["d-paid"]]);
    const byText = (await call("Luca", "GET", "/staff/api/search?q=problema%20a-weekend")).json();
    expect(byText.tickets.map((x: { number: string }) => x.number)).toContain(
      board.seed.numbers["a-weekend"],
    );
  });

  it("shows a customer's tickets, plans and purchases with the warranty end", async () => {
    const r = await call("Luca", "GET", `/staff/api/customers/${board.seed.customers.A.code}`);
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
    const url = `/staff/api/customers/${board.seed.customers.B.code}`;
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
    const events = await rowsOf(board.t.db, "TicketEvent", `"type" = 'customer.updated'`);
    expect(events).toHaveLength(1);
    expect(events[0]!.actor).toBe("Laura");
    expect(JSON.parse(events[0]!.payload)).toMatchObject({ before: { plans: [] }, after: change });
  });

  it("exports and erases a customer from the board, admins only, erasure confirmed by the code", async () => {
    const base = `/staff/api/customers/${board.seed.customers.D.code}`;
    const technicianExport = await call("Luca", "POST", `${base}/export`, {});
    expect(technicianExport.statusCode).toBe(403);
    expect(technicianExport.json().error.code).toBe("admin-required");
    const exported = await call("Laura", "POST", `${base}/export`, {});
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.headers["content-type"]).toBe("application/gzip");
    expect(exported.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const technicianErase = await call("Luca", "POST", `${base}/erase`, {
      confirm: board.seed.customers.D.code,
    });
    expect(technicianErase.statusCode).toBe(403);
    expect(technicianErase.json().error.code).toBe("admin-required");
    expect((await call("Laura", "POST", `${base}/erase`, { confirm: "WRONG" })).statusCode).toBe(400);
    const erased = await call("Laura", "POST", `${base}/erase`, { confirm: board.seed.customers.D.code });
    expect(erased.statusCode, erased.body).toBe(200);
    const page = (await call("Laura", "GET", base)).json();
    expect(page).toMatchObject({
      company: `[erased ${board.seed.customers.D.code}]`,
      phone: null,
      email: null,
    });
  });

  it("refuses a cross-site or token-less change on every admin route, and changes nothing", async () => {
    const code = board.seed.customers.C.code;
    const before = (await call("Laura", "GET", `/staff/api/customers/${code}`)).json();
    const changes = [
      ["PUT", `/staff/api/customers/${code}`, { plans: [] }],
      ["POST", `/staff/api/customers/${code}/export`, {}],
      ["POST", `/staff/api/customers/${code}/erase`, { confirm: code }],
    ] as const;
    const csrf = board.sessions.Laura!.csrf;
    for (const [method, url, payload] of changes) {
      const refusals = [
        [{ "x-csrf-token": csrf, origin: "https://evil.example" }, "cross-origin"],
        [{ "x-csrf-token": csrf, "sec-fetch-site": "cross-site" }, "cross-origin"],
        [{}, "csrf-invalid"],
        [{ "x-csrf-token": "forged-token" }, "csrf-invalid"],
        // Another technician's token does not go with this session's CSRF secret.
        [{ "x-csrf-token": board.sessions.Luca!.csrf }, "csrf-invalid"],
      ] as const;
      for (const [headers, error] of refusals) {
        const r = await call("Laura", method, url, payload, headers);
        expect(r.statusCode, `${method} ${url} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.json().error.code).toBe(error);
      }
      // A cross-site HTML form (urlencoded, no token) is refused as well.
      const form = await board.server.app.inject({
        method,
        url,
        remoteAddress: REMOTE,
        headers: {
          cookie: board.sessions.Laura!.cookie,
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
    const anonymous = await board.server.app.inject({
      method: "GET",
      url: "/staff/customers",
      remoteAddress: REMOTE,
    });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe("/staff/login");
  });
});

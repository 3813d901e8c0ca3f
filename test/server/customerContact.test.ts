/**
 * The staff board's edit of a customer's contact details over HTTP: any technician sets company,
 * contact name, phone (normalised to E.164) and e-mail and marks the customer verified (audited
 * as `customer.updated`); bad values get 400 with a stable code, another customer's phone 409
 * `phone-taken`, an unknown code 404; changes without the page's CSRF token or from another
 * origin are refused (403) and change nothing.
 */
import { describe, expect, it } from "vitest";
import { rowOf } from "../support/rows.js";
import { BOARD_REMOTE as REMOTE, useSeededBoard } from "../support/seededBoard.js";

const board = useSeededBoard("contact");
const { call } = board;

const contactOf = async (code: string) => (await call("Luca", "GET", `/staff/api/customers/${code}`)).json();

describe("editing a customer's contact details", () => {
  it("lets a technician set company, name, phone and e-mail and mark the customer verified, audited", async () => {
    const { code } = board.seed.customers.C;
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
    const event = await rowOf(
      board.t.db,
      "TicketEvent",
      `"type" = 'customer.updated' AND "actor" = 'Luca' ORDER BY "at" DESC`,
    );
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
    const { code } = board.seed.customers.D;
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
    const { code } = board.seed.customers.B;
    const before = await contactOf(code);
    const refusals = [
      [{ "x-csrf-token": board.sessions.Luca!.csrf, origin: "https://evil.example" }, "cross-origin"],
      [{}, "csrf-invalid"],
      [{ "x-csrf-token": board.sessions.Laura!.csrf }, "csrf-invalid"],
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
    const anonymous = await board.server.app.inject({
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

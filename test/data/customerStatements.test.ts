/**
 * The customer and technician statements of the hot path (sqlCustomers.ts, built with the query
 * builder), each value landing in its own column: a customer signed up with every field and
 * purchases reads back whole; a sender is recognised by identity, phone or e-mail (any case, the
 * oldest customer) and the identity linked, moved when it is another customer's; a language change
 * touches its customer only; technicians are found by id, name or desk identity while active, and
 * on call within their shift only. SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as store from "../../src/data/supportStore.js";
import { rowsOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe("customer statements", () => {
  it("writes and reads every field of a customer, and recognises senders by identity, phone or e-mail", async () => {
    const gino = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        contactName: "Gino Rossi",
        phone: "+393331234567",
        email: "Gino@Bar-Roma.example",
        language: "en",
        plans: ["standard", "j-system"],
        verified: true,
        salesRep: "Marta",
        purchases: [
          { item: "PC cassa", purchasedOn: "2026-06-01", warrantyMonths: 12 },
          { item: "Stampante", purchasedOn: "2026-07-15", warrantyMonths: 24 },
        ],
      }),
    );
    expect(gino).toMatchObject({
      company: "Bar Roma",
      contactName: "Gino Rossi",
      phone: "+393331234567",
      email: "Gino@Bar-Roma.example",
      language: "en",
      plans: ["standard", "j-system"],
      verified: true,
      salesRep: "Marta",
      purchases: [
        { item: "PC cassa", purchasedOn: "2026-06-01", warrantyMonths: 12 },
        { item: "Stampante", purchasedOn: "2026-07-15", warrantyMonths: 24 },
      ],
    });
    expect(await store.getCustomer(t.db, gino.id)).toEqual(gino);
    expect(await store.findCustomerByCode(t.db, gino.code.toLowerCase())).toEqual(gino);
    expect(await store.customerIdByPhone(t.db, "+393331234567")).toBe(gino.id);
    expect(await store.customerIdByPhone(t.db, "+390000000000")).toBeNull();

    // By phone: the identity is linked, so the next message is recognised by it.
    expect(await store.findCustomerForSender(t.db, "whatsapp", "wa-gino", "+393331234567")).toEqual(gino);
    const [linked] = await rowsOf(t.db, "ChannelIdentity", `"externalId" = ?`, "wa-gino");
    expect(linked).toMatchObject({ channel: "whatsapp", customerId: gino.id });
    expect(await store.findCustomerForSender(t.db, "whatsapp", "wa-gino", null)).toEqual(gino);
    expect(await store.findCustomerForSender(t.db, "whatsapp", "wa-nobody", "+390000000000")).toBeNull();

    // By e-mail, whatever its case: the oldest customer with the address.
    const later = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma 2",
        email: "gino@bar-roma.example",
        language: "it",
        verified: false,
      }),
    );
    expect((await store.findCustomerByEmail(t.db, " GINO@bar-roma.EXAMPLE "))?.id).toBe(gino.id);
    expect(
      (
        await store.findCustomerForSender(
          t.db,
          "email",
          "gino@bar-roma.example",
          null,
          "Gino@Bar-Roma.example",
        )
      )?.id,
    ).toBe(gino.id);
    expect(await rowsOf(t.db, "ChannelIdentity", `"channel" = 'email'`)).toMatchObject([
      { externalId: "gino@bar-roma.example", customerId: gino.id },
    ]);

    // Linking an identity that is another customer's moves it; a language change is that customer's only.
    await store.linkIdentity(t.db, later.id, "whatsapp", "wa-gino");
    expect(await rowsOf(t.db, "ChannelIdentity", `"externalId" = ?`, "wa-gino")).toMatchObject([
      { channel: "whatsapp", customerId: later.id },
    ]);
    await store.setCustomerLanguage(t.db, later.id, "en");
    expect((await store.getCustomer(t.db, later.id))?.language).toBe("en");
    expect((await store.getCustomer(t.db, gino.id))?.language).toBe("en");
    await store.setCustomerLanguage(t.db, gino.id, "it");
    expect((await store.getCustomer(t.db, gino.id))?.language).toBe("it");
    expect((await store.getCustomer(t.db, later.id))?.language).toBe("en");
  });

  it("signs up customers in bulk, verified", async () => {
    await store.createCustomers(t.db, [
      { code: "BULK01", company: "Ottica", phone: "+393330000001", language: "it", plans: ["standard"] },
      { code: "BULK02", company: "Farmacia", phone: null, language: "en", plans: [] },
    ]);
    expect(await store.findCustomerByCode(t.db, "BULK01")).toMatchObject({
      company: "Ottica",
      phone: "+393330000001",
      language: "it",
      plans: ["standard"],
      verified: true,
      purchases: [],
    });
    expect(await store.findCustomerByCode(t.db, "BULK02")).toMatchObject({
      company: "Farmacia",
      phone: null,
      language: "en",
      verified: true,
    });
  });
});

describe("technician statements", () => {
  it("finds active technicians by id, name or desk identity, and who is on call", async () => {
    const ada = await store.upsertTechnician(t.db, {
      name: "Ada",
      phone: "+393401111111",
      identities: { slack: "U-ADA" },
    });
    const bob = await store.upsertTechnician(t.db, { name: "Bob", identities: { slack: "U-BOB" } });
    expect(ada.identities).toEqual({ slack: "U-ADA" });
    expect(await store.findTechnician(t.db, { id: ada.id })).toEqual(ada);
    expect(await store.findTechnician(t.db, { name: "Bob" })).toEqual(bob);
    expect(await store.findTechnician(t.db, { desk: "slack", externalId: "U-ADA" })).toEqual(ada);
    expect(await store.findTechnician(t.db, { desk: "email", externalId: "U-ADA" })).toBeNull();

    const nine = new Date("2027-03-06T09:00:00Z");
    const five = new Date("2027-03-06T17:00:00Z");
    await store.addShift(t.db, { technicianId: ada.id, startsAt: nine, endsAt: five });
    await store.addShift(t.db, {
      technicianId: bob.id,
      startsAt: new Date("2027-03-06T12:00:00Z"),
      endsAt: five,
    });
    expect((await store.onCallAt(t.db, new Date("2027-03-06T10:00:00Z")))?.id).toBe(ada.id);
    // The latest shift running wins; none after the end.
    expect((await store.onCallAt(t.db, new Date("2027-03-06T13:00:00Z")))?.id).toBe(bob.id);
    expect(await store.onCallAt(t.db, five)).toBeNull();
    expect((await store.onCallAt(t.db, nine))?.id).toBe(ada.id);

    // An inactive technician is found by nothing.
    await t.db.session(async (tx) => {
      await tx.run(`UPDATE "Technician" SET "active" = ? WHERE "id" = ?`, 0, bob.id);
    });
    expect(await store.findTechnician(t.db, { id: bob.id })).toBeNull();
    expect(await store.findTechnician(t.db, { name: "Bob" })).toBeNull();
    expect(await store.findTechnician(t.db, { desk: "slack", externalId: "U-BOB" })).toBeNull();
    expect((await store.onCallAt(t.db, new Date("2027-03-06T13:00:00Z")))?.id).toBe(ada.id);
  });
});

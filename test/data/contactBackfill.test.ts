/**
 * Migration 20261207060000_customer_contact: contact lines stored whole before sign-up read
 * fields ("Gino Rossi, 333 123 4567") are split into name, phone and e-mail by the migration's
 * TypeScript step, in its transaction; what cannot be read whole stays as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/data/database.js";
import * as store from "../../src/data/supportStore.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const NAME = "20261207060000_customer_contact";
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe("customer contact migration", () => {
  it("splits the old contact lines when the migration is applied, once", async () => {
    const make = (
      company: string,
      contactName: string | null,
      more: { phone?: string; email?: string } = {},
    ) =>
      t.db.transaction((tx) =>
        store.createCustomer(tx, { company, contactName, language: "it", verified: false, ...more }),
      );
    const gino = await make("Bar Roma", "Gino Rossi, 333 123 4567");
    const anna = await make("Ottica Nuova", "Anna Neri anna.neri@example.com");
    const taken = await make("Hotel Lido", "Carla, 333 765 4321");
    await make("Studio Ferri", "Laura Ferri", { phone: "+393337654321" });
    const story = await make("Tabaccheria", "Sergio, chiamatemi dopo le 15 al 333 999 8877 o in negozio");
    const plain = await make("Pizzeria", "Marco Bianchi");
    const whatsApp = await make("Farmacia", "Paola 347 111 2233", { phone: "+393471112233" });
    // The database as it was before the migration: applied again, with its data step.
    // (Its data step is recorded as "<name>#data" once it ran.)
    await t.db.session(async (tx) => {
      await tx.run(`DELETE FROM "_sportello_migrations" WHERE "name" IN (?, ?)`, NAME, `${NAME}#data`);
      await tx.run(`DROP INDEX "Customer_email_lower_idx"`);
    });
    expect(await migrate(t.db)).toEqual([NAME]);

    const get = async (id: string) => (await store.getCustomer(t.db, id))!;
    expect(await get(gino.id)).toMatchObject({
      contactName: "Gino Rossi",
      phone: "+393331234567",
      email: null,
    });
    expect(await get(anna.id)).toMatchObject({ contactName: "Anna Neri", email: "anna.neri@example.com" });
    // The number belongs to another customer: not taken from them, and the line stays whole.
    expect(await get(taken.id)).toMatchObject({ contactName: "Carla, 333 765 4321", phone: null });
    // More than a name and a number: the number is kept, the line too (nothing lost).
    expect(await get(story.id)).toMatchObject({
      contactName: "Sergio, chiamatemi dopo le 15 al 333 999 8877 o in negozio",
      phone: "+393339998877",
    });
    expect(await get(plain.id)).toMatchObject({ contactName: "Marco Bianchi", phone: null, email: null });
    // Already the record's phone: the line becomes the name.
    expect(await get(whatsApp.id)).toMatchObject({ contactName: "Paola", phone: "+393471112233" });
    expect(await migrate(t.db)).toEqual([]);
  });
});

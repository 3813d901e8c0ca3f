/** What the monthly statement asks the database besides the sessions: whether a customer code exists. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/data/customerStore.js";
import { customerCodeExists } from "../../src/data/statementQueries.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

describe("customer codes of the statement", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("finds a customer by code, whatever its case and spaces", async () => {
    const customer = await t.db.transaction((tx) =>
      createCustomer(tx, { company: "Ottica Rossi", language: "it", verified: true }),
    );
    expect(await customerCodeExists(t.db, ` ${customer.code.toLowerCase()} `)).toBe(true);
    expect(await customerCodeExists(t.db, "NOSUCH")).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomerImportError, importCustomersFromCsv } from "../../src/data/customerImport.js";
import { salesRepForCustomer } from "../../src/data/linkStore.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { rowsOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

describe("customer import: the sales representative as a record", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  it("creates the rep once from the salesrep columns and links every customer to it", async () => {
    const csv = [
      "company;phone;email;salesrep;salesrep_email;salesrep_phone",
      "Porto Sigilli;+39 0586 111111;acquisti@porto.test;Luca Bianchi;Luca.Bianchi@Leghorn.test;+39 0586 000000",
      "Dogana Srl;+39 0586 222222;;Luca Bianchi;luca.bianchi@leghorn.test;",
    ].join("\n");
    const summary = await importCustomersFromCsv(t.db, csv, { policy: loadPolicy("leghorn") });
    expect(summary.created).toBe(2);
    const reps = await rowsOf(t.db, "SalesRep");
    expect(reps).toEqual([
      expect.objectContaining({ name: "Luca Bianchi", email: "luca.bianchi@leghorn.test", phone: null }),
    ]);
    for (const c of await rowsOf(t.db, "Customer")) {
      expect(c.salesRepId).toBe(reps[0]!.id);
      expect(await salesRepForCustomer(t.db, c.id, null)).toMatchObject({
        email: "luca.bianchi@leghorn.test",
      });
    }
  });

  it("rejects a rep e-mail without a name, or a malformed one, with the row number", async () => {
    const csv = [
      "company,phone,salesrep,salesrep_email",
      "Bar Uno,+39 333 0000001,,x@y.test",
      "Bar Due,+39 333 0000002,Anna,not-an-address",
    ].join("\n");
    const error = await importCustomersFromCsv(t.db, csv).catch((e) => e);
    expect(error).toBeInstanceOf(CustomerImportError);
    expect((error as CustomerImportError).issues).toEqual([
      expect.objectContaining({ row: 2, field: "salesrep" }),
      expect.objectContaining({ row: 3, field: "salesrep_email" }),
    ]);
  });
});

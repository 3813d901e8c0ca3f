/**
 * One SQL text read as all rows and as the first row: each read answers for its own arguments.
 * libsql's `get` on a statement last used with `all` answered with the row of that earlier
 * binding (a forged-mail hand-over landed on the wrong ticket), so the SQLite transaction keeps a
 * statement per way of reading.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const BY_PREFIX = `SELECT "prefix", "last" FROM "TicketCounter" WHERE "prefix" = ?`;

describe("reading one SQL text both ways", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db.transaction(async (tx) => {
      await tx.run(`INSERT INTO "TicketCounter" ("prefix", "year", "last") VALUES (?, ?, ?)`, "AA", 2027, 1);
      await tx.run(`INSERT INTO "TicketCounter" ("prefix", "year", "last") VALUES (?, ?, ?)`, "BB", 2027, 2);
    });
  });
  afterAll(async () => {
    await t.drop();
  });

  it("answers the first-row read with its own arguments after an all-rows read", async () => {
    const read = await t.db.transaction(async (tx) => {
      const all = await tx.rows(BY_PREFIX, "AA");
      const first = await tx.row(BY_PREFIX, "BB");
      const again = await tx.rows(BY_PREFIX, "BB");
      return { all, first, again };
    });
    expect(read.all.map((r) => r.prefix)).toEqual(["AA"]);
    expect(read.first?.prefix).toBe("BB");
    expect(read.again.map((r) => r.prefix)).toEqual(["BB"]);
  });

  it("and the other way round, outside a transaction too", async () => {
    const read = await t.db.session(async (tx) => {
      const first = await tx.row(BY_PREFIX, "AA");
      const all = await tx.rows(BY_PREFIX, "BB");
      const firstAgain = await tx.row(BY_PREFIX, "BB");
      return { first, all, firstAgain };
    });
    expect(read.first?.prefix).toBe("AA");
    expect(read.all.map((r) => r.prefix)).toEqual(["BB"]);
    expect(read.firstAgain?.prefix).toBe("BB");
  });
});

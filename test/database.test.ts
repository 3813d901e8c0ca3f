import { afterEach, describe, expect, it } from "vitest";
import { migrate, openDatabase } from "../src/data/database.js";
import { createEmptyDatabase } from "./support/testDatabase.js";

describe("migrate", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("applies the committed migrations once and is idempotent", async () => {
    const empty = await createEmptyDatabase();
    const db = await openDatabase(empty.url);
    cleanups.push(async () => {
      await db.close();
      await empty.drop();
    });
    const first = await migrate(db);
    expect(first.length).toBeGreaterThan(0);
    expect(await migrate(db)).toEqual([]);
    const customer = await db.prisma.customer.create({ data: { code: "C1", company: "Bar Roma" } });
    expect(customer.plans).toBe("[]");
  });
});

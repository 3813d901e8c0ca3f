/**
 * Statements compiled once by the query builder (`statement` in queryBuilder.ts) bind their
 * named parameters in the order their SQL uses them, fixed values included, and run unchanged on
 * SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qb, statement } from "../../src/data/schema/queryBuilder.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const insertJob = statement<{ id: string; key: string; dueAt: string; createdAt: string }>((p) =>
  qb.insertInto("Job").values({
    id: p.id,
    kind: "callback",
    key: p.key,
    dueAt: p.dueAt,
    payload: "{}",
    status: "pending",
    attempts: 0,
    createdAt: p.createdAt,
  }),
);
const cancelJob = statement<{ key: string; error: string | null }>((p) =>
  qb
    .updateTable("Job")
    .set({ status: "cancelled", lastError: p.error })
    .where("key", "=", p.key)
    .where("status", "=", "pending"),
);
const jobByKey = statement<{ key: string }>((p) =>
  qb.selectFrom("Job").select(["status", "lastError", "kind", "attempts"]).where("key", "=", p.key),
);

describe("statement", () => {
  it("binds named parameters in the SQL's order; the values the query fixed are literals", () => {
    expect(cancelJob.sql).toBe(
      `update "Job" set "status" = 'cancelled', "lastError" = ? where "key" = ? and "status" = 'pending'`,
    );
    expect(cancelJob.args({ key: "k1", error: "late" })).toEqual(["late", "k1"]);
    expect(cancelJob.args({ key: "k1", error: null })).toEqual([null, "k1"]);
  });

  it("writes fixed booleans and quoted text as literals both providers read; fixed numbers are bound", () => {
    const q = statement<{ name: string }>((p) =>
      qb
        .selectFrom("Technician")
        .select("id")
        .where("active", "=", true as never)
        .where("name", "=", p.name)
        .where("role", "<>", "it's ?")
        .limit(3),
    );
    expect(q.sql).toBe(
      `select "id" from "Technician" where "active" = TRUE and "name" = ? and "role" <> 'it''s ?' limit ?`,
    );
    expect(q.args({ name: "Ada" })).toEqual(["Ada", 3]);
  });

  it("refuses, when compiled, a fixed value that has no literal", () => {
    expect(() =>
      statement((_p) =>
        qb
          .selectFrom("Job")
          .select("id")
          .where("dueAt", "=", new Date() as never),
      ),
    ).toThrow(/cannot be written as a literal/);
  });

  describe("on the database", () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase();
    });
    afterAll(async () => t.drop());

    it("runs the same text on either provider", async () => {
      const at = "2027-03-30T08:00:00.000+00:00";
      await t.db.transaction(async (tx) => {
        await tx.write(insertJob.sql, ...insertJob.args({ id: "j1", key: "k1", dueAt: at, createdAt: at }));
        await tx.write(insertJob.sql, ...insertJob.args({ id: "j2", key: "k2", dueAt: at, createdAt: at }));
        expect(await tx.run(cancelJob.sql, ...cancelJob.args({ key: "k1", error: "moved" }))).toBe(1);
        // A fixed text with a question mark in it is not taken for a placeholder (PostgreSQL numbers them).
        const tricky = statement<{ key: string }>((p) =>
          qb.updateTable("Job").set({ payload: `{"q":"why?"}` }).where("key", "=", p.key),
        );
        expect(await tx.run(tricky.sql, ...tricky.args({ key: "k2" }))).toBe(1);
      });
      const [k1, k2] = await t.db.session(async (tx) => [
        await tx.row(jobByKey.sql, ...jobByKey.args({ key: "k1" })),
        await tx.row(jobByKey.sql, ...jobByKey.args({ key: "k2" })),
      ]);
      expect(k1).toMatchObject({ status: "cancelled", lastError: "moved", kind: "callback" });
      expect(Number(k1!.attempts)).toBe(0);
      expect(k2).toMatchObject({ status: "pending", lastError: null });
      // A boolean column written 1 (its type in the generated tables) by the query itself.
      const hire = statement<{ id: string; name: string; at: string }>((p) =>
        qb
          .insertInto("Technician")
          .values({ id: p.id, name: p.name, active: 1, role: "technician", createdAt: p.at }),
      );
      const activeNamed = statement<{ name: string }>((p) =>
        qb.selectFrom("Technician").select("id").where("name", "=", p.name).where("active", "=", 1),
      );
      await t.db.transaction(async (tx) => tx.write(hire.sql, ...hire.args({ id: "t1", name: "Ada", at })));
      expect(
        await t.db.session(async (tx) => tx.rows(activeNamed.sql, ...activeNamed.args({ name: "Ada" }))),
      ).toEqual([{ id: "t1" }]);
      const payload = await t.db.session(async (tx) =>
        tx.row(`SELECT "payload" FROM "Job" WHERE "key" = ?`, "k2"),
      );
      expect(payload?.payload).toBe(`{"q":"why?"}`);
    });
  });
});

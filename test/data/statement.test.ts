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
  it("binds named parameters in the SQL's order, with the values the query fixed", () => {
    expect(cancelJob.sql).toBe(
      `update "Job" set "status" = ?, "lastError" = ? where "key" = ? and "status" = ?`,
    );
    expect(cancelJob.args({ key: "k1", error: "late" })).toEqual(["cancelled", "late", "k1", "pending"]);
    expect(cancelJob.args({ key: "k1", error: null })).toEqual(["cancelled", null, "k1", "pending"]);
  });

  it("binds booleans the query fixes as 1/0", () => {
    const active = statement((_p) =>
      qb
        .selectFrom("Technician")
        .select("id")
        .where("active", "=", true as never),
    );
    expect(active.args({})).toEqual([1]);
  });

  it("refuses, when compiled, a fixed value no provider can bind", () => {
    expect(() =>
      statement((_p) =>
        qb
          .selectFrom("Job")
          .select("id")
          .where("dueAt", "=", new Date() as never),
      ),
    ).toThrow(/cannot be bound/);
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
      });
      const [k1, k2] = await t.db.session(async (tx) => [
        await tx.row(jobByKey.sql, ...jobByKey.args({ key: "k1" })),
        await tx.row(jobByKey.sql, ...jobByKey.args({ key: "k2" })),
      ]);
      expect(k1).toMatchObject({ status: "cancelled", lastError: "moved", kind: "callback" });
      expect(Number(k1!.attempts)).toBe(0);
      expect(k2).toMatchObject({ status: "pending", lastError: null });
    });
  });
});

/**
 * Shared transactions (`db.transaction(work, { shared: true })`, what the inbound pipeline asks
 * for). On PostgreSQL those asked for at the same moment run in ONE transaction (group commit,
 * src/data/pgGroupCommit.ts); on SQLite every transaction is group-committed in its own savepoint.
 * Either way each work is all or nothing and one failing work never takes the others down: on
 * PostgreSQL the failed group's members are run again alone, which these tests can see.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreTx } from "../../src/data/database.js";
import { createTestDatabase, type TestDatabase, usingPostgres } from "../support/testDatabase.js";

const INSERT = `INSERT INTO "Customer" ("id", "code", "company", "plans", "verified", "createdAt", "updatedAt") VALUES (?, ?, ?, '[]', FALSE, ?, ?)`;
const RENAME = `UPDATE "Customer" SET "company" = ? WHERE "code" = ?`;
const at = new Date("2027-03-30T08:00:00Z").toISOString();

class Mismatch extends Error {}

describe(`shared transactions (${usingPostgres ? "PostgreSQL group commit" : "SQLite"})`, () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  const company = async (code: string) =>
    (await t.db.prisma.customer.findUnique({ where: { code } }))?.company ?? null;

  /** A work inserting customer `code`, counting its runs, reading the transaction's id. */
  function inserting(code: string, runs: Map<string, number>, extra?: (tx: StoreTx) => Promise<void>) {
    return async (tx: StoreTx) => {
      runs.set(code, (runs.get(code) ?? 0) + 1);
      await tx.write(INSERT, `sh-${code}`, code, `Company ${code}`, at, at);
      // PostgreSQL: the transaction this work ran in (SQLite: no such thing, a constant).
      const row = await tx.row(usingPostgres ? "SELECT txid_current()::text AS id" : "SELECT 'one' AS id");
      await extra?.(tx);
      return String(row?.id);
    };
  }

  it("commits works asked for at the same moment, on PostgreSQL in one transaction", async () => {
    const runs = new Map<string, number>();
    const codes = ["SH1", "SH2", "SH3", "SH4"];
    const txIds = await Promise.all(codes.map((c) => t.db.transaction(inserting(c, runs), { shared: true })));
    for (const c of codes) expect(await company(c)).toBe(`Company ${c}`);
    expect(new Set(txIds).size).toBe(1);
    expect([...runs.values()]).toEqual([1, 1, 1, 1]);
  });

  it("fails only the work that threw; the others commit (on PostgreSQL after running again alone)", async () => {
    const runs = new Map<string, number>();
    const results = await Promise.allSettled([
      t.db.transaction(inserting("SH5", runs), { shared: true }),
      t.db.transaction(
        inserting("SH6", runs, async () => {
          throw new Mismatch("no such thing");
        }),
        { shared: true },
      ),
      t.db.transaction(inserting("SH7", runs), { shared: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(Mismatch);
    expect(await company("SH5")).toBe("Company SH5");
    expect(await company("SH6")).toBeNull();
    expect(await company("SH7")).toBe("Company SH7");
    // PostgreSQL: the group was rolled back and every member ran again alone.
    expect(runs.get("SH5")).toBe(usingPostgres ? 2 : 1);
    expect(runs.get("SH6")).toBe(usingPostgres ? 2 : 1);
    const [a, , c] = results as PromiseFulfilledResult<string>[];
    if (usingPostgres) expect(a!.value).not.toBe(c!.value);
  });

  it("fails only the work whose unanswered write fails at COMMIT (a unique violation)", async () => {
    await t.db.transaction(async (tx) => tx.write(INSERT, "sh-taken", "SH-TAKEN", "First", at, at));
    const runs = new Map<string, number>();
    const results = await Promise.allSettled([
      t.db.transaction(inserting("SH8", runs), { shared: true }),
      t.db.transaction(
        async (tx) => {
          // The code is taken: on PostgreSQL this write is answered only with COMMIT.
          await tx.write(INSERT, "sh-dup", "SH-TAKEN", "Duplicate", at, at);
        },
        { shared: true },
      ),
      t.db.transaction(inserting("SH9", runs), { shared: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await company("SH-TAKEN")).toBe("First");
    expect(await company("SH8")).toBe("Company SH8");
    expect(await company("SH9")).toBe("Company SH9");
  });

  it("fails only the work whose checked update conflicts, with that work's own error", async () => {
    const runs = new Map<string, number>();
    const results = await Promise.allSettled([
      t.db.transaction(
        inserting("SH10", runs, async (tx) => {
          await tx.writeExpecting(RENAME, ["Renamed", "NO-SUCH-CODE"], 1, () => new Mismatch("moved"));
        }),
        { shared: true },
      ),
      t.db.transaction(
        inserting("SH11", runs, async (tx) => {
          await tx.writeExpecting(RENAME, ["Company SH11 renamed", "SH11"], 1, () => new Mismatch("moved"));
        }),
        { shared: true },
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(Mismatch);
    expect(await company("SH10")).toBeNull();
    expect(await company("SH11")).toBe("Company SH11 renamed");
  });

  it("keeps working after a failed group: the next shared transactions commit together", async () => {
    const runs = new Map<string, number>();
    const txIds = await Promise.all(
      ["SH12", "SH13"].map((c) => t.db.transaction(inserting(c, runs), { shared: true })),
    );
    expect(new Set(txIds).size).toBe(1);
    expect(await company("SH12")).toBe("Company SH12");
    expect(await company("SH13")).toBe("Company SH13");
  });
});

/**
 * The hot path's transactions (`db.transaction`, SQL over {@link SqlTx}) on the test database.
 * On PostgreSQL writes and checked updates are pipelined (sent without waiting for their answer):
 * later reads must still see them, and a failing one must fail and roll back the whole
 * transaction, even when COMMIT is already on its way behind it. Shared transactions (group
 * commit) at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreTx } from "../../src/data/database.js";
import { pgOneTrip } from "../../src/data/pgTransaction.js";
import * as store from "../../src/data/supportStore.js";
import { rowOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase, usingPostgres } from "../support/testDatabase.js";

const INSERT = `INSERT INTO "Customer" ("id", "code", "company", "plans", "verified", "createdAt", "updatedAt") VALUES (?, ?, ?, '[]', FALSE, ?, ?)`;
const RENAME = `UPDATE "Customer" SET "company" = ? WHERE "code" = ?`;
const at = new Date("2027-03-30T08:00:00Z").toISOString();

class Mismatch extends Error {}

describe(`transactions (${usingPostgres ? "PostgreSQL, pipelined" : "SQLite"})`, () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  const company = async (code: string) =>
    (await rowOf(t.db, "Customer", `"code" = ?`, code))?.company ?? null;

  it("lets a transaction read its own unanswered writes, and commits them all", async () => {
    const seen = await t.db.transaction(async (tx) => {
      await tx.write(INSERT, "tx-c1", "TX1", "Bar Roma", at, at);
      await tx.write(RENAME, "Bar Roma Due", "TX1");
      return tx.row(`SELECT "company" FROM "Customer" WHERE "code" = ?`, "TX1");
    });
    expect(seen?.company).toBe("Bar Roma Due");
    expect(await company("TX1")).toBe("Bar Roma Due");
  });

  it("rolls everything back when a write nobody waited for fails", async () => {
    await t.db.transaction(async (tx) => {
      await tx.write(INSERT, "tx-c2", "TX2", "Pizzeria", at, at);
    });
    const failed = t.db.transaction(async (tx) => {
      await tx.write(INSERT, "tx-c3", "TX3", "Gelateria", at, at);
      // The same code again: a unique violation, answered only with COMMIT on PostgreSQL.
      await tx.write(INSERT, "tx-c4", "TX2", "Duplicate", at, at);
    });
    await expect(failed).rejects.toThrow();
    expect(await company("TX3")).toBeNull();
    expect(await company("TX2")).toBe("Pizzeria");
  });

  it("fails the transaction with the caller's error when a checked update changes another number of rows", async () => {
    const failed = t.db.transaction(async (tx) => {
      await tx.write(INSERT, "tx-c5", "TX5", "Ferramenta", at, at);
      await tx.writeExpecting(RENAME, ["Ferramenta Due", "NO-SUCH-CODE"], 1, () => new Mismatch("moved"));
    });
    await expect(failed).rejects.toBeInstanceOf(Mismatch);
    expect(await company("TX5")).toBeNull();

    await t.db.transaction(async (tx) => {
      await tx.write(INSERT, "tx-c6", "TX6", "Edicola", at, at);
      await tx.writeExpecting(RENAME, ["Edicola Due", "TX6"], 1, () => new Mismatch("moved"));
    });
    expect(await company("TX6")).toBe("Edicola Due");
  });

  it("saves a conversation only at the version it was read at", async () => {
    const c = { channel: "web", chatId: "tx-conv", customerId: null, snapshot: "{}" };
    const conflict = () => new Mismatch("conversation changed");
    await t.db.transaction((tx) => store.saveConversation(tx, c, null, conflict));
    await t.db.transaction((tx) => store.saveConversation(tx, { ...c, snapshot: "[1]" }, 1, conflict));
    const stale = t.db.transaction((tx) =>
      store.saveConversation(tx, { ...c, snapshot: "[2]" }, 1, conflict),
    );
    await expect(stale).rejects.toBeInstanceOf(Mismatch);
    const row = await rowOf(t.db, "Conversation", `"channel" = 'web' AND "chatId" = 'tx-conv'`);
    expect(row).toMatchObject({ snapshot: "[1]", version: 2 });
  });

  /*
   * Shared transactions (`db.transaction(work, { shared: true })`, what the inbound pipeline asks
   * for). On PostgreSQL those asked for at the same moment run in ONE transaction (group commit,
   * src/data/pgGroupCommit.ts); on SQLite every transaction is group-committed in its own
   * savepoint. Either way each work is all or nothing and one failing work never takes the others
   * down: on PostgreSQL the failed group's members run again alone, which these tests can see.
   */
  if (usingPostgres) {
    it("runs statements as one transaction in one trip: a failing one rolls them all back", async () => {
      const pool = t.db.pool!;
      await expect(
        pgOneTrip(pool, [
          [INSERT, ["trip-c1", "TRIP1", "Bar Roma", at, at]],
          [`SELECT 1 / (? - 1) AS "n"`, [1]],
        ]),
      ).rejects.toThrow(/division by zero/);
      expect(await company("TRIP1")).toBeNull();
      const rows = await pgOneTrip(pool, [
        [INSERT, ["trip-c2", "TRIP2", "Bar Roma", at, at]],
        [RENAME, ["Bar Roma Due", "TRIP2"]],
        [`SELECT "company" FROM "Customer" WHERE "code" = ?`, ["TRIP2"]],
      ]);
      expect(rows).toEqual([{ company: "Bar Roma Due" }]);
      expect(await company("TRIP2")).toBe("Bar Roma Due");
    });
  }

  describe(usingPostgres ? "shared (PostgreSQL group commit)" : "shared (SQLite)", () => {
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
      const txIds = await Promise.all(
        codes.map((c) => t.db.transaction(inserting(c, runs), { shared: true })),
      );
      for (const c of codes) expect(await company(c)).toBe(`Company ${c}`);
      expect(new Set(txIds).size).toBe(1);
      expect([...runs.values()]).toEqual([1, 1, 1, 1]);
    });

    it("fails only the work that threw; the others commit (those before it after running again)", async () => {
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
      // PostgreSQL: the group was rolled back and every member ran again alone. SQLite (no
      // savepoints for shared work): the group was rolled back at the failing one, the one before
      // it ran again in the next group, the one after it ran once.
      expect(runs.get("SH5")).toBe(2);
      expect(runs.get("SH6")).toBe(usingPostgres ? 2 : 1);
      expect(runs.get("SH7")).toBe(usingPostgres ? 2 : 1);
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
});

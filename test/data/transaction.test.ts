/**
 * The hot path's transactions (`db.transaction`, SQL over {@link SqlTx}) on the test database.
 * On PostgreSQL writes and checked updates are pipelined (sent without waiting for their answer):
 * later reads must still see them, and a failing one must fail and roll back the whole
 * transaction, even when COMMIT is already on its way behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as store from "../../src/data/supportStore.js";
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
    (await t.db.prisma.customer.findUnique({ where: { code } }))?.company ?? null;

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
    const row = await t.db.prisma.conversation.findUnique({
      where: { channel_chatId: { channel: "web", chatId: "tx-conv" } },
    });
    expect(row).toMatchObject({ snapshot: "[1]", version: 2 });
  });
});

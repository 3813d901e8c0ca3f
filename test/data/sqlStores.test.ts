/**
 * The stores moved off Prisma onto SQL: a duplicate key is recognised as such on both drivers
 * (SQLite SQLITE_CONSTRAINT_UNIQUE, PostgreSQL 23505), the write probe and the bench's counts
 * read the database, and a SQLite backup holds the rows written before it. SQLite, or
 * PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupSqlite } from "../../src/data/backup.js";
import { openDatabase, probeWrite } from "../../src/data/database.js";
import { isUniqueViolation } from "../../src/data/databaseError.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import { workloadCounts } from "../../src/data/workloadCounts.js";
import { createTestDatabase, type TestDatabase, usingPostgres } from "../support/testDatabase.js";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.drop();
});

describe("SQL stores", () => {
  it("tells a duplicate key from other failures", async () => {
    await createStaffAccessStore(t.db).create("Ada", "technician");
    const duplicate = await t.db
      .transaction(async (tx) => {
        await tx.run(
          `INSERT INTO "Technician" ("id", "name", "active", "role", "createdAt") VALUES (?, ?, TRUE, ?, ?)`,
          "t-dup",
          "Ada",
          "technician",
          new Date().toISOString(),
        );
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(isUniqueViolation(duplicate)).toBe(true);
    const missing = await t.db
      .session(async (tx) => tx.rows(`SELECT "nope" FROM "Technician"`))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(missing).not.toBeNull();
    expect(isUniqueViolation(missing)).toBe(false);
  });

  it("probes a write and counts the workload", async () => {
    expect(await probeWrite(t.db)).toBeNull();
    expect(await workloadCounts(t.db)).toEqual({
      inbound: 0,
      outbound: 0,
      unsent: 0,
      tickets: 0,
      conversations: 0,
      opened: 0,
      escalated: 0,
      escalatedTwice: 0,
    });
  });

  it("backs SQLite up into a file that holds the rows, and sends PostgreSQL to pg_dump", async () => {
    await createStaffAccessStore(t.db).create("Bruno", "admin");
    const dir = mkdtempSync(join(tmpdir(), "sportello-backup-"));
    try {
      if (usingPostgres) {
        await expect(backupSqlite(t.db, join(dir, "copy.db"))).rejects.toMatchObject({ code: "postgres" });
        return;
      }
      const file = join(dir, "copy.db");
      const result = await backupSqlite(t.db, file);
      expect(existsSync(file)).toBe(true);
      expect(result.bytes).toBeGreaterThan(0);
      await expect(backupSqlite(t.db, file)).rejects.toMatchObject({ code: "exists" });
      const copy = await openDatabase(`file:${file}`);
      try {
        const names = (await createStaffAccessStore(copy).list()).map((a) => a.name);
        expect(names).toEqual(["Ada", "Bruno"]);
      } finally {
        await copy.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

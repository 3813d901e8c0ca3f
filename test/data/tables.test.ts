/**
 * The schema's generated tables (`src/data/schema/tables.ts`) are what `npm run db:tables` writes
 * from `prisma/models.prisma`, and the migrated database has exactly those columns, nullable as
 * the schema says: a column added to the schema without a migration (or the other way round),
 * or without running the generator, fails here.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA_FILE, TABLES_FILE, tablesOf, tablesSource } from "../../src/data/schema/generateTables.js";
import { completeRow, insertRow, rowReader } from "../../src/data/schema/rows.js";
import { createTestDatabase, type TestDatabase, usingPostgres } from "../support/testDatabase.js";

const schema = readFileSync(SCHEMA_FILE, "utf8");

describe("generated tables", () => {
  it("are up to date with prisma/models.prisma (run `npm run db:tables`)", () => {
    expect(readFileSync(TABLES_FILE, "utf8")).toBe(tablesSource(schema));
  });

  it("read a model's scalar columns and skip its relations", () => {
    const tables = tablesOf(
      `model A {\n  id String @id\n  n Int? // note\n  at DateTime\n  b B @relation(fields: [id], references: [id])\n  cs C[]\n  @@index([n])\n}\n`,
    );
    expect(tables.get("A")).toEqual([
      { name: "id", kind: "text", nullable: false },
      { name: "n", kind: "int", nullable: true },
      { name: "at", kind: "instant", nullable: false },
    ]);
  });

  it("complete a new row: every nullable column left out is null", () => {
    const at = new Date("2027-03-30T08:00:00Z");
    const row = completeRow("Customer", {
      id: "c1",
      code: "C7K2QX",
      company: "Bar Roma",
      language: "it",
      plans: "[]",
      verified: true,
      createdAt: at,
      updatedAt: at,
      phone: "+393331110001",
    });
    expect(row).toEqual({
      id: "c1",
      code: "C7K2QX",
      company: "Bar Roma",
      contactName: null,
      phone: "+393331110001",
      email: null,
      language: "it",
      plans: "[]",
      salesRep: null,
      salesRepId: null,
      verified: true,
      createdAt: at,
      updatedAt: at,
    });
  });

  it("refuse a field line they cannot read", () => {
    expect(() => tablesOf("model A {\n  = broken\n}\n")).toThrow(/cannot read the field line/);
  });
});

describe("the migrated database", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("has the schema's tables with the schema's columns and nullability", async () => {
    const wanted = [...tablesOf(schema)].map(([table, columns]) => ({
      table,
      columns: columns.map((c) => `${c.name}${c.nullable ? "?" : ""}`).sort(),
    }));
    const found = await t.db.session(async (tx) => {
      const out: { table: string; columns: string[] }[] = [];
      for (const { table } of wanted) {
        const rows = usingPostgres
          ? await tx.rows(
              `SELECT "column_name" AS "name", CASE WHEN "is_nullable" = 'YES' THEN 0 ELSE 1 END AS "notnull"
               FROM "information_schema"."columns" WHERE "table_schema" = current_schema() AND "table_name" = ?`,
              table,
            )
          : await tx.rows(`SELECT "name", "notnull" FROM pragma_table_info(?)`, table);
        out.push({
          table,
          columns: rows.map((r) => `${String(r.name)}${Number(r.notnull) ? "" : "?"}`).sort(),
        });
      }
      return out;
    });
    expect(found).toEqual(wanted);
  });

  it("stores a whole row through insertRow and reads it back through rowReader", async () => {
    const insert = insertRow("TicketCounter");
    const read = rowReader("TicketCounter");
    const row = await t.db.transaction(async (tx) => {
      await tx.run(insert.sql, ...insert.args({ prefix: "ZZ", year: 2027, last: 7 }));
      return read((await tx.row(`SELECT * FROM "TicketCounter" WHERE "prefix" = ?`, "ZZ"))!);
    });
    expect(row).toEqual({ prefix: "ZZ", year: 2027, last: 7 });
  });
});

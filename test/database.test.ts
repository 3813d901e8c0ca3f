import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, openDatabase } from "../src/data/database.js";
import { migrationsDir } from "../src/data/migrate.js";
import { theRow } from "./support/rows.js";
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
    // A customer written without plans gets the column's default, an empty list.
    const at = new Date();
    await db.session(async (tx) =>
      tx.run(
        `INSERT INTO "Customer" ("id", "code", "company", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?)`,
        "c1",
        "C1",
        "Bar Roma",
        at.toISOString(),
        at.toISOString(),
      ),
    );
    const customer = await theRow(db, "Customer", `"code" = 'C1'`);
    expect(customer.plans).toBe("[]");
  });
});

describe("migrate, several at once and scripts with bodies", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("instances starting together apply each migration exactly once", async () => {
    const empty = await createEmptyDatabase();
    cleanups.push(() => empty.drop());
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase(empty.url)));
    for (const db of dbs) cleanups.push(() => db.close());
    const applied = (await Promise.all(dbs.map((db) => migrate(db)))).flat();
    const committed = readdirSync(migrationsDir(dbs[0]!.provider)).sort();
    expect(applied.sort()).toEqual(committed);
    for (const db of dbs) expect(await migrate(db)).toEqual([]);
  });

  it("runs a function or trigger whose body spans lines with `;` in it, and a `;` in a string", async () => {
    const empty = await createEmptyDatabase();
    cleanups.push(() => empty.drop());
    const db = await openDatabase(empty.url);
    cleanups.push(() => db.close());
    const dir = mkdtempSync(join(tmpdir(), "sportello-migrations-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const body =
      db.provider === "postgres"
        ? `CREATE TABLE "Note" ("id" INTEGER PRIMARY KEY, "text" TEXT NOT NULL);
CREATE FUNCTION note_shout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."text" := upper(NEW."text");
  RETURN NEW;
END
$$;
CREATE TRIGGER note_shout BEFORE INSERT ON "Note" FOR EACH ROW EXECUTE FUNCTION note_shout();
INSERT INTO "Note" ("id", "text") VALUES (1, 'a;
b');
`
        : `CREATE TABLE "Note" ("id" INTEGER PRIMARY KEY, "text" TEXT NOT NULL);
CREATE TRIGGER note_shout AFTER INSERT ON "Note"
BEGIN
  UPDATE "Note" SET "text" = upper(NEW."text") WHERE "id" = NEW."id";
END;
INSERT INTO "Note" ("id", "text") VALUES (1, 'a;
b');
`;
    mkdirSync(join(dir, "20990101000000_note"));
    writeFileSync(join(dir, "20990101000000_note", "migration.sql"), body);
    expect(await migrate(db, { dir })).toEqual(["20990101000000_note"]);
    const rows = await db.session(async (tx) => tx.rows(`SELECT "text" FROM "Note"`));
    expect(rows).toEqual([{ text: "A;\nB" }]);
    expect(await migrate(db, { dir })).toEqual([]);
  });
});

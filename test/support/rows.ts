/**
 * Reading rows for a test's assertions on SQL, as the stores read them: a table's rows through
 * the schema's reader ({@link rowReader}), so both providers give the same values (instants as
 * Date, booleans as boolean, counts as numbers). `where` is the SQL after `WHERE` (it may end in
 * an `ORDER BY`), with `?` placeholders for `args`; column names are quoted (`"chatId"`).
 */
import type { Database } from "../../src/data/database.js";
import { type Row, rowReader, type TableName } from "../../src/data/schema/rows.js";
import { iso, type SqlArg } from "../../src/data/sqlTx.js";

/** A value bound as the stores bind it (instants as ISO text, booleans as 0/1). */
export type RowArg = SqlArg | Date | boolean;

const bound = (args: RowArg[]): SqlArg[] =>
  args.map((a) => (a instanceof Date ? iso(a) : typeof a === "boolean" ? (a ? 1 : 0) : a));

/** The rows of `table` where `where` holds (all of them when it is left out). */
export async function rowsOf<T extends TableName>(
  db: Database,
  table: T,
  where = "1 = 1",
  ...args: RowArg[]
): Promise<Row<T>[]> {
  const read = rowReader(table);
  // Aliased, so a test's read never shares a cached prepared statement with a store's query of the
  // same text (`SELECT * FROM "Ticket" WHERE "number" = ?`): sharing one made the runtime's next
  // findTicket in a transaction return the wrong row on SQLite (see the branch's report).
  const rows = await db.session(async (tx) =>
    tx.rows(`SELECT * FROM "${table}" WHERE ${where}`, ...bound(args)),
  );
  return rows.map(read);
}

/** The first row of `table` where `where` holds, or null. */
export async function rowOf<T extends TableName>(
  db: Database,
  table: T,
  where = "1 = 1",
  ...args: RowArg[]
): Promise<Row<T> | null> {
  return (await rowsOf(db, table, where, ...args))[0] ?? null;
}

/** The first row of `table` where `where` holds; throws if there is none. */
export async function theRow<T extends TableName>(
  db: Database,
  table: T,
  where = "1 = 1",
  ...args: RowArg[]
): Promise<Row<T>> {
  const row = await rowOf(db, table, where, ...args);
  if (!row) throw new Error(`no ${table} row where ${where} (${args.join(", ")})`);
  return row;
}

/** How many rows of `table` `where` holds for. */
export async function countOf(
  db: Database,
  table: TableName,
  where = "1 = 1",
  ...args: RowArg[]
): Promise<number> {
  const rows = await db.session(async (tx) =>
    tx.rows(`SELECT COUNT(*) AS "n" FROM "${table}" WHERE ${where}`, ...bound(args)),
  );
  return Number(rows[0]?.n ?? 0);
}

/** The placeholders of an `IN (...)` list of `values`: `?, ?, ?`. */
export function inList(values: readonly unknown[]): string {
  return values.map(() => "?").join(", ");
}

/**
 * Rows as the repositories see them, derived from the one schema (`tables.ts`, generated from
 * `prisma/models.prisma`): a table's row type, a reader that turns either provider's result row
 * into it, and the values of a row bound as Prisma stores them. A column added to the schema is
 * in the type, the reader and the INSERT of {@link insertRow} without further edits.
 */
import { bool, date, iso, num, type SqlArg, type SqlRow } from "../sqlTx.js";
import { qb, sqlOf } from "./queryBuilder.js";
import { TABLES } from "./tables.js";

/** The tables of the schema. */
export type TableName = keyof typeof TABLES;

type KindOf<T extends TableName, C extends keyof (typeof TABLES)[T]> = (typeof TABLES)[T][C];

type ValueOfKind<K> = K extends `${infer Base}?`
  ? ValueOfKind<Base> | null
  : K extends "text"
    ? string
    : K extends "int" | "float"
      ? number
      : K extends "bool"
        ? boolean
        : K extends "instant"
          ? Date
          : never;

/** A row of `T` as the repositories handle it (instants as Date, booleans as boolean). */
export type Row<T extends TableName> = {
  -readonly [C in keyof (typeof TABLES)[T]]: ValueOfKind<KindOf<T, C>>;
};

/** The columns of `T` that may be NULL. */
type NullableColumn<T extends TableName> = {
  [C in keyof Row<T>]: null extends Row<T>[C] ? C : never;
}[keyof Row<T>];

/** A row to insert: every column, but the nullable ones may be left out (stored as NULL). */
export type NewRow<T extends TableName> = Omit<Row<T>, NullableColumn<T>> &
  Partial<Pick<Row<T>, NullableColumn<T>>>;

type Reader = (v: unknown) => unknown;

// The same conversions as every store's (sqlTx.ts): either provider's values in, Prisma's format out.
const READERS: Record<string, Reader> = {
  text: (v) => v,
  int: num,
  float: num,
  bool,
  instant: date,
};

const WRITERS: Record<string, (v: unknown) => SqlArg> = {
  text: (v) => v as string,
  int: (v) => v as number,
  float: (v) => v as number,
  bool: (v) => (v ? 1 : 0),
  instant: (v) => iso(v as Date),
};

/** A table's columns with their reader and writer, in schema order. */
function columnsOf(
  table: TableName,
): { name: string; nullable: boolean; read: Reader; write: (v: unknown) => SqlArg }[] {
  return Object.entries(TABLES[table]).map(([name, kind]) => {
    const nullable = kind.endsWith("?");
    const base = nullable ? kind.slice(0, -1) : kind;
    return { name, nullable, read: READERS[base]!, write: WRITERS[base]! };
  });
}

/**
 * The reader of `table`'s rows: the stored values turned into {@link Row}'s types, whichever
 * provider returned them (0/1 or booleans, ISO text or Date, bigint counts as numbers).
 */
export function rowReader<T extends TableName>(table: T): (r: SqlRow) => Row<T> {
  const columns = columnsOf(table);
  return (r) => {
    const row: Record<string, unknown> = {};
    for (const c of columns) {
      const v = r[c.name];
      row[c.name] = v === null || v === undefined ? (c.nullable ? null : v) : c.read(v);
    }
    return row as Row<T>;
  };
}

/** The INSERT of a whole row of `table` (every column, in schema order) and its argument list. */
export function insertRow<T extends TableName>(table: T): { sql: string; args: (row: Row<T>) => SqlArg[] } {
  const columns = columnsOf(table);
  const placeholders = Object.fromEntries(columns.map((c) => [c.name, null]));
  // biome-ignore lint/suspicious/noExplicitAny: every column of the table, by name.
  const sql = sqlOf(qb.insertInto(table).values(placeholders as any));
  return {
    sql,
    args: (row) =>
      columns.map((c) => {
        const v = (row as Record<string, unknown>)[c.name];
        return v === null || v === undefined ? null : c.write(v);
      }),
  };
}

/** Per table, its nullable columns (read from the schema once). */
const nullableColumns = new Map<TableName, string[]>();

/** The row as stored from `row`: the nullable columns it leaves out are null. */
export function completeRow<T extends TableName>(table: T, row: NewRow<T>): Row<T> {
  let nullable = nullableColumns.get(table);
  if (!nullable) {
    nullable = columnsOf(table)
      .filter((c) => c.nullable)
      .map((c) => c.name);
    nullableColumns.set(table, nullable);
  }
  const complete: Record<string, unknown> = { ...row };
  for (const name of nullable) if (complete[name] === undefined) complete[name] = null;
  return complete as Row<T>;
}

/** The names of `table`'s columns, in schema order. */
export function columnNames<T extends TableName>(table: T): (keyof Row<T> & string)[] {
  return Object.keys(TABLES[table]) as (keyof Row<T> & string)[];
}

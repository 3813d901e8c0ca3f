/**
 * The query builder, used only to compile SQL: Kysely over the schema's tables (`tables.ts`),
 * with a driver that never connects. Statements are compiled once, when their module loads, to
 * one text for both providers (`?` placeholders, double-quoted identifiers: SQLite's compiler;
 * PostgreSQL's transactions number the placeholders, see pgTx.ts), and run on the project's
 * own executor ({@link SqlTx}) with its pipelining, group commit and prepared statements.
 */
import {
  type Compilable,
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { replacePlaceholders } from "../placeholders.js";
import type { SqlArg } from "../sqlTx.js";
import type { Tables } from "./tables.js";

/** Builds queries over the schema's tables; never executes them (see {@link sqlOf}). */
export const qb = new Kysely<Tables>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

/** The SQL text of a built query (its placeholders are bound by the caller, in order). */
export function sqlOf(query: Compilable): string {
  return query.compile().sql;
}

/** A named parameter's place in a statement being compiled (see {@link statement}). */
class Param {
  constructor(readonly name: string) {}
}

/**
 * A statement compiled once: its SQL text and the binding of its named parameters, in the order
 * the text uses them. Texts, booleans and NULL the query itself fixes (`'pending'`, `TRUE`) are
 * written into the text as literals, as a hand-written statement would have them: plans and
 * partial indexes (PostgreSQL's `WHERE "status" = 'pending'`) see them. Fixed numbers are bound
 * (see {@link statement}).
 */
export interface Statement<P> {
  readonly sql: string;
  /** The arguments for `sql`, in order, from the named parameters. */
  args(params: P): SqlArg[];
}

/**
 * Compiles a query with named parameters once, typically when its module loads:
 *
 * ```ts
 * const cancelJob = statement<{ key: string }>((p) =>
 *   qb.updateTable("Job").set({ status: "cancelled" }).where("key", "=", p.key).where("status", "=", "pending"),
 * );
 * await tx.write(cancelJob.sql, ...cancelJob.args({ key }));
 * ```
 *
 * `p.name` stands for the value bound at run time; its type is the one declared in `P`, so the
 * compiler checks it against the column it is compared with or written to. Other values in the
 * query become literals of the text, except numbers, bound as fixed arguments: a boolean column
 * is written 1/0 (its type in the generated tables), which PostgreSQL reads as a boolean only
 * from a bound argument.
 */
export function statement<P extends object = Record<string, never>>(
  build: (p: P) => Compilable,
): Statement<P> {
  const params = new Proxy({} as P, { get: (_, name) => new Param(String(name)) });
  const compiled = build(params).compile();
  /** Per placeholder left in the text: the parameter's name, or the fixed number it binds. */
  const slots: (string | number)[] = [];
  let index = 0;
  const sql = replacePlaceholders(compiled.sql, () => {
    const value = compiled.parameters[index++];
    if (value instanceof Param) {
      slots.push(value.name);
      return "?";
    }
    // A fixed number stays bound: the column's type decides how PostgreSQL reads it (1 into a
    // boolean column is true, as every store binds booleans), where a literal 1 is an integer.
    if (typeof value === "number" && Number.isFinite(value)) {
      slots.push(value);
      return "?";
    }
    return literal(value);
  });
  return { sql, args: argsReader<P>(slots) };
}

/**
 * The function that lists a statement's arguments in placeholder order: generated once per
 * statement as plain property reads (`v.chatId ?? null, 1, …`), so each call site reads one
 * object shape instead of looking every name up by a variable key. Names come from the code's
 * own parameter names (quoted with JSON.stringify), never from input.
 */
function argsReader<P>(slots: readonly (string | number)[]): (values: P) => SqlArg[] {
  const items = slots.map((slot) =>
    typeof slot === "number" ? String(slot) : `v[${JSON.stringify(slot)}] ?? null`,
  );
  return new Function("v", `return [${items.join(", ")}];`) as (values: P) => SqlArg[];
}

/** A value fixed by the query as an SQL literal both providers read the same way. */
function literal(value: unknown): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  throw new Error(`a statement fixes a value that cannot be written as a literal: ${String(value)}`);
}

/**
 * Statements whose text depends on a shape known only at run time (a list's length, a set of
 * columns, a combination of filters): each compiled on first use for its shape, then reused.
 * Shapes come from the code's own bounds (a few dozen at most), never straight from input.
 */
export function perShape<Shape, S>(
  build: (shape: Shape) => S,
  keyOf: (shape: Shape) => string | number = (shape) => shape as string | number,
): (shape: Shape) => S {
  const compiled = new Map<string | number, S>();
  return (shape) => {
    const key = keyOf(shape);
    let s = compiled.get(key);
    if (s === undefined) {
      s = build(shape);
      compiled.set(key, s);
    }
    return s;
  };
}

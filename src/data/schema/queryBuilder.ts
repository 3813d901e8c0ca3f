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
 * the text uses them (values the query itself fixed, such as `'pending'`, are bound too).
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
 * compiler checks it against the column it is compared with or written to. Booleans fixed in
 * the query are bound as 1/0, as every store binds them.
 */
export function statement<P extends object = Record<string, never>>(
  build: (p: P) => Compilable,
): Statement<P> {
  const params = new Proxy({} as P, { get: (_, name) => new Param(String(name)) });
  const compiled = build(params).compile();
  const names: (string | null)[] = [];
  const fixed: SqlArg[] = [];
  for (const value of compiled.parameters) {
    if (value instanceof Param) {
      names.push(value.name);
      fixed.push(null);
    } else {
      names.push(null);
      fixed.push(fixedArg(value));
    }
  }
  const n = names.length;
  return {
    sql: compiled.sql,
    args(values: P): SqlArg[] {
      const out = new Array<SqlArg>(n);
      const byName = values as Record<string, SqlArg | undefined>;
      for (let i = 0; i < n; i++) {
        const name = names[i];
        out[i] = name === null ? fixed[i]! : (byName[name!] ?? null);
      }
      return out;
    },
  };
}

function fixedArg(value: unknown): SqlArg {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  throw new Error(`a statement fixes a value that cannot be bound: ${String(value)}`);
}

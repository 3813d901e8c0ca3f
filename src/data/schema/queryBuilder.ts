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

/**
 * How instances see each other on PostgreSQL: each keeps one connection open whose
 * `application_name` is `sportello:<instance id>` (the LISTEN connection, notifyBus.ts). While it
 * is open the instance is alive: its claims are respected until their lease ends; once it closed
 * (process gone) they are taken over at once.
 */
import { randomBytes } from "node:crypto";
import { type Expression, expressionBuilder, type SqlBool, sql } from "kysely";
import { qb, sqlOf } from "./schema/queryBuilder.js";

const APP_PREFIX = "sportello:";
/** Ids of command-line sessions start with this (see `CoordinationOptions.tool`). */
const TOOL_PREFIX = "tool-";

/** A new instance id; a command-line session's (`tool`) is marked as such. */
export function newInstanceId(tool: boolean): string {
  return `${tool ? TOOL_PREFIX : ""}${randomBytes(8).toString("hex")}`;
}

/** The `application_name` that announces instance `id`. */
export function presenceName(id: string): string {
  return `${APP_PREFIX}${id}`;
}

/** PostgreSQL's view of its connections, as far as presence reads it. */
type PgStatActivity = {
  pg_stat_activity: { application_name: string; datname: string };
};
const pg = qb.withTables<PgStatActivity>();

/**
 * Whether the instance whose id is `id` (typically a column) is alive, as a condition of a
 * query built with the query builder (PostgreSQL only). The prefix is a literal, not a parameter.
 */
export function isAlive(id: Expression<string | null>): Expression<SqlBool> {
  return expressionBuilder<PgStatActivity>().exists(
    pg
      .selectFrom("pg_stat_activity as a")
      .select(sql.lit(1).as("one"))
      .where("a.application_name", "=", sql<string>`${sql.lit(APP_PREFIX)} || ${id}`),
  );
}

/** SQL: whether the instance whose id is in `column` (SQL text, e.g. `o."claimedBy"`) is alive. */
export function alive(column: string): string {
  return sql`${isAlive(sql.raw(column))}`.compile(qb).sql;
}

/** SQL: the ids of the live instances on this database, command-line sessions left out. */
export const LIVE_INSTANCES = sqlOf(
  pg
    .selectFrom("pg_stat_activity")
    .select((eb) => eb.fn<string>("substr", ["application_name", eb.lit(APP_PREFIX.length + 1)]).as("id"))
    .distinct()
    .where("datname", "=", (eb) => eb.fn<string>("current_database"))
    .where((eb) => eb.fn<SqlBool>("starts_with", ["application_name", sql.lit(APP_PREFIX)]))
    .where((eb) =>
      eb.not(eb.fn<SqlBool>("starts_with", ["application_name", sql.lit(`${APP_PREFIX}${TOOL_PREFIX}`)])),
    ),
);

/**
 * How instances see each other on PostgreSQL: each keeps one connection open whose
 * `application_name` is `sportello:<instance id>` (the LISTEN connection, notifyBus.ts). While it
 * is open the instance is alive: its claims are respected until their lease ends; once it closed
 * (process gone) they are taken over at once.
 */
import { randomBytes } from "node:crypto";

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

/** SQL: whether the instance whose id is in `column` is alive. */
export function alive(column: string): string {
  return `EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = '${APP_PREFIX}' || ${column})`;
}

/** SQL: the ids of the live instances on this database, command-line sessions left out. */
export const LIVE_INSTANCES = `SELECT DISTINCT substr("application_name", ${APP_PREFIX.length + 1}) AS "id"
  FROM pg_stat_activity
  WHERE "datname" = current_database() AND starts_with("application_name", '${APP_PREFIX}')
    AND NOT starts_with("application_name", '${APP_PREFIX}${TOOL_PREFIX}')`;

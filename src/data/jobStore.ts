/**
 * Jobs (durable timers) and idempotency keys, in SQL over {@link SqlTx} (the hot path's
 * statements are in `sqlJobs.ts`). Given the database instead of a transaction, a function runs
 * on a session connection.
 */

import { type Database, onSql, type SqlExecutor } from "./database.js";
import { toJson } from "./json.js";
import * as sql from "./sqlJobs.js";
import { date, iso } from "./sqlTx.js";

// ---------------------------------------------------------------------------------------------
// Jobs (durable timers) and idempotency keys

export interface JobRow {
  id: string;
  kind: string;
  key: string;
  dueAt: Date;
  payload: Record<string, unknown>;
  attempts: number;
}

/** A job to schedule: kind, key (one pending job per key), when it is due and its payload. */
export interface JobToSchedule {
  kind: string;
  key: string;
  dueAt: Date;
  payload: unknown;
}

/** Schedules (or moves) the pending job with this key. */
export async function scheduleJob(on: SqlExecutor, j: JobToSchedule): Promise<void> {
  return onSql(on, (tx) => sql.scheduleJob(tx, { ...j, payload: toJson(j.payload) }));
}

export async function cancelJobs(on: SqlExecutor, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  return onSql(on, (tx) => sql.cancelJobs(tx, keys));
}

/** When the earliest pending job is due, or null when none is pending. */
export async function nextJobDue(on: SqlExecutor): Promise<Date | null> {
  const r = await onSql(on, (tx) =>
    tx.row(`SELECT "dueAt" FROM "Job" WHERE "status" = 'pending' ORDER BY "dueAt" ASC LIMIT 1`),
  );
  return r ? date(r.dueAt) : null;
}

/**
 * Records an idempotency key (Slack event_id, …); returns true if it had been seen before (also
 * when another process recorded it at the same time).
 */
export async function markDeliverySeen(on: SqlExecutor, source: string, key: string): Promise<boolean> {
  const inserted = await onSql(on, (tx) =>
    tx.run(
      `INSERT INTO "ProcessedDelivery" ("source", "key", "at") VALUES (?, ?, ?) ON CONFLICT ("source", "key") DO NOTHING`,
      source,
      key,
      iso(new Date()),
    ),
  );
  return inserted === 0;
}

/** What {@link purgeFinishedWork} deleted. */
export interface FinishedWorkPurge {
  jobs: number;
  deliveries: number;
}

/**
 * Housekeeping: deletes jobs done (or cancelled and due) before `before` and the idempotency
 * keys of deliveries recorded before it (a platform retries an event for minutes, not days).
 * Pending and failed jobs stay.
 */
export async function purgeFinishedWork(db: Database, before: Date): Promise<FinishedWorkPurge> {
  const cutoff = iso(before);
  return db.transaction(async (tx) => ({
    jobs: await tx.run(
      `DELETE FROM "Job" WHERE ("status" = 'done' AND "doneAt" < ?) OR ("status" = 'cancelled' AND "dueAt" < ?)`,
      cutoff,
      cutoff,
    ),
    deliveries: await tx.run(`DELETE FROM "ProcessedDelivery" WHERE "at" < ?`, cutoff),
  }));
}

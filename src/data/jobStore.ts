/**
 * Jobs (durable timers) and idempotency keys, in SQL over {@link SqlTx} (the hot path's
 * statements are in `sqlJobs.ts`). Given the database instead of a transaction, a function runs
 * on a session connection.
 */

import { sql as raw } from "kysely";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { toJson } from "./json.js";
import { qb, statement } from "./schema/queryBuilder.js";
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

const earliestPending = statement((_p) =>
  qb
    .selectFrom("Job")
    .select("dueAt")
    .where("status", "=", raw.lit("pending"))
    .orderBy("dueAt", "asc")
    .limit(raw.lit(1)),
);

/** When the earliest pending job is due, or null when none is pending. */
export async function nextJobDue(on: SqlExecutor): Promise<Date | null> {
  const r = await onSql(on, (tx) => tx.row(earliestPending.sql, ...earliestPending.args({})));
  return r ? date(r.dueAt) : null;
}

const insertDelivery = statement<{ source: string; key: string; at: string }>((p) =>
  qb
    .insertInto("ProcessedDelivery")
    .values({ source: p.source, key: p.key, at: p.at })
    .onConflict((oc) => oc.columns(["source", "key"]).doNothing()),
);

/**
 * Records an idempotency key (Slack event_id, …); returns true if it had been seen before (also
 * when another process recorded it at the same time).
 */
export async function markDeliverySeen(on: SqlExecutor, source: string, key: string): Promise<boolean> {
  const inserted = await onSql(on, (tx) =>
    tx.run(insertDelivery.sql, ...insertDelivery.args({ source, key, at: iso(new Date()) })),
  );
  return inserted === 0;
}

/** What {@link purgeFinishedWork} deleted. */
export interface FinishedWorkPurge {
  jobs: number;
  deliveries: number;
}

const purgeJobs = statement<{ before: string }>((p) =>
  qb
    .deleteFrom("Job")
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", raw.lit("done")), eb("doneAt", "<", p.before)]),
        eb.and([eb("status", "=", raw.lit("cancelled")), eb("dueAt", "<", p.before)]),
      ]),
    ),
);
const purgeDeliveries = statement<{ before: string }>((p) =>
  qb.deleteFrom("ProcessedDelivery").where("at", "<", p.before),
);

/**
 * Housekeeping: deletes jobs done (or cancelled and due) before `before` and the idempotency
 * keys of deliveries recorded before it (a platform retries an event for minutes, not days).
 * Pending and failed jobs stay.
 */
export async function purgeFinishedWork(db: Database, before: Date): Promise<FinishedWorkPurge> {
  const cutoff = { before: iso(before) };
  return db.transaction(async (tx) => ({
    jobs: await tx.run(purgeJobs.sql, ...purgeJobs.args(cutoff)),
    deliveries: await tx.run(purgeDeliveries.sql, ...purgeDeliveries.args(cutoff)),
  }));
}

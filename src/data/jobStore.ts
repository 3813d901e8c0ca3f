/**
 * Jobs (durable timers) and idempotency keys, over Prisma or the hot path's {@link SqlTx}
 * (whose SQL is in `sqlJobs.ts`).
 */

import { z } from "zod";
import { clientOf, type Database, type Executor, type PrismaExecutor, prismaOf } from "./database.js";
import { parseJson, toJson } from "./json.js";
import * as sql from "./sqlJobs.js";
import { iso, SqlTx } from "./sqlTx.js";

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
export async function scheduleJob(on: Executor, j: JobToSchedule): Promise<void> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.scheduleJob(tx, { ...j, payload: toJson(j.payload) });
  await tx.job.upsert({
    where: { key: j.key },
    create: { kind: j.kind, key: j.key, dueAt: j.dueAt, payload: toJson(j.payload) },
    update: {
      kind: j.kind,
      dueAt: j.dueAt,
      payload: toJson(j.payload),
      status: "pending",
      attempts: 0,
      lastError: null,
      // Rescheduled while it runs (a repeated page): the running pass must not mark it done.
      claimedBy: null,
      leaseUntil: null,
    },
  });
}

export async function cancelJobs(on: Executor, keys: string[]): Promise<void> {
  const tx = clientOf(on);
  if (keys.length === 0) return;
  if (tx instanceof SqlTx) return sql.cancelJobs(tx, keys);
  await tx.job.updateMany({ where: { key: { in: keys }, status: "pending" }, data: { status: "cancelled" } });
}

export async function dueJobs(on: PrismaExecutor, now: Date, limit = 100): Promise<JobRow[]> {
  const tx = prismaOf(on);
  const rows = await tx.job.findMany({
    where: { status: "pending", dueAt: { lte: now } },
    orderBy: [{ dueAt: "asc" }, { id: "asc" }],
    take: limit,
  });
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    key: r.key,
    dueAt: r.dueAt,
    payload: parseJson(z.record(z.string(), z.unknown()), r.payload, {}),
    attempts: r.attempts,
  }));
}

export async function nextJobDue(on: PrismaExecutor): Promise<Date | null> {
  const tx = prismaOf(on);
  const row = await tx.job.findFirst({
    where: { status: "pending" },
    orderBy: { dueAt: "asc" },
    select: { dueAt: true },
  });
  return row?.dueAt ?? null;
}

export async function completeJob(on: PrismaExecutor, id: string, at: Date): Promise<void> {
  const tx = prismaOf(on);
  await tx.job.update({ where: { id }, data: { status: "done", doneAt: at, attempts: { increment: 1 } } });
}

export async function failJob(
  on: PrismaExecutor,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  const tx = prismaOf(on);
  await tx.job.update({
    where: { id },
    data: {
      status: retryAt ? "pending" : "failed",
      attempts: { increment: 1 },
      lastError: error.slice(0, 1000),
      ...(retryAt ? { dueAt: retryAt } : {}),
    },
  });
}

/**
 * Records an idempotency key (Slack event_id, …); returns true if it had been seen before.
 * Check-then-insert is safe because callers serialise per source in one process; a concurrent
 * insert from another process fails on the primary key and is reported as seen.
 */
export async function markDeliverySeen(on: PrismaExecutor, source: string, key: string): Promise<boolean> {
  const tx = prismaOf(on);
  const existing = await tx.processedDelivery.findUnique({ where: { source_key: { source, key } } });
  if (existing) return true;
  try {
    await tx.processedDelivery.create({ data: { source, key } });
    return false;
  } catch {
    return true;
  }
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

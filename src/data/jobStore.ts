/**
 * Jobs (durable timers) and idempotency keys, over Prisma or the hot path's {@link SqlTx}
 * (whose SQL is in `sqlJobs.ts`).
 */
import { z } from "zod";
import type { StoreClient as Client, PrismaClient } from "./database.js";
import { parseJson, toJson } from "./json.js";
import * as sql from "./sqlJobs.js";
import { SqlTx } from "./sqlTx.js";

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
export async function scheduleJob(tx: Client, j: JobToSchedule): Promise<void> {
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

export async function cancelJobs(tx: Client, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  if (tx instanceof SqlTx) return sql.cancelJobs(tx, keys);
  await tx.job.updateMany({ where: { key: { in: keys }, status: "pending" }, data: { status: "cancelled" } });
}

export async function dueJobs(tx: PrismaClient, now: Date, limit = 100): Promise<JobRow[]> {
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

export async function nextJobDue(tx: PrismaClient): Promise<Date | null> {
  const row = await tx.job.findFirst({
    where: { status: "pending" },
    orderBy: { dueAt: "asc" },
    select: { dueAt: true },
  });
  return row?.dueAt ?? null;
}

export async function completeJob(tx: PrismaClient, id: string, at: Date): Promise<void> {
  await tx.job.update({ where: { id }, data: { status: "done", doneAt: at, attempts: { increment: 1 } } });
}

export async function failJob(
  tx: PrismaClient,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
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
export async function markDeliverySeen(tx: PrismaClient, source: string, key: string): Promise<boolean> {
  const existing = await tx.processedDelivery.findUnique({ where: { source_key: { source, key } } });
  if (existing) return true;
  try {
    await tx.processedDelivery.create({ data: { source, key } });
    return false;
  } catch {
    return true;
  }
}

/**
 * The hot path's SQL for jobs (durable timers), written once for SQLite and PostgreSQL (see
 * {@link SqlTx}); values stored exactly as Prisma stores them.
 */
import { newId } from "./ids.js";
import { iso, type SqlTx } from "./sqlTx.js";

export async function scheduleJob(
  tx: SqlTx,
  j: { kind: string; key: string; dueAt: Date; payload: string },
): Promise<void> {
  await tx.write(
    `INSERT INTO "Job" ("id", "kind", "key", "dueAt", "payload", "status", "attempts", "createdAt") VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)
     ON CONFLICT ("key") DO UPDATE SET "kind" = excluded."kind", "dueAt" = excluded."dueAt", "payload" = excluded."payload",
       "status" = 'pending', "attempts" = 0, "lastError" = NULL,
       -- Rescheduled while it runs (a repeated page): the running pass must not mark it done.
       "claimedBy" = NULL, "leaseUntil" = NULL`,
    newId(),
    j.kind,
    j.key,
    iso(j.dueAt),
    j.payload,
    iso(new Date()),
  );
}

export async function cancelJobs(tx: SqlTx, keys: string[]): Promise<void> {
  for (const key of keys)
    await tx.write(`UPDATE "Job" SET "status" = 'cancelled' WHERE "key" = ? AND "status" = 'pending'`, key);
}

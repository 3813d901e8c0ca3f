/**
 * The hot path's SQL for jobs (durable timers), written once for SQLite and PostgreSQL (see
 * {@link SqlTx}); values stored exactly as Prisma stores them. Statements are built with the
 * query builder and compiled once (see queryBuilder.ts); literals stay literals.
 */
import { sql } from "kysely";
import { newId } from "./ids.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { iso, type SqlTx } from "./sqlTx.js";

const upsertJob = statement<{
  id: string;
  kind: string;
  key: string;
  dueAt: string;
  payload: string;
  createdAt: string;
}>((p) =>
  qb
    .insertInto("Job")
    .values({
      id: p.id,
      kind: p.kind,
      key: p.key,
      dueAt: p.dueAt,
      payload: p.payload,
      status: sql.lit("pending"),
      attempts: sql.lit(0),
      createdAt: p.createdAt,
    })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet((eb) => ({
        kind: eb.ref("excluded.kind"),
        dueAt: eb.ref("excluded.dueAt"),
        payload: eb.ref("excluded.payload"),
        status: sql.lit("pending"),
        attempts: sql.lit(0),
        lastError: sql.lit(null),
        // Rescheduled while it runs (a repeated page): the running pass must not mark it done.
        claimedBy: sql.lit(null),
        leaseUntil: sql.lit(null),
      })),
    ),
);

export async function scheduleJob(
  tx: SqlTx,
  j: { kind: string; key: string; dueAt: Date; payload: string },
): Promise<void> {
  await tx.write(
    upsertJob.sql,
    ...upsertJob.args({
      id: newId(),
      kind: j.kind,
      key: j.key,
      dueAt: iso(j.dueAt),
      payload: j.payload,
      createdAt: iso(new Date()),
    }),
  );
}

const cancelPendingJob = statement<{ key: string }>((p) =>
  qb
    .updateTable("Job")
    .set({ status: sql.lit("cancelled") })
    .where("key", "=", p.key)
    .where("status", "=", sql.lit("pending")),
);

export async function cancelJobs(tx: SqlTx, keys: string[]): Promise<void> {
  for (const key of keys) await tx.write(cancelPendingJob.sql, ...cancelPendingJob.args({ key }));
}

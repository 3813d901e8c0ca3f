/**
 * The statements of coordination.ts (jobs and outbound claims, advisory locks), compiled once by
 * the query builder. Statements only PostgreSQL runs say so; they use its functions and casts.
 */
import { type SqlBool, sql } from "kysely";
import { alive } from "./presence.js";
import { qb, statement } from "./schema/queryBuilder.js";

/** PostgreSQL: serialises a key (chat, chat's outbox) across instances until the transaction ends. */
export const ADVISORY_XACT_LOCK = statement<{ key: string }>((p) =>
  qb.selectNoFrom((eb) =>
    eb.fn("pg_advisory_xact_lock", [eb.fn("hashtextextended", [eb.val(p.key), eb.lit(0)])]).as("locked"),
  ),
);

// Values the statements below write as SQL literals, as they always did (not bound: the partial
// index of pending outbound rows, PostgreSQL, is used only when the plan sees 'out' and 'pending').
const NULL = sql.lit(null);
const OUT = sql.lit("out");
const PENDING = sql.lit("pending");

/** A job done by this instance (while it holds the claim): counts the attempt, drops the claim. */
export const COMPLETE_JOB = statement<{ doneAt: string; id: string; instanceId: string }>((p) =>
  qb
    .updateTable("Job")
    .set((eb) => ({
      status: sql.lit("done"),
      doneAt: p.doneAt,
      attempts: eb("attempts", "+", eb.lit(1)),
      claimedBy: NULL,
      leaseUntil: NULL,
    }))
    .where("id", "=", p.id)
    .where("claimedBy", "=", p.instanceId),
);
/** A job that failed here: due again at `dueAt` (pending) or given up (failed, `dueAt` kept). */
export const FAIL_JOB = statement<{
  status: string;
  error: string;
  retryAt: string | null;
  id: string;
  instanceId: string;
}>((p) =>
  qb
    .updateTable("Job")
    .set((eb) => ({
      status: p.status,
      attempts: eb("attempts", "+", eb.lit(1)),
      lastError: p.error,
      dueAt: eb.fn.coalesce(eb.val(p.retryAt), "dueAt"),
      claimedBy: NULL,
      leaseUntil: NULL,
    }))
    .where("id", "=", p.id)
    .where("claimedBy", "=", p.instanceId),
);
/** The chats with an outbound message due (each once). */
export const CHATS_WITH_DUE_OUTBOX = statement<{ now: string; limit: number }>((p) =>
  qb
    .selectFrom("Message")
    .select(["channel", "chatId"])
    .distinct()
    .where("direction", "=", OUT)
    .where("status", "=", PENDING)
    .where("nextAttemptAt", "<=", p.now)
    .limit(p.limit),
);
/** When the next outbound retry is due. */
export const NEXT_OUTBOX_ATTEMPT = statement((_p) =>
  qb
    .selectFrom("Message")
    .select("nextAttemptAt")
    .where("direction", "=", OUT)
    .where("status", "=", PENDING)
    .where("nextAttemptAt", "is not", null)
    .orderBy("nextAttemptAt")
    .limit(sql.lit(1)),
);
/**
 * SQLite: claims due jobs, oldest first. Claims of an earlier process are void (SQLite runs one
 * instance): only this instance's own live claims are respected.
 */
export const CLAIM_JOBS_SQLITE = statement<{
  instanceId: string;
  leaseUntil: string;
  now: string;
  wallNow: string;
  limit: number;
}>((p) =>
  qb
    .updateTable("Job")
    .set({ claimedBy: p.instanceId, leaseUntil: p.leaseUntil })
    .where("id", "in", (eb) =>
      eb
        .selectFrom("Job")
        .select("id")
        .where("status", "=", PENDING)
        .where("dueAt", "<=", p.now)
        .where((w) =>
          w.or([
            w("claimedBy", "is", null),
            w("claimedBy", "<>", p.instanceId),
            w("leaseUntil", "<", p.wallNow),
          ]),
        )
        .orderBy("dueAt")
        .orderBy("id")
        .limit(p.limit),
    )
    .returning(["id", "kind", "key", "dueAt", "payload", "attempts"]),
);
/** PostgreSQL: whether the instance whose id is in `column` is alive (presence.ts). */
const isAlive = (column: string) => sql.raw<SqlBool>(alive(column));
/**
 * PostgreSQL: claims a chat's pending outbound rows (under its outbox lock) unless a live claim
 * holds some: another live instance's, or this instance's own (rows in hand of a delivery here,
 * or inserted claimed by a transaction whose delivery is still to run), so a row is never in two
 * hands.
 */
export const CLAIM_OUTBOX = statement<{
  instanceId: string;
  leaseUntil: string;
  channel: string;
  chatId: string;
  now: string;
}>((p) =>
  qb
    .updateTable("Message")
    .set((eb) => ({
      claimedBy: p.instanceId,
      leaseUntil: eb.cast<string>(eb.val(p.leaseUntil), "timestamp"),
    }))
    .where("id", "in", (eb) =>
      eb
        .selectFrom("Message")
        .select("id")
        .where("channel", "=", p.channel)
        .where("chatId", "=", p.chatId)
        .where("direction", "=", OUT)
        .where("status", "=", PENDING)
        .orderBy("at")
        .orderBy("id")
        .limit(sql.lit(100)),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("Message as o")
            .select((o) => o.lit(1).as("one"))
            .where("o.channel", "=", p.channel)
            .where("o.chatId", "=", p.chatId)
            .where("o.direction", "=", OUT)
            .where("o.status", "=", PENDING)
            .where("o.claimedBy", "is not", null)
            .where("o.leaseUntil", ">=", eb.cast<string>(eb.val(p.now), "timestamp"))
            .where((o) => o.or([o("o.claimedBy", "=", p.instanceId), isAlive('"o"."claimedBy"')])),
        ),
      ),
    )
    .returning(["id", "channel", "chatId", "text", "body", "attempts", "nextAttemptAt", "at"]),
);
/** PostgreSQL: claims due jobs, oldest first, skipping those another claimer has locked right now. */
export const CLAIM_JOBS = statement<{
  instanceId: string;
  leaseUntil: string;
  now: string;
  wallNow: string;
  limit: number;
}>((p) =>
  qb
    .updateTable("Job")
    .set((eb) => ({
      claimedBy: p.instanceId,
      leaseUntil: eb.cast<string>(eb.val(p.leaseUntil), "timestamp"),
    }))
    .where("id", "in", (eb) =>
      eb
        .selectFrom("Job as j")
        .select("j.id")
        .where("j.status", "=", PENDING)
        .where("j.dueAt", "<=", eb.cast<string>(eb.val(p.now), "timestamp"))
        .where((j) =>
          j.or([
            j("j.claimedBy", "is", null),
            j("j.leaseUntil", "<", j.cast<string>(j.val(p.wallNow), "timestamp")),
            j.not(isAlive('"j"."claimedBy"')),
          ]),
        )
        .orderBy("j.dueAt")
        .orderBy("j.id")
        .limit(p.limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(["id", "kind", "key", "dueAt", "payload", "attempts"]),
);

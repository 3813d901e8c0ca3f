/**
 * Group commit on PostgreSQL: transactions asked for in the same turn of the event loop (and
 * while they wait for a pooled connection) share ONE connection and ONE BEGIN … COMMIT. Their
 * statements go out together, so a group of chats' messages costs the round trips of one message
 * (on a loaded machine each round trip, which wakes a backend, costs more than the statements),
 * and one WAL flush instead of one per message.
 *
 * Each member is still all or nothing. If the shared transaction fails for any reason — one
 * member's work threw, a checked write found a conflict, PostgreSQL refused the COMMIT — nothing
 * of any member was committed, and every member is run again alone, in a transaction of its
 * own, from the start: a member that fails alone fails with its own error, the others commit.
 * Members must therefore be safe to run again (the inbound pipeline's are: a turn reads what it
 * needs inside its transaction and keeps its effects in what the transaction returns).
 *
 * Only when COMMIT went out and its answer was lost with the connection (so it may have
 * committed) are the members not run again: each fails with that error, as a lone transaction
 * would, and the channel's redelivery meets the transcript's duplicate check.
 *
 * Members start in the order of their keys (the chat's), so the chat locks they take first are
 * taken in one order by every instance: two groups locking the same chats never deadlock on them.
 * Should a deadlock arise elsewhere (rows shared by chats), PostgreSQL breaks it within
 * `deadlock_timeout`: one group fails and its members run again alone.
 */
import type pg from "pg";
import {
  type PgTransactionOptions,
  pgSharedTransaction,
  pgTransaction,
  type SharedOutcome,
} from "./pgTransaction.js";
import type { PgTx } from "./pgTx.js";

interface Member {
  work: (tx: PgTx) => Promise<unknown>;
  /** Where it starts in the group (see the module comment); none: after the keyed ones. */
  key: string | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most transactions sharing one commit (their statements are pipelined on one connection). */
const GROUP_LIMIT = 50;

/** Keyed members first, by key (a stable sort keeps the order of asking otherwise). */
function byKey(a: Member, b: Member): number {
  if (a.key === b.key) return 0;
  if (a.key === undefined) return 1;
  if (b.key === undefined) return -1;
  return a.key < b.key ? -1 : 1;
}

/** Shared transactions on one pool: {@link run} is `db.transaction(work, { shared: true })`. */
export class PgGroupCommit {
  /** The group still taking members: not started, or waiting for its connection. */
  private forming: Member[] | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PgTransactionOptions,
    private readonly limit = GROUP_LIMIT,
  ) {}

  /** Runs `work` in a transaction it may share (see the module comment); resolves once committed. */
  run<T>(work: (tx: PgTx) => Promise<T>, key?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const member: Member = { work, key, resolve: resolve as (value: unknown) => void, reject };
      if (this.forming && this.forming.length < this.limit) {
        this.forming.push(member);
        return;
      }
      const group = [member];
      this.forming = group;
      // After this turn's other callers (and I/O callbacks) had their chance to join.
      setImmediate(() => void this.start(group));
    });
  }

  private async start(group: Member[]): Promise<void> {
    let outcome: SharedOutcome<unknown>;
    try {
      outcome = await pgSharedTransaction(this.pool, this.options, () => {
        // The connection is held: the group closes (later callers form the next one).
        if (this.forming === group) this.forming = null;
        group.sort(byKey);
        return group.map((m) => m.work);
      });
    } catch (error) {
      // No connection could be had: nothing ran.
      if (this.forming === group) this.forming = null;
      for (const m of group) m.reject(error);
      return;
    }
    if (outcome.committed) {
      for (const [i, m] of group.entries()) m.resolve(outcome.values[i]);
      return;
    }
    if (group.length === 1 || outcome.uncertain) {
      for (const m of group) m.reject(outcome.error);
      return;
    }
    // Nothing was committed: each member again, alone.
    await Promise.all(
      group.map((m) => pgTransaction(this.pool, this.options, m.work).then(m.resolve, m.reject)),
    );
  }
}

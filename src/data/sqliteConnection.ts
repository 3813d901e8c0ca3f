/**
 * One SQLite connection per process, the runtime's (its stores' SQL, `SqliteTx` in sqlTx.ts).
 *
 * Two connections in one process can block each other: the synchronous driver waits for the
 * write lock on the only thread, which is the one that would release it. So every statement of
 * this process goes through this connection:
 *
 * - a statement cache (SQL text → prepared statement);
 * - a gate: a transaction holds the connection exclusively until it commits or rolls back, and
 *   single statements wait while one is open (they would otherwise join it).
 */
import Database from "libsql";
import { WalCheckpointer } from "./walCheckpointer.js";

type Statement = Database.Statement<unknown[]>;

interface QueuedTransaction {
  work: () => Promise<unknown>;
  /** `work` may run again from the start (see {@link SqliteConnection.transaction}). */
  rerunnable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The arguments of a statement that takes none (one array for all, not a new one per call). */
const NO_ARGS: never[] = [];

/** Most transactions sharing one commit. */
const GROUP_LIMIT = 200;
/** Database work allowed per turn of the event loop before yielding to timers and I/O. */
const SLICE_MS = 8;

/** A process's single SQLite connection, with its statement cache and transaction gate. */
export class SqliteConnection {
  readonly db: Database.Database;
  /** Checkpoints the write-ahead log off the event loop (none for an in-memory database). */
  readonly checkpointer: WalCheckpointer | null = null;
  private readonly objectStatements = new Map<string, Statement>();
  private readonly firstRowStatements = new Map<string, Statement>();
  private held = false;
  /** When this turn of the event loop started using the connection (null: not yet). */
  private sliceStart: number | null = null;
  private turnScheduled = false;
  private readonly turnQueue: (() => void)[] = [];
  private readonly waiting: (() => void)[] = [];
  /** Transactions waiting for the next group commit, in arrival order. */
  private readonly queued: QueuedTransaction[] = [];
  /** A group commit runs or is scheduled (new transactions just queue). */
  private committing = false;

  constructor(readonly file: string) {
    this.db = new Database(file);
    // busy timeout: a second process (CLI while the bot runs) waits instead of failing at once.
    this.pragma("busy_timeout = 5000");
    // WAL lets readers of other processes run during a write; NORMAL sync is still durable across
    // process crashes (a power cut may lose the last commits, never corrupt the file).
    const mode = this.pragma("journal_mode = WAL");
    this.pragma("synchronous = NORMAL");
    this.pragma("foreign_keys = ON");
    // Checkpoints (the log copied back into the file, with fsyncs) run on a worker thread.
    if (mode === "wal")
      this.checkpointer = new WalCheckpointer(file, (pages) => this.pragma(`wal_autocheckpoint = ${pages}`));
  }

  /** Runs `PRAGMA setting`; the first value it answers, if any. */
  private pragma(setting: string): unknown {
    const stmt = this.db.prepare(`PRAGMA ${setting}`);
    if (!stmt.reader) {
      stmt.run(NO_ARGS);
      return undefined;
    }
    const [row] = stmt.all() as Record<string, unknown>[];
    return row ? Object.values(row)[0] : undefined;
  }

  /**
   * A cached prepared statement whose rows come back as objects (the hot path's own SQL), for
   * `run` and `all`; {@link firstRowStatement} for `get`.
   */
  statement(sql: string): Statement {
    let stmt = this.objectStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.objectStatements.set(sql, stmt);
    }
    return stmt;
  }

  /**
   * A cached prepared statement used only with `get` (the first row). libsql's `get` on a
   * statement last used with `all` (which iterates it) can answer with the row of that earlier
   * binding: the same SQL text read both ways would then return another ticket. So a text read
   * both ways has a statement per way.
   */
  firstRowStatement(sql: string): Statement {
    let stmt = this.firstRowStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.firstRowStatements.set(sql, stmt);
    }
    return stmt;
  }

  /**
   * Runs `work` in a write transaction on this connection and resolves with its value once that
   * transaction has committed; rejects (nothing of `work` kept) if `work` throws or the commit
   * fails.
   *
   * Group commit: the transactions queued in one turn of the event loop share one
   * BEGIN IMMEDIATE … COMMIT (a commit costs far more than a message's statements). They run one
   * after the other, never interleaved: a failing one is undone alone and rejected, the others
   * commit. No caller is resolved before the shared COMMIT succeeded; if it fails (or SQLite rolls
   * the whole transaction back, e.g. disk full) every transaction of the group rejects. A group
   * ends when the queue is empty, after {@link GROUP_LIMIT} transactions or when this turn's
   * {@link SLICE_MS} of database work is used up; the rest waits for the next turn, so timers and
   * I/O still run in between.
   *
   * How a failing one is undone: by default each runs in its own savepoint, rolled back to. A
   * `rerunnable` one (its `work` keeps its effects in the transaction and its result, so it may
   * run again from the start) runs without one while every transaction before it in the group is
   * rerunnable too: if it fails, the whole group is rolled back and those before it are queued
   * again, first, to run again in the next group. A savepoint makes SQLite copy each page the
   * transaction first changes to a sub-journal, about a sixth of a message's database time.
   */
  transaction<T>(work: () => Promise<T>, options?: { rerunnable?: boolean }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({
        work,
        rerunnable: options?.rerunnable === true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (this.committing) return;
      this.committing = true;
      setImmediate(() => void this.runGroups());
    });
  }

  /** Runs groups of queued transactions, one group per turn of the event loop, until none is left. */
  private async runGroups(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const release = await this.acquire();
        try {
          await this.runGroup();
        } finally {
          release();
        }
        // The callers just resolved queue their next transactions for the next group meanwhile.
        if (this.queued.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.committing = false;
    }
  }

  /** One BEGIN IMMEDIATE … COMMIT around as many queued transactions as the bounds allow. */
  private async runGroup(): Promise<void> {
    const started = performance.now();
    const done: { member: QueuedTransaction; value: unknown }[] = [];
    try {
      this.statement("BEGIN IMMEDIATE").run(NO_ARGS);
    } catch (error) {
      // Not started (e.g. another process held the write lock past the busy timeout): the first
      // caller fails as it would alone; the next group tries again.
      this.queued.shift()!.reject(error);
      return;
    }
    /** Every transaction done in this group may run again (none needed a savepoint so far). */
    let rerunnableSoFar = true;
    while (this.queued.length > 0 && done.length < GROUP_LIMIT) {
      if (done.length > 0 && (performance.now() - started >= SLICE_MS || !this.inSlice())) break;
      const member = this.queued.shift()!;
      const savepoint = !(member.rerunnable && rerunnableSoFar);
      try {
        if (savepoint) this.statement("SAVEPOINT sportello_tx").run(NO_ARGS);
        const value = await member.work();
        if (savepoint) this.statement("RELEASE sportello_tx").run(NO_ARGS);
        done.push({ member, value });
        rerunnableSoFar &&= member.rerunnable;
      } catch (error) {
        if (!this.db.inTransaction) {
          // SQLite rolled the whole transaction back (disk full, I/O error): the group is lost.
          member.reject(error);
          for (const d of done) d.member.reject(groupLost(error));
          return;
        }
        if (!savepoint) {
          // Undone with the whole group; the ones before it run again, first, in the next group.
          member.reject(error);
          try {
            this.statement("ROLLBACK").run(NO_ARGS);
          } catch (rollbackError) {
            for (const d of done) d.member.reject(groupLost(rollbackError));
            return;
          }
          this.queued.unshift(...done.map((d) => d.member));
          return;
        }
        try {
          this.statement("ROLLBACK TO sportello_tx").run(NO_ARGS);
          this.statement("RELEASE sportello_tx").run(NO_ARGS);
        } catch (rollbackError) {
          member.reject(error);
          this.abandonGroup(done, rollbackError);
          return;
        }
        member.reject(error);
      }
    }
    try {
      this.statement("COMMIT").run(NO_ARGS);
    } catch (error) {
      this.abandonGroup(done, error);
      return;
    }
    this.checkpointer?.committed();
    for (const d of done) d.member.resolve(d.value);
  }

  /** Rolls the open group back and rejects its members. */
  private abandonGroup(done: { member: QueuedTransaction }[], error: unknown): void {
    try {
      if (this.db.inTransaction) this.statement("ROLLBACK").run(NO_ARGS);
    } finally {
      for (const d of done) d.member.reject(groupLost(error));
    }
  }

  /** True while a transaction holds the connection. */
  get busy(): boolean {
    return this.held;
  }

  /** Waits until no transaction holds the connection, then holds it; call the returned release. */
  async acquire(): Promise<() => void> {
    await this.fairTurn();
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.held = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.held = false;
      this.pump();
    };
  }

  /**
   * Database work is synchronous: many queued transactions could run back to back in one turn
   * of the event loop and starve timers and sockets. After {@link SLICE_MS} of work in a turn,
   * callers queue (first come, first served) for the next turn; timers and I/O run in between.
   */
  private async fairTurn(): Promise<void> {
    if (this.turnQueue.length === 0 && this.inSlice()) return;
    await new Promise<void>((resolve) => {
      this.turnQueue.push(resolve);
      this.scheduleTurn();
    });
  }

  private inSlice(): boolean {
    const now = performance.now();
    if (this.sliceStart === null) {
      this.sliceStart = now;
      this.scheduleTurn();
      return true;
    }
    return now - this.sliceStart < SLICE_MS;
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.sliceStart = null;
      this.pump();
    });
  }

  /** Lets the next caller waiting for a turn go on, while this turn's slice lasts. */
  private pump(): void {
    if (this.turnQueue.length > 0 && this.inSlice()) this.turnQueue.shift()!();
  }

  /** Waits until no transaction holds the connection (for a single statement). */
  async whenFree(): Promise<void> {
    while (this.held) {
      const release = await this.acquire();
      release();
    }
  }

  close(): void {
    this.checkpointer?.close();
    this.objectStatements.clear();
    if (this.db.open) this.db.close();
  }
}

/** The error a group member gets when the shared transaction it was part of did not commit. */
function groupLost(cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`the transaction was rolled back: ${reason}`, { cause });
}

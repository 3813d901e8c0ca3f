/**
 * Checkpoints the SQLite write-ahead log from a worker thread, off the event loop.
 *
 * In WAL mode SQLite copies the log back into the database file once it passes ~1000 pages
 * (auto-checkpoint), inside the COMMIT that crossed the mark, with an fsync of the log and one of
 * the database. The driver is synchronous, so that COMMIT held the event loop, and with it every
 * chat, for the fsyncs: about half the time all COMMITs took in `npm run bench`. Here a worker
 * thread with a connection of its own runs passive checkpoints instead, which never block the
 * writer; the process's connection keeps SQLite's auto-checkpoint only as a backstop at a larger
 * mark ({@link BACKSTOP_PAGES}), for when the worker falls behind, and at SQLite's default again
 * if the worker fails.
 *
 * Durability is unchanged: a commit is in the log when COMMIT returns, whoever checkpoints later.
 * The worker starts after {@link START_AFTER_COMMITS} commits, so short-lived connections (a CLI
 * command, most tests) never start one.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Commits before the worker is started. */
const START_AFTER_COMMITS = 50;
/** SQLite's own auto-checkpoint mark, in pages, while the worker checkpoints. */
export const BACKSTOP_PAGES = 10_000;
/** SQLite's default auto-checkpoint mark, in pages: used before the worker runs and if it fails. */
export const DEFAULT_PAGES = 1000;
/** Least time between two checkpoints of the worker. */
const MIN_INTERVAL_MS = 200;

type WorkerReply = { ready: true } | { log: number; checkpointed: number } | { error: string };

/** What the checkpointer did so far (for tests and diagnostics). */
export interface CheckpointerStats {
  /** Passive checkpoints the worker completed. */
  checkpoints: number;
  /** Log pages copied back into the database by the last of them. */
  lastCheckpointed: number;
  /** Why the worker stopped, if it did (the connection checkpoints inline again). */
  failed: string | null;
}

/** Asks a worker thread to checkpoint the log of `file` as commits come in. */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private commits = 0;
  /** A request is with the worker and not answered yet (at most one at a time). */
  private pending = false;
  /** When the last request was sent (requests are not sent more often than the worker runs). */
  private lastRequest = 0;
  private closed = false;
  readonly stats: CheckpointerStats = { checkpoints: 0, lastCheckpointed: 0, failed: null };

  /**
   * @param file the database file (opened in WAL mode by the caller)
   * @param setAutoCheckpoint sets the caller's connection's `wal_autocheckpoint` mark, in pages
   */
  constructor(
    private readonly file: string,
    private readonly setAutoCheckpoint: (pages: number) => void,
    private readonly startAfterCommits = START_AFTER_COMMITS,
  ) {}

  /** Call after each COMMIT of the writing connection. */
  committed(): void {
    if (this.closed || this.stats.failed) return;
    if (!this.worker) {
      if (++this.commits >= this.startAfterCommits) this.start();
      return;
    }
    if (this.pending) return;
    const now = performance.now();
    if (now - this.lastRequest < MIN_INTERVAL_MS) return;
    this.lastRequest = now;
    this.pending = true;
    this.worker.postMessage("checkpoint");
  }

  private start(): void {
    const worker = new Worker(new URL("./walCheckpointWorker.cjs", import.meta.url), {
      workerData: {
        file: this.file,
        driver: createRequire(import.meta.url).resolve("libsql"),
      },
      // Plain CommonJS: the worker needs none of the process's loaders (tsx).
      execArgv: [],
    });
    worker.unref();
    worker.on("message", (reply: WorkerReply) => {
      if ("ready" in reply) {
        if (!this.closed) this.setAutoCheckpoint(BACKSTOP_PAGES);
      } else if ("error" in reply) {
        this.pending = false;
      } else {
        this.pending = false;
        this.stats.checkpoints++;
        this.stats.lastCheckpointed = reply.checkpointed;
      }
    });
    worker.on("error", (error) => this.fail(error.message));
    worker.on("exit", (code) => {
      if (!this.closed) this.fail(`checkpoint worker exited with code ${code}`);
    });
    this.worker = worker;
  }

  private fail(reason: string): void {
    if (this.stats.failed || this.closed) return;
    this.stats.failed = reason;
    this.worker = null;
    this.setAutoCheckpoint(DEFAULT_PAGES);
  }

  /** Stops the worker (it closes its connection); the caller's connection checkpoints on close. */
  close(): void {
    this.closed = true;
    this.worker?.postMessage("close");
    this.worker = null;
  }
}

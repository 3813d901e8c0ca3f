/**
 * The job scheduler: runs due jobs (durable timers and background work) one pass at a time,
 * each with its typed handler, retrying failures with backoff; then retries due deliveries.
 * Jobs are claimed with a lease first, so among instances on one database each runs once.
 * While the runtime runs it wakes itself for the next due job or delivery retry (at least every 30 s).
 */
import * as store from "../data/supportStore.js";
import { type Job, type JobKind, type JobPayload, toJob } from "./jobs.js";
import type { OutboxDelivery } from "./outboxDelivery.js";
import type { RuntimeContext } from "./runtimeContext.js";

/** One handler per job kind, each given its own payload type. */
export type JobHandlers = { [K in JobKind]: (payload: JobPayload<K>) => Promise<void> };

const MAX_ROUNDS = 20;
const MAX_JOB_ATTEMPTS = 10;
const IDLE_WAKE_MS = 30_000;

/** Runs due jobs and wakes itself while started. */
export class JobScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private pass: Promise<number> | null = null;

  constructor(
    private readonly ctx: RuntimeContext,
    private readonly handlers: JobHandlers,
    private readonly outbox: OutboxDelivery,
  ) {}

  /** Runs every job due now (and retries due deliveries); returns how many jobs ran. */
  runDueJobs(): Promise<number> {
    // One pass at a time: a pass started while another runs waits for it and then runs again.
    const previous = this.pass ?? Promise.resolve(0);
    const next = previous.then(() => this.runOnce());
    this.pass = next.finally(() => {
      if (this.pass === next) this.pass = null;
    });
    return next;
  }

  /** Starts waking itself for due jobs, beginning now. */
  start(): void {
    this.running = true;
    this.kick();
  }

  /** Asks for a pass soon (a job due now was scheduled); ignored when stopped. */
  kick(delayMs = 0): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runDueJobs()
        .catch((error) => this.ctx.logger.error({ err: error }, "scheduler pass failed"))
        .then(async () => {
          const [job, retry] = await Promise.all([
            store.nextJobDue(this.ctx.db).catch(() => null),
            this.ctx.coordination.nextOutboxAttempt().catch(() => null),
          ]);
          const next = Math.min(
            job?.getTime() ?? Number.POSITIVE_INFINITY,
            retry?.getTime() ?? Number.POSITIVE_INFINITY,
          );
          const wait = Number.isFinite(next)
            ? Math.max(0, next - this.ctx.clock.now().getTime())
            : IDLE_WAKE_MS;
          this.kick(Math.min(wait, IDLE_WAKE_MS));
        });
    }, delayMs);
    this.timer.unref?.();
  }

  /** Stops waking and waits for a running pass to end. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass?.catch(() => 0);
  }

  get isRunning(): boolean {
    return this.running;
  }

  private async runOnce(): Promise<number> {
    const { ctx } = this;
    const { coordination } = ctx;
    let ran = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const rows = await coordination.claimJobs(ctx.clock.now());
      if (rows.length === 0) break;
      for (const row of rows) {
        ran++;
        try {
          const read = toJob(row);
          if ("error" in read) ctx.logger.warn({ kind: row.kind, key: row.key }, `${read.error}; ignored`);
          else await this.dispatch(read.job);
          // Not done when it was rescheduled meanwhile (a repeated page): it stays pending.
          await coordination.completeJob(row.id, ctx.clock.now());
        } catch (error) {
          const attempt = row.attempts + 1;
          const retryAt =
            attempt >= MAX_JOB_ATTEMPTS
              ? null
              : new Date(ctx.clock.now().getTime() + Math.min(5_000 * 2 ** attempt, 600_000));
          await coordination.failJob(row.id, (error as Error).message, retryAt);
          ctx.logger.warn({ err: error, job: row.kind, key: row.key, retryAt }, "job failed");
        }
      }
    }
    await this.outbox.deliverDue();
    return ran;
  }

  private dispatch(job: Job): Promise<void> {
    switch (job.kind) {
      case "desk.notify":
        return this.handlers["desk.notify"](job.payload);
      case "ticket.escalate":
        return this.handlers["ticket.escalate"](job.payload);
      case "ticket.callback":
        return this.handlers["ticket.callback"](job.payload);
      case "oncall.repage":
        return this.handlers["oncall.repage"](job.payload);
      case "pager.step":
        return this.handlers["pager.step"](job.payload);
      case "pager.outage":
        return this.handlers["pager.outage"](job.payload);
      case "ai.triage":
        return this.handlers["ai.triage"](job.payload);
      case "ai.transcribe":
        return this.handlers["ai.transcribe"](job.payload);
      case "ai.interpret":
        return this.handlers["ai.interpret"](job.payload);
      case "phone.voicemail":
        return this.handlers["phone.voicemail"](job.payload);
    }
  }
}

/**
 * What the running bot does on a timer: the retention purge and the housekeeping once a day (both
 * idempotent, any instance), and the outage watch every minute (a channel or desk degraded for
 * OUTAGE_NOTIFY_AFTER_MINUTES tells the on-call technician and the admins once, and again when
 * it recovers). Timers are unref'd: they never keep the process alive.
 */

import type { Database } from "../data/database.js";
import { purgeFinishedWork } from "../data/jobStore.js";
import type { HealthRegistry } from "../observability/healthRegistry.js";
import type { Logger } from "../observability/logger.js";
import type { Clock } from "../runtime/clock.js";
import type { SupportRuntime } from "../runtime/supportRuntime.js";

/** How often the retention purge and the housekeeping run while the bot is up. */
const RETENTION_EVERY_MS = 24 * 3600 * 1000;
/** How often channel and desk states are checked for outages. */
const OUTAGE_CHECK_EVERY_MS = 60_000;

/** Runs `task` now and then every `everyMs` (unref'd); the timer, to clear. */
function nowAndEvery(task: () => Promise<unknown>, everyMs: number): NodeJS.Timeout {
  void task();
  const timer = setInterval(task, everyMs);
  timer.unref();
  return timer;
}

/** Starts the timers (the purges run once at once); the returned function clears them. */
export function startPeriodicTasks(deps: {
  db: Database;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  runtime: SupportRuntime;
  health: HealthRegistry;
  /** Months transcripts and files are kept; null keeps them. */
  retentionMonths: number | null | undefined;
  finishedWorkKeepDays: number;
  outageNotifyAfterMinutes: number;
}): () => void {
  const { db, dataDir, clock, logger, runtime, health } = deps;

  /** Purges transcripts and files older than `months`, now and once a day (idempotent). */
  function startRetention(months: number): NodeJS.Timeout {
    // Loaded on use: the archive library is not needed to start.
    const purge = () =>
      import("../privacy/personalData.js")
        .then(({ purgeRetention }) => purgeRetention(db, dataDir, months, clock.now()))
        .then((summary) => logger.info({ ...summary, months }, "retention purge"))
        .catch((error) => logger.error({ err: error }, "retention purge failed"));
    return nowAndEvery(purge, RETENTION_EVERY_MS);
  }

  /** Deletes finished jobs and old delivery keys, now and once a day (idempotent, any instance). */
  function startHousekeeping(keepDays: number): NodeJS.Timeout {
    const purge = () =>
      purgeFinishedWork(db, new Date(clock.now().getTime() - keepDays * 24 * 3600 * 1000))
        .then((summary) => logger.info({ ...summary, keepDays }, "finished work purge"))
        .catch((error) => logger.error({ err: error }, "finished work purge failed"));
    return nowAndEvery(purge, RETENTION_EVERY_MS);
  }

  const retention = deps.retentionMonths ? startRetention(deps.retentionMonths) : null;
  const housekeeping = startHousekeeping(deps.finishedWorkKeepDays);
  const outages = setInterval(() => {
    const states = [
      ...runtime
        .channelStates()
        .filter(({ state }) => state.status !== "off")
        .map(({ name, state }) => ({
          component: `channel:${name}`,
          ok: state.status !== "error",
          detail: state.status === "error" ? state.error : state.status,
        })),
      ...Object.entries(health.snapshot())
        .filter(([component]) => component.startsWith("desk:"))
        .map(([component, c]) => ({
          component,
          ok: c.status === "ok",
          detail: c.status === "ok" ? (c.detail ?? "ok") : c.reason,
        })),
    ];
    void runtime.pager
      .watch(states, deps.outageNotifyAfterMinutes)
      .catch((error) => logger.error({ err: error }, "outage check failed"));
  }, OUTAGE_CHECK_EVERY_MS);
  outages.unref();
  return () => {
    if (retention) clearInterval(retention);
    clearInterval(housekeeping);
    clearInterval(outages);
  };
}

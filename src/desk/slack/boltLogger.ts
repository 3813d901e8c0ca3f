/**
 * Bolt logs through its own `Logger` interface (variadic messages, mutable level); sportello logs
 * structured JSON with pino. This adapter lets Bolt's warnings (failed signature checks, listener
 * errors) land in the same log, with errors kept as `err` so their stacks survive.
 */
import { format } from "node:util";
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "../../observability/logger.js";

const ORDER: LogLevel[] = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

/** Wraps a pino-style logger as a Bolt logger; `level` filters before pino does. */
export function boltLoggerFrom(log: Logger, level: LogLevel = LogLevel.INFO): BoltLogger {
  let current = level;
  let name = "slack";
  const emit =
    (at: LogLevel, write: (obj: object, msg: string) => void) =>
    (...messages: unknown[]) => {
      if (ORDER.indexOf(at) < ORDER.indexOf(current)) return;
      const err = messages.find((m): m is Error => m instanceof Error);
      const rest = messages.filter((m) => m !== err);
      write({ component: name, ...(err ? { err } : {}) }, format(...rest));
    };
  return {
    debug: emit(LogLevel.DEBUG, (o, m) => log.debug(o, m)),
    info: emit(LogLevel.INFO, (o, m) => log.info(o, m)),
    warn: emit(LogLevel.WARN, (o, m) => log.warn(o, m)),
    error: emit(LogLevel.ERROR, (o, m) => log.error(o, m)),
    setLevel: (l: LogLevel) => {
      current = l;
    },
    getLevel: () => current,
    setName: (n: string) => {
      name = n;
    },
  };
}

/** Structured logging (pino): JSON lines in production, quiet in tests unless LOG_LEVEL is set. */
import pino from "pino";

export type Logger = Pick<pino.Logger, "info" | "warn" | "error" | "debug" | "child">;

export function createLogger(options: { level?: string; name?: string } = {}): pino.Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info");
  return pino({ name: options.name ?? "sportello", level });
}

/** A logger that drops everything (tests, benchmark). */
export const silentLogger: pino.Logger = pino({ level: "silent" });

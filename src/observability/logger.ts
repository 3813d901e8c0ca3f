/**
 * Structured logging (pino). On a terminal each event is one pretty, coloured line (pino's own
 * pino-pretty); otherwise (a pipe, a file, journald, a container) one JSON object per line, for
 * log collectors. LOG_FORMAT=json|pretty overrides the choice (settings come from the `logs` slice
 * of the configuration).
 */
import { createRequire } from "node:module";
import pino from "pino";

export type Logger = Pick<pino.Logger, "info" | "warn" | "error" | "debug" | "child">;

export type LogFormat = "pretty" | "json";

/** The format asked for (LOG_FORMAT), else pretty exactly when stdout is a terminal. */
export function logFormat(
  wanted: LogFormat | undefined,
  stdoutIsTTY: boolean = Boolean(process.stdout.isTTY),
): LogFormat {
  return wanted ?? (stdoutIsTTY ? "pretty" : "json");
}

/**
 * The pretty stream: synchronous, in this thread (no transport worker to start or to flush at
 * exit); colours only on a terminal (and never with NO_COLOR). pino-pretty is loaded only here.
 */
function prettyStream(colorize: boolean, destination?: NodeJS.WritableStream): pino.DestinationStream {
  const pretty = createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty");
  return pretty({
    colorize,
    ...(destination ? { destination } : {}),
    singleLine: true,
    sync: true,
    translateTime: "SYS:HH:MM:ss.l",
    // An error stays on its event's line: type, message and where it was thrown (the whole
    // stack is in the JSON format).
    ignore: "pid,hostname,name,err",
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey] ?? "");
      const err = log.err as { type?: string; message?: string; stack?: string } | undefined;
      if (!err || typeof err !== "object") return message;
      const at = err.stack?.split("\n").find((line) => line.trim().startsWith("at "));
      return `${message} — ${err.type ?? "Error"}: ${err.message ?? ""}${at ? ` (${at.trim()})` : ""}`;
    },
  });
}

export interface LoggerOptions {
  /** Default `info` (`LOG_LEVEL`). */
  level?: string;
  name?: string;
  /** Default: pretty on a terminal, JSON otherwise (`LOG_FORMAT`). */
  format?: LogFormat;
  /** False turns colours off in the pretty format (`NO_COLOR`); default true. */
  color?: boolean;
  /** Where lines go (default: stdout); pretty lines are coloured only on a terminal stdout. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): pino.Logger {
  const level = options.level ?? "info";
  const settings = { name: options.name ?? "sportello", level };
  const format = logFormat(options.format);
  if (format === "json") {
    return options.destination ? pino(settings, options.destination) : pino(settings);
  }
  const colorize = !options.destination && Boolean(process.stdout.isTTY) && options.color !== false;
  return pino(settings, prettyStream(colorize, options.destination));
}

/** A logger that drops everything (tests, benchmark). */
export const silentLogger: pino.Logger = pino({ level: "silent" });

/**
 * The settings of what one client may ask of the server (abuse limits) and of who may read
 * `/metrics`: their environment variables (merged into `EnvSchema` by env.ts) and the typed
 * {@link LimitsConfig} slice. Defaults suit a small team's support site behind one proxy.
 */
import { z } from "zod";

const wholeNumber = (fallback: number, min: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? fallback : Number(v)))
    .pipe(
      z
        .number({ error: "expected a number" })
        .int({ error: "expected a whole number" })
        .min(min, { error: `expected a number ≥ ${min}` }),
    );

/** The variables (merged into the one environment schema). */
export const LIMIT_VARIABLES = {
  /** Messages a chat may send at once before the rate applies. */
  CHAT_MESSAGE_BURST: wholeNumber(10, 1),
  /** Messages per minute a chat may keep sending after its burst. */
  CHAT_MESSAGES_PER_MINUTE: wholeNumber(20, 1),
  /** New chats one client address may start per hour. */
  CHAT_NEW_PER_ADDRESS_PER_HOUR: wholeNumber(30, 1),
  /** Live chat streams (SSE) this instance keeps open at most. */
  STREAMS_MAX: wholeNumber(1000, 1),
  /** Live chat streams one client address may hold on this instance. */
  STREAMS_PER_ADDRESS: wholeNumber(20, 1),
  /** Live streams of one chat (browser tabs); the oldest is closed when one more opens. */
  STREAMS_PER_CHAT: wholeNumber(3, 1),
  /** Slowest request body accepted (bytes per second, averaged over UPLOAD_MIN_RATE_SECONDS); 0 = off. */
  UPLOAD_MIN_BYTES_PER_SECOND: wholeNumber(1024, 0),
  UPLOAD_MIN_RATE_SECONDS: wholeNumber(20, 1),
  /** Bearer token Prometheus sends to read /metrics from another host in public mode. */
  METRICS_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
    .refine((v) => v === undefined || v.length >= 16, { error: "expected at least 16 characters" }),
};

type LimitEnv = { [K in keyof typeof LIMIT_VARIABLES]: z.infer<(typeof LIMIT_VARIABLES)[K]> };

/** What one client may ask of the server. */
export interface LimitsConfig {
  chat: { burst: number; perMinute: number; newPerAddressPerHour: number };
  streams: { max: number; perAddress: number; perChat: number };
  /** Bodies slower than `bytesPerSecond` over `seconds` are cut with 408 (0 = off). */
  upload: { minBytesPerSecond: number; seconds: number };
  metricsToken?: string;
}

/** Defaults (the same as the variables' when unset). */
export const DEFAULT_LIMITS: LimitsConfig = {
  chat: { burst: 10, perMinute: 20, newPerAddressPerHour: 30 },
  streams: { max: 1000, perAddress: 20, perChat: 3 },
  upload: { minBytesPerSecond: 1024, seconds: 20 },
};

/** The typed slice of checked variables. */
export function limitsSlice(env: LimitEnv): LimitsConfig {
  return {
    chat: {
      burst: env.CHAT_MESSAGE_BURST,
      perMinute: env.CHAT_MESSAGES_PER_MINUTE,
      newPerAddressPerHour: env.CHAT_NEW_PER_ADDRESS_PER_HOUR,
    },
    streams: { max: env.STREAMS_MAX, perAddress: env.STREAMS_PER_ADDRESS, perChat: env.STREAMS_PER_CHAT },
    upload: { minBytesPerSecond: env.UPLOAD_MIN_BYTES_PER_SECOND, seconds: env.UPLOAD_MIN_RATE_SECONDS },
    ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
  };
}

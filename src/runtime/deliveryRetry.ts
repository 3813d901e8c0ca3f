/**
 * When a failed send is tried again. Transient errors (5xx, network) are retried within
 * seconds: bounded exponential backoff with jitter, so a platform that recovers gets the message
 * at once and many chats failing together do not retry in lockstep. A platform's own
 * `retry_after` is honoured exactly, neither padded nor jittered.
 */
import { ChannelSendError } from "../channels/port.js";

export interface DeliveryRetryPolicy {
  /** First retry after about this long (ms). */
  baseMs: number;
  /** Longest wait between two attempts (ms). */
  maxMs: number;
  /** Attempts after which a message is given up as failed. */
  maxAttempts: number;
}

/** 1 s, 2 s, 4 s … up to 5 minutes; given up after 20 attempts (about an hour of outage). */
export const DEFAULT_DELIVERY_RETRY: DeliveryRetryPolicy = { baseMs: 1_000, maxMs: 300_000, maxAttempts: 20 };

/**
 * The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed with `error`,
 * or null when the message must not be retried (permanent error, attempts used up).
 * `random` is in [0, 1).
 */
export function nextDeliveryDelay(
  error: unknown,
  attempt: number,
  policy: DeliveryRetryPolicy = DEFAULT_DELIVERY_RETRY,
  random: () => number = Math.random,
): number | null {
  if (error instanceof ChannelSendError && error.permanent) return null;
  if (attempt >= policy.maxAttempts) return null;
  if (error instanceof ChannelSendError && error.retryAfterMs !== undefined)
    return Math.max(0, error.retryAfterMs);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": at least half the ceiling, so retries never bunch up at zero.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * One pending wake-up per key (a chat), at the earliest time asked for; timers never keep the
 * process alive. Used to retry a chat's delivery exactly when its next attempt is due, instead
 * of waiting for the next scheduler pass.
 */
export class WakeUps {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  /** Calls `run` in `delayMs` unless an earlier wake-up for `key` is already set. */
  schedule(key: string, delayMs: number, run: () => void): void {
    const at = Date.now() + delayMs;
    const current = this.timers.get(key);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      run();
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  clear(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}

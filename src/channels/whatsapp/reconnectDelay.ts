/** Backoff settings for reconnecting after WhatsApp Web drops the session. */
export interface ReconnectBackoff {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Ceiling for any single delay. */
  maxDelayMs: number;
  /** Growth per attempt. */
  factor: number;
}

export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = {
  initialDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
  factor: 2,
};

/**
 * Delay before reconnect attempt number `attempt` (1-based): exponential, capped, with "equal
 * jitter" (half fixed, half random) so several sportello instances behind one NAT do not
 * hammer WhatsApp in lockstep. `random` returns a number in [0, 1).
 */
export function reconnectDelay(
  attempt: number,
  backoff: ReconnectBackoff = DEFAULT_RECONNECT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * backoff.factor ** exponent);
  return Math.round(base / 2 + random() * (base / 2));
}

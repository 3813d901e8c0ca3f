/**
 * Sign-in throttling without lockout. Failed passwords are counted per (account, client address)
 * and per account; past a few free failures each further attempt must wait a delay that doubles
 * with every failure (capped). A browser holding a device cookie for the account (it signed in
 * with the password before) is only slowed by its own address's failures, never by other
 * clients': guessing a technician's name from rotating addresses slows the guessers and new
 * browsers down, and keeps nobody who signed in before off the board.
 *
 * Counts live in the attempt counter (the database: every instance shares them); while it cannot
 * be reached, and without one, they are kept in this process.
 */
import type { AttemptCount, AttemptCounter } from "../data/attemptCounter.js";
import { boardLogin } from "../data/staffAccessStore.js";

export interface ThrottleRule {
  /** Failures without any delay. */
  free: number;
  /** Delay after the first failure past `free` (doubling with each further one). */
  baseMs: number;
  maxMs: number;
}

/** Per account and address: a person mistyping gets 5 tries, then 1 s, 2 s, 4 s… up to 15 min. */
export const PER_ADDRESS: ThrottleRule = { free: 5, baseMs: 1000, maxMs: 15 * 60 * 1000 };
/** Per account from every address (unknown browsers only): up to one guess a minute. */
export const PER_ACCOUNT: ThrottleRule = { free: 20, baseMs: 1000, maxMs: 60 * 1000 };
/** Failures are forgotten an hour after the first one. */
const FAILURE_WINDOW_MS = 60 * 60 * 1000;

/** The wait after the `failures`-th failure under `rule` (0: none). */
export function delayAfter(failures: number, rule: ThrottleRule): number {
  if (failures < rule.free) return 0;
  return Math.min(rule.maxMs, rule.baseMs * 2 ** Math.min(30, failures - rule.free));
}

export interface SignInThrottle {
  /** Seconds this attempt must still wait (0: go ahead). */
  wait(name: string, address: string, knownDevice: boolean): Promise<number>;
  /** Counts a failed password. */
  failed(name: string, address: string, knownDevice: boolean): Promise<void>;
}

/** An attempt counter in this process (no database, or while it is away). */
export function memoryAttemptCounter(maxKeys = 20_000): AttemptCounter {
  const windows = new Map<string, AttemptCount>();
  const live = (key: string) => {
    const c = windows.get(key);
    return c && c.resetAt.getTime() > Date.now() ? c : null;
  };
  return {
    async hit(key, windowMs) {
      const current = live(key);
      const next = current
        ? { count: current.count + 1, resetAt: current.resetAt }
        : { count: 1, resetAt: new Date(Date.now() + windowMs) };
      windows.delete(key);
      windows.set(key, next);
      if (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
      return next;
    },
    async peek(key) {
      return live(key);
    },
  };
}

export function createSignInThrottle(shared?: AttemptCounter, onStoreError?: (e: unknown) => void) {
  const local = memoryAttemptCounter();
  async function counted<T>(work: (counter: AttemptCounter) => Promise<T>): Promise<T> {
    if (!shared) return work(local);
    try {
      return await work(shared);
    } catch (error) {
      onStoreError?.(error);
      return work(local);
    }
  }
  const scopes = (name: string, address: string, knownDevice: boolean) => {
    const login = boardLogin(name);
    const list: { key: string; rule: ThrottleRule }[] = [
      { key: `signin:${login}|${address}`, rule: PER_ADDRESS },
    ];
    if (!knownDevice) list.push({ key: `signin:${login}`, rule: PER_ACCOUNT });
    return list;
  };
  const throttle: SignInThrottle = {
    async wait(name, address, knownDevice) {
      return counted(async (counter) => {
        let wait = 0;
        for (const { key } of scopes(name, address, knownDevice)) {
          const blocked = await counter.peek(`${key}:wait`);
          if (blocked) wait = Math.max(wait, blocked.resetAt.getTime() - Date.now());
        }
        return wait > 0 ? Math.ceil(wait / 1000) : 0;
      });
    },
    async failed(name, address, knownDevice) {
      await counted(async (counter) => {
        for (const { key, rule } of scopes(name, address, knownDevice)) {
          const failures = await counter.hit(`${key}:failures`, FAILURE_WINDOW_MS);
          const delay = delayAfter(failures.count, rule);
          // No wait is running (this attempt was let through), so the hit starts one of `delay`.
          if (delay > 0) await counter.hit(`${key}:wait`, delay);
        }
      });
    },
  };
  return throttle;
}

/**
 * A store for @fastify/rate-limit that counts some keys in the database, shared by every
 * instance (sign-in attempts per client and per account name: several instances behind a load
 * balancer must not give a password guesser several times the attempts), and every other key in
 * the process with the plugin's own LocalStore (the general per-client throttle, which guards
 * each instance's own capacity and would cost a database write per request if shared).
 *
 * While the database cannot be reached, shared keys are counted in the process instead: sign-in
 * stays throttled, and answers no 5xx because of the counter. Shared keys count plain fixed
 * windows (the plugin's `continueExceeding` and `exponentialBackoff` apply to the others only).
 */
import { createRequire } from "node:module";
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { AttemptCount, AttemptCounter } from "../data/attemptCounter.js";

/** How a store answers the plugin. */
type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** The plugin's in-process store (a small LRU of fixed windows). */
interface InProcessStore extends FastifyRateLimitStore {
  read(key: string, callback: Callback, timeWindow: number, max: number): void;
}
const LocalStore = createRequire(import.meta.url)("@fastify/rate-limit/store/LocalStore.js") as new (
  continueExceeding?: boolean,
  exponentialBackoff?: boolean,
  cache?: number,
) => InProcessStore;

/** Answers with a database count (none: no window running), or calls `fallback` if it failed. */
function answer(count: Promise<AttemptCount | null>, callback: Callback, fallback: () => void): void {
  count.then(
    (c) =>
      callback(
        null,
        c ? { current: c.count, ttl: Math.max(0, c.resetAt.getTime() - Date.now()) } : { current: 0, ttl: 0 },
      ),
    fallback,
  );
}

/** What a store reads of the settings it is made with (the plugin's, merged with a route's own). */
interface StoreOptions {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  cache?: number;
}

/**
 * The store class to give @fastify/rate-limit as `store`: keys for which `shared(key)` holds are
 * counted by `counter`, the others in the process.
 */
export function sharedRateLimitStore(
  counter: AttemptCounter,
  shared: (key: string) => boolean,
): FastifyRateLimitStoreCtor {
  class SharedRateLimitStore implements FastifyRateLimitStore {
    private readonly local: InProcessStore;

    constructor(options: StoreOptions) {
      this.local = new LocalStore(options.continueExceeding, options.exponentialBackoff, options.cache);
    }

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      if (shared(key))
        answer(counter.hit(key, timeWindow), callback, () => this.local.incr(key, callback, timeWindow, max));
      else this.local.incr(key, callback, timeWindow, max);
    }

    /** The count without counting (the plugin's `{ increment: false }`). */
    read(key: string, callback: Callback, timeWindow: number, max: number): void {
      if (shared(key))
        answer(counter.peek(key), callback, () => this.local.read(key, callback, timeWindow, max));
      else this.local.read(key, callback, timeWindow, max);
    }

    child(routeOptions: object): FastifyRateLimitStore {
      return new SharedRateLimitStore(routeOptions as StoreOptions);
    }
  }
  return SharedRateLimitStore as unknown as FastifyRateLimitStoreCtor;
}

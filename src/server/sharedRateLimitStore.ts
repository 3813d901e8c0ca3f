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
import type { AttemptCounter } from "../data/attemptCounter.js";

type LocalStoreCtor = new (
  continueExceeding?: boolean,
  exponentialBackoff?: boolean,
  cache?: number,
) => FastifyRateLimitStore;

/** The plugin's in-process store (a small LRU of fixed windows). */
const LocalStore = createRequire(import.meta.url)(
  "@fastify/rate-limit/store/LocalStore.js",
) as LocalStoreCtor;

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
    private readonly local: FastifyRateLimitStore;

    constructor(options: StoreOptions) {
      this.local = new LocalStore(options.continueExceeding, options.exponentialBackoff, options.cache);
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      max: number,
    ): void {
      if (!shared(key)) {
        this.local.incr(key, callback, timeWindow, max);
        return;
      }
      counter.hit(key, timeWindow).then(
        ({ count, resetAt }) =>
          callback(null, { current: count, ttl: Math.max(0, resetAt.getTime() - Date.now()) }),
        () => this.local.incr(key, callback, timeWindow, max),
      );
    }

    child(routeOptions: object): FastifyRateLimitStore {
      return new SharedRateLimitStore(routeOptions as StoreOptions);
    }
  }
  return SharedRateLimitStore as unknown as FastifyRateLimitStoreCtor;
}

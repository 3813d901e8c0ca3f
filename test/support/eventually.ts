/**
 * The one way tests wait for something asynchronous: `eventually(check, what)` re-runs `check`
 * (sync or async) until it returns a truthy value, and resolves with it. Built on vitest's
 * `vi.waitFor`; on timeout the error names what was awaited (and the last error `check` threw).
 * Nothing here asserts on how fast things happen: the timeout only keeps a broken test from hanging.
 * To prove that nothing else happens, await the fake's idle signal instead of sleeping.
 */
import { vi } from "vitest";

export interface EventuallyOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between checks (default 10 ms). */
  intervalMs?: number;
}

export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string | (() => string),
  options: EventuallyOptions = {},
): Promise<NonNullable<T>> {
  return vi.waitFor(
    async () => {
      let value: T;
      try {
        value = await check();
      } catch (error) {
        throw new Error(`timed out waiting for ${describe(what)}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (!value) throw new Error(`timed out waiting for ${describe(what)}`);
      return value as NonNullable<T>;
    },
    { timeout: options.timeoutMs ?? 10_000, interval: options.intervalMs ?? 10 },
  );
}

function describe(what: string | (() => string)): string {
  return typeof what === "string" ? what : what();
}

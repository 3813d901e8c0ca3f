/**
 * A one-slot memo for the pure helpers of the machines. A guard and the actions of the transition
 * it picks read the same snapshot objects (context and event are never mutated), so a parse done
 * by the guard is reused by the actions instead of being computed again. No allocation per call.
 */

/**
 * Wraps `fn` (of one or two arguments) so that a call with the same arguments (by identity) as
 * the previous call returns the previous result. Only for pure functions of immutable arguments.
 */
export function lastResult<A, T>(fn: (a: A) => T): (a: A) => T;
export function lastResult<A, B, T>(fn: (a: A, b: B) => T): (a: A, b: B) => T;
export function lastResult<A, B, T>(fn: (a: A, b?: B) => T): (a: A, b?: B) => T {
  let lastA: A | undefined;
  let lastB: B | undefined;
  let last: T | undefined;
  let filled = false;
  return (a, b) => {
    if (!filled || a !== lastA || b !== lastB) {
      last = fn(a, b);
      lastA = a;
      lastB = b;
      filled = true;
    }
    return last as T;
  };
}

/** Partial deep comparison used by a story's `expect` checks. */

/** Checks that `actual` contains every key/value of `expected` (deeply; arrays by index). */
export function subsetMismatch(expected: unknown, actual: unknown, path = ""): string | null {
  if (expected === null || typeof expected !== "object") {
    return expected === actual
      ? null
      : `${path || "value"}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (actual === null || typeof actual !== "object")
    return `${path || "value"}: expected an object, got ${JSON.stringify(actual)}`;
  for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
    const mismatch = subsetMismatch(
      value,
      (actual as Record<string, unknown>)[key],
      path ? `${path}.${key}` : key,
    );
    if (mismatch) return mismatch;
  }
  return null;
}

/**
 * Exiting cleanly is part of a channel's contract: after stop() no timer, socket or server of
 * ours may be left keeping the process alive. `expectNothingLeftBehind` compares the process's
 * active resources with those at the start: more of a kind than before fails (the test runner's
 * own timers may come and go, so fewer is fine).
 */
import { afterAll, beforeAll, expect } from "vitest";

/** Registers the check for the test file: resources counted before all tests, compared after. */
export function expectNothingLeftBehind(): void {
  let atStart: string[] = [];
  beforeAll(() => {
    atStart = process.getActiveResourcesInfo();
  });
  afterAll(async () => {
    const leftBehind = () => {
      const before = new Map<string, number>();
      for (const r of atStart) before.set(r, (before.get(r) ?? 0) + 1);
      const extra: string[] = [];
      for (const r of process.getActiveResourcesInfo()) {
        const left = before.get(r) ?? 0;
        if (left > 0) before.set(r, left - 1);
        else extra.push(r);
      }
      return extra.sort();
    };
    // A plain loop, not eventually(): its own timers would count as resources left behind.
    const deadline = Date.now() + 5_000;
    while (leftBehind().length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(leftBehind()).toEqual([]);
  });
}

/**
 * An {@link AiUsageStore} in memory, for tests and tools that run without a database. The
 * running bot uses the database store (src/data/aiUsageStore.ts) so caps survive restarts.
 */
import type { AiUsageEntry, AiUsageStore } from "../data/aiUsageStore.js";

/** The in-memory store plus its rows, for inspection. */
export interface MemoryAiUsageStore extends AiUsageStore {
  readonly entries: AiUsageEntry[];
}

export function createMemoryAiUsageStore(initial: readonly AiUsageEntry[] = []): MemoryAiUsageStore {
  const entries: AiUsageEntry[] = [...initial];
  const sum = (rows: AiUsageEntry[]) => ({
    calls: rows.length,
    tokens: rows.reduce((n, r) => n + r.tokens, 0),
  });
  return {
    entries,
    async record(entry) {
      entries.push({ ...entry });
    },
    async totals(day) {
      return sum(entries.filter((e) => e.day === day));
    },
    async ticketTotals(ticketId) {
      return sum(entries.filter((e) => e.ticketId === ticketId));
    },
  };
}

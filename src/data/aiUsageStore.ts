/**
 * AI usage ledger: one row per call to the AI provider (triage, transcription, summary, reply
 * draft, reading an answer), with the tokens it cost. The daily cap and the per-ticket cost both
 * read it.
 */

import { type PrismaExecutor, prismaOf } from "./database.js";

/** What an AI call was for. */
export type AiPurpose = "triage" | "transcribe" | "summarize" | "suggest-reply" | "interpret";

/** One AI call. `day` is the calendar day (YYYY-MM-DD, Europe/Rome) the cap counts it against. */
export interface AiUsageEntry {
  day: string;
  ticketId?: string | null;
  purpose: AiPurpose | string;
  /** Tokens the provider reported (0 when it reported none, e.g. a failed call). */
  tokens: number;
  at: Date;
}

/** Calls and tokens summed over a day or a ticket. */
export interface AiUsageTotals {
  calls: number;
  tokens: number;
}

/** Records AI calls and sums them. */
export interface AiUsageStore {
  record(entry: AiUsageEntry): Promise<void>;
  /** Totals for one day (YYYY-MM-DD). */
  totals(day: string): Promise<AiUsageTotals>;
  /** Totals for one ticket, over all days. */
  ticketTotals(ticketId: string): Promise<AiUsageTotals>;
}

/** An {@link AiUsageStore} on the database (works inside a transaction too). */
export function createAiUsageStore(on: PrismaExecutor): AiUsageStore {
  const db = prismaOf(on);
  return {
    async record(entry) {
      await db.aiUsage.create({
        data: {
          day: entry.day,
          ticketId: entry.ticketId ?? null,
          purpose: entry.purpose,
          tokens: Math.max(0, Math.round(entry.tokens)),
          at: entry.at,
        },
      });
    },
    async totals(day) {
      const result = await db.aiUsage.aggregate({
        where: { day },
        _count: { _all: true },
        _sum: { tokens: true },
      });
      return { calls: result._count._all, tokens: result._sum.tokens ?? 0 };
    },
    async ticketTotals(ticketId) {
      const result = await db.aiUsage.aggregate({
        where: { ticketId },
        _count: { _all: true },
        _sum: { tokens: true },
      });
      return { calls: result._count._all, tokens: result._sum.tokens ?? 0 };
    },
  };
}

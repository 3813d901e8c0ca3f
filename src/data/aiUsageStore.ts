/**
 * AI usage ledger: one row per call to the AI provider (triage, transcription, summary, reply
 * draft, reading an answer), with the tokens it cost. The daily cap and the per-ticket cost both
 * read it.
 */

import { onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { iso, num, type SqlTx } from "./sqlTx.js";

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

/** Calls and summed tokens of the rows a condition selects. */
async function totalsWhere(tx: SqlTx, column: "day" | "ticketId", value: string): Promise<AiUsageTotals> {
  const row = await tx.row(
    `SELECT COUNT(*) AS "calls", COALESCE(SUM("tokens"), 0) AS "tokens" FROM "AiUsage" WHERE "${column}" = ?`,
    value,
  );
  return { calls: num(row?.calls ?? 0), tokens: num(row?.tokens ?? 0) };
}

/** An {@link AiUsageStore} on the database (each call on a session connection) or in a transaction. */
export function createAiUsageStore(on: SqlExecutor): AiUsageStore {
  return {
    async record(entry) {
      await onSql(on, (tx) =>
        tx.run(
          `INSERT INTO "AiUsage" ("id", "day", "ticketId", "purpose", "tokens", "at") VALUES (?, ?, ?, ?, ?, ?)`,
          newId(),
          entry.day,
          entry.ticketId ?? null,
          entry.purpose,
          Math.max(0, Math.round(entry.tokens)),
          iso(entry.at),
        ),
      );
    },
    totals: (day) => onSql(on, (tx) => totalsWhere(tx, "day", day)),
    ticketTotals: (ticketId) => onSql(on, (tx) => totalsWhere(tx, "ticketId", ticketId)),
  };
}

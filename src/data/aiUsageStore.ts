/**
 * AI usage ledger: one row per call to the AI provider (triage, transcription, summary, reply
 * draft, reading an answer), with the tokens it cost. The daily cap and the per-ticket cost both
 * read it.
 */

import { onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { qb, type Statement, statement } from "./schema/queryBuilder.js";
import { insertRow } from "./schema/rows.js";
import { num, type SqlTx } from "./sqlTx.js";

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

const INSERT_USAGE = insertRow("AiUsage");

/** Calls and summed tokens of the rows whose `column` is the given value. */
function totalsBy(column: "day" | "ticketId"): Statement<{ value: string }> {
  return statement<{ value: string }>((p) =>
    qb
      .selectFrom("AiUsage")
      .select((eb) => [
        eb.fn.countAll().as("calls"),
        eb.fn.coalesce(eb.fn.sum("tokens"), eb.lit(0)).as("tokens"),
      ])
      .where(column, "=", p.value),
  );
}
const TOTALS_OF_DAY = totalsBy("day");
const TOTALS_OF_TICKET = totalsBy("ticketId");

/** Calls and summed tokens of the rows a totals statement selects. */
async function totalsWhere(
  tx: SqlTx,
  totals: Statement<{ value: string }>,
  value: string,
): Promise<AiUsageTotals> {
  const row = await tx.row(totals.sql, ...totals.args({ value }));
  return { calls: num(row?.calls ?? 0), tokens: num(row?.tokens ?? 0) };
}

/** An {@link AiUsageStore} on the database (each call on a session connection) or in a transaction. */
export function createAiUsageStore(on: SqlExecutor): AiUsageStore {
  return {
    async record(entry) {
      await onSql(on, (tx) =>
        tx.run(
          INSERT_USAGE.sql,
          ...INSERT_USAGE.args({
            id: newId(),
            day: entry.day,
            ticketId: entry.ticketId ?? null,
            purpose: entry.purpose,
            tokens: Math.max(0, Math.round(entry.tokens)),
            at: entry.at,
          }),
        ),
      );
    },
    totals: (day) => onSql(on, (tx) => totalsWhere(tx, TOTALS_OF_DAY, day)),
    ticketTotals: (ticketId) => onSql(on, (tx) => totalsWhere(tx, TOTALS_OF_TICKET, ticketId)),
  };
}

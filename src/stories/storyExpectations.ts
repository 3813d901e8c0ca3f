/** The checks of a story's `expect` step: replies since the last action, tickets, charge, events. */
import type { OutboundMessage } from "../channels/port.js";
import type { StoryExpectation } from "./storySchema.js";
import { subsetMismatch } from "./subsetMismatch.js";

/** A domain event as a story sees it. */
export type StoryEvent = { type: string; ticket: string | null; at: string; [k: string]: unknown };

/** The ticket columns the checks read (the row has more; `ticket:` checks compare all of them). */
export interface StoryTicketRow {
  number: string;
  coverage: string;
  chargeNetCents: number | null;
  chargeVatCents: number | null;
  chargeGrossCents: number | null;
}

/** What an `expect` step is checked against. */
export interface ExpectationScene {
  /** "step N", to prefix failures. */
  where: string;
  /** The bot's messages since the last customer, clock or staff step. */
  window: OutboundMessage[];
  /** Every domain event so far. */
  events: StoryEvent[];
  /** The story customer's latest ticket (or the chat's), if any. */
  latestTicket(): Promise<StoryTicketRow | null>;
  /** How many tickets exist (of the story's customer, when there is one). */
  countTickets(): Promise<number>;
  /** The record of the customer writing (found by the sender's identity), if any. */
  customer(): Promise<Record<string, unknown> | null>;
}

/** The failures of one `expect` step (empty when every check passes). */
export async function checkExpectation(e: StoryExpectation, scene: ExpectationScene): Promise<string[]> {
  const { where, window, events, latestTicket } = scene;
  const failures: string[] = [];
  const replies = window.map((m) =>
    // Intl puts no-break spaces in money ("80,00 €"); stories are written with plain ones.
    (m.text + (m.choices ? `\n${m.choices.map((ch, i) => `${i + 1}. ${ch.label}`).join("\n")}` : "")).replace(
      /[\u00a0\u202f]/g,
      " ",
    ),
  );
  const shown = replies.length
    ? replies.map((r) => `    > ${r.replaceAll("\n", "\n      ")}`).join("\n")
    : "    (no reply)";
  if (e.reply) {
    const r = e.reply as { contains?: string; matches?: string; notContains?: string };
    if (r.contains !== undefined && !replies.some((t) => t.includes(r.contains!))) {
      failures.push(
        `${where}: expected a reply containing ${JSON.stringify(r.contains)}; replies were:\n${shown}`,
      );
    }
    if (r.matches !== undefined && !replies.some((t) => new RegExp(r.matches!, "s").test(t))) {
      failures.push(`${where}: expected a reply matching /${r.matches}/; replies were:\n${shown}`);
    }
    if (r.notContains !== undefined && replies.some((t) => t.includes(r.notContains!))) {
      failures.push(
        `${where}: expected no reply containing ${JSON.stringify(r.notContains)}; replies were:\n${shown}`,
      );
    }
  }
  if (e.noReply && replies.length > 0) failures.push(`${where}: expected no reply; replies were:\n${shown}`);
  if (e.tickets !== undefined) {
    const count = await scene.countTickets();
    if (count !== e.tickets) failures.push(`${where}: expected ${e.tickets} ticket(s), found ${count}`);
  }
  if (e.charge !== undefined) {
    const row = await latestTicket();
    const stored = row
      ? (JSON.parse(row.coverage) as { charge?: Record<string, unknown> }).charge
      : undefined;
    const actual = row?.chargeGrossCents === null || !row ? null : (stored ?? {});
    if (e.charge === null) {
      if (actual !== null) failures.push(`${where}: expected no charge, got ${JSON.stringify(actual)}`);
    } else {
      const mismatch = actual === null ? "no charge yet" : subsetMismatch(e.charge, actual);
      if (mismatch) failures.push(`${where}: charge: ${mismatch}`);
    }
  }
  if (e.ticket || e.noTicket) {
    const row = await latestTicket();
    if (e.noTicket && row) failures.push(`${where}: expected no ticket, found ${row.number}`);
    if (e.ticket) {
      if (!row) failures.push(`${where}: expected a ticket, there is none`);
      else {
        const actual = {
          ...row,
          coverage: JSON.parse(row.coverage),
          charge:
            row.chargeGrossCents === null
              ? null
              : {
                  netCents: row.chargeNetCents,
                  vatCents: row.chargeVatCents,
                  grossCents: row.chargeGrossCents,
                },
        };
        const mismatch = subsetMismatch(e.ticket, actual);
        if (mismatch) failures.push(`${where}: ticket ${row.number}: ${mismatch}`);
      }
    }
  }
  if (e.customer) {
    const record = await scene.customer();
    const mismatch = record ? subsetMismatch(e.customer, record) : "no customer record for the sender";
    if (mismatch) failures.push(`${where}: customer: ${mismatch}`);
  }
  if (e.event) {
    const candidates = events.filter((ev) => ev.type === e.event!.type);
    if (!candidates.some((ev) => subsetMismatch(e.event, ev) === null)) {
      const seen = candidates.length
        ? candidates.map((ev) => `    ${JSON.stringify(ev)}`).join("\n")
        : `    (none; events so far: ${events.map((ev) => ev.type).join(", ") || "none"})`;
      failures.push(`${where}: expected event ${JSON.stringify(e.event)}; ${e.event.type} events:\n${seen}`);
    }
  }
  if (e.noEvent && events.some((ev) => subsetMismatch(e.noEvent, ev) === null)) {
    failures.push(`${where}: expected no event ${JSON.stringify(e.noEvent)}`);
  }
  return failures;
}

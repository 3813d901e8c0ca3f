/** What the benches check after a run: rows stored, counted once the runtime stopped. */
import type { Database } from "./database.js";
import { num } from "./sqlTx.js";

export interface WorkloadCounts {
  inbound: number;
  outbound: number;
  /** Outbound lines not (yet) marked sent. */
  unsent: number;
  tickets: number;
  conversations: number;
  /** `ticket.opened` events. */
  opened: number;
  /** Tickets with at least one `ticket.escalated` event. */
  escalated: number;
  /** Tickets with more than one. */
  escalatedTwice: number;
}

/** The counts, read on a session connection. */
export async function workloadCounts(db: Database): Promise<WorkloadCounts> {
  return db.session(async (tx) => {
    const count = async (sql: string): Promise<number> => num((await tx.row(sql))!.n);
    const escalations = await tx.rows(
      `SELECT COUNT(*) AS "n" FROM "TicketEvent" WHERE "type" = 'ticket.escalated' GROUP BY "ticketId"`,
    );
    return {
      inbound: await count(`SELECT COUNT(*) AS "n" FROM "Message" WHERE "direction" = 'in'`),
      outbound: await count(`SELECT COUNT(*) AS "n" FROM "Message" WHERE "direction" = 'out'`),
      unsent: await count(
        `SELECT COUNT(*) AS "n" FROM "Message" WHERE "direction" = 'out' AND "status" <> 'sent'`,
      ),
      tickets: await count(`SELECT COUNT(*) AS "n" FROM "Ticket"`),
      conversations: await count(`SELECT COUNT(*) AS "n" FROM "Conversation"`),
      opened: await count(`SELECT COUNT(*) AS "n" FROM "TicketEvent" WHERE "type" = 'ticket.opened'`),
      escalated: escalations.length,
      escalatedTwice: escalations.filter((e) => num(e.n) > 1).length,
    };
  });
}

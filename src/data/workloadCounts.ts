/** What the benches check after a run: rows stored, counted once the runtime stopped. */
import { sql } from "kysely";
import type { DomainEventName } from "../../flows/domainEvents.js";
import type { Database } from "./database.js";
import { qb, type Statement, statement } from "./schema/queryBuilder.js";
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

const escalationsPerTicket = statement((_p) =>
  qb
    .selectFrom("TicketEvent")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("type", "=", sql.lit("ticket.escalated" satisfies DomainEventName))
    .groupBy("ticketId"),
);
const inboundCount = statement((_p) =>
  qb
    .selectFrom("Message")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("direction", "=", sql.lit("in")),
);
const outboundCount = statement((_p) =>
  qb
    .selectFrom("Message")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("direction", "=", sql.lit("out")),
);
const unsentCount = statement((_p) =>
  qb
    .selectFrom("Message")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("direction", "=", sql.lit("out"))
    .where("status", "<>", sql.lit("sent")),
);
const ticketCount = statement((_p) => qb.selectFrom("Ticket").select((eb) => eb.fn.countAll().as("n")));
const conversationCount = statement((_p) =>
  qb.selectFrom("Conversation").select((eb) => eb.fn.countAll().as("n")),
);
const openedCount = statement((_p) =>
  qb
    .selectFrom("TicketEvent")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("type", "=", sql.lit("ticket.opened" satisfies DomainEventName)),
);

/** The counts, read on a session connection. */
export async function workloadCounts(db: Database): Promise<WorkloadCounts> {
  return db.session(async (tx) => {
    const count = async (s: Statement<Record<string, never>>): Promise<number> =>
      num((await tx.row(s.sql, ...s.args({})))!.n);
    const escalations = await tx.rows(escalationsPerTicket.sql, ...escalationsPerTicket.args({}));
    return {
      inbound: await count(inboundCount),
      outbound: await count(outboundCount),
      unsent: await count(unsentCount),
      tickets: await count(ticketCount),
      conversations: await count(conversationCount),
      opened: await count(openedCount),
      escalated: escalations.length,
      escalatedTwice: escalations.filter((e) => num(e.n) > 1).length,
    };
  });
}

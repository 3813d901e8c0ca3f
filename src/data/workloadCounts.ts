/** What the benches check after a run: rows stored, counted once the runtime stopped. */
import type { DomainEventName } from "../../flows/domainEvents.js";
import type { Database } from "./database.js";

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

export async function workloadCounts(db: Database): Promise<WorkloadCounts> {
  const prisma = db.prisma;
  const escalations = await prisma.ticketEvent.groupBy({
    by: ["ticketId"],
    where: { type: "ticket.escalated" satisfies DomainEventName },
    _count: { _all: true },
  });
  return {
    inbound: await prisma.message.count({ where: { direction: "in" } }),
    outbound: await prisma.message.count({ where: { direction: "out" } }),
    unsent: await prisma.message.count({ where: { direction: "out", status: { not: "sent" } } }),
    tickets: await prisma.ticket.count(),
    conversations: await prisma.conversation.count(),
    opened: await prisma.ticketEvent.count({ where: { type: "ticket.opened" satisfies DomainEventName } }),
    escalated: escalations.length,
    escalatedTwice: escalations.filter((e) => e._count._all > 1).length,
  };
}

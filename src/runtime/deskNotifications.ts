/**
 * Telling desks (Slack, the staff board) what changed: inside a transaction one durable
 * `desk.notify` job per desk, so a failing desk never blocks or repeats another; when the job
 * runs, the desk event with the ticket as it is then.
 */
import type { ErasedTicket } from "../data/customerPrivacy.js";
import type { StoreTx } from "../data/database.js";
import type { DeskEvent } from "../desk/port.js";
import type { JobPayload } from "./jobs.js";
import { type DeskNotification, type NewJob, scheduleJob } from "./jobs.js";
import type { Effects, RuntimeContext } from "./runtimeContext.js";
import type { TicketViews } from "./ticketViews.js";

/** Schedules one `desk.notify` job per desk for this change, in the caller's transaction. */
export async function notifyDesks(
  ctx: RuntimeContext,
  tx: StoreTx,
  fx: Effects,
  notification: DeskNotification,
): Promise<void> {
  const now = ctx.clock.now();
  for (const desk of ctx.desks) {
    await scheduleJob(tx, {
      kind: "desk.notify",
      key: `desk:${desk.name}:${notification.event}:${notification.ticket}:${now.getTime()}:${Math.random().toString(36).slice(2, 8)}`,
      dueAt: now,
      payload: { ...notification, desk: desk.name },
    });
    fx.jobsDue = true;
  }
}

/**
 * The jobs that tell each desk holding a reference for an erased customer's ticket to remove
 * what it posted (scheduled in the erasure's transaction, so a crash cannot skip them).
 */
export function deskErasureJobs(tickets: ErasedTicket[], at: Date): NewJob[] {
  return tickets.flatMap((t) =>
    t.desks.map(
      (desk): NewJob => ({
        kind: "desk.notify",
        key: `desk:${desk}:ticket.erased:${t.number}`,
        dueAt: at,
        payload: { event: "ticket.erased", ticket: t.number, desk },
      }),
    ),
  );
}

/** Runs `desk.notify` jobs: builds the {@link DeskEvent} and hands it to the desk named in the job. */
export class DeskNotifier {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly views: TicketViews,
  ) {}

  /** Notifies the job's desk; a desk that is gone or a ticket that is gone is skipped. Throws to retry. */
  async run(job: JobPayload<"desk.notify">): Promise<void> {
    const desk = this.ctx.desks.find((d) => d.name === job.desk);
    if (!desk) return;
    const ticket = await this.views.getTicket(job.ticket);
    if (!ticket) return;
    let event: DeskEvent;
    switch (job.event) {
      case "ticket.opened":
        event = { type: "ticket.opened", ticket };
        break;
      case "customer.message":
        event = { type: "customer.message", ticket, text: job.text, attachments: job.attachments };
        break;
      case "staff.reply":
        event = {
          type: "staff.reply",
          ticket,
          text: job.text,
          by: job.by,
          ...(job.origin ? { origin: job.origin } : {}),
        };
        break;
      case "oncall.paged": {
        const technician = job.technicianId
          ? await this.views.findTechnician({ id: job.technicianId })
          : null;
        // The phone line of the service level that pages (a contact with `when: <level key>`).
        const { policy } = this.ctx;
        const paging = new Set(policy.serviceLevels.filter((l) => l.pageOnCall).map((l) => l.key));
        const onCallLine =
          policy.contacts.find((c) => c.kind === "phone" && paging.has(c.when))?.value ?? null;
        event = { type: "oncall.paged", ticket, technician, onCallLine, repeat: job.repeat };
        break;
      }
      case "ticket.escalated":
        event = {
          type: "ticket.escalated",
          ticket,
          afterServiceMinutes: this.ctx.policy.sla.escalateUnclaimedAfterServiceMinutes,
        };
        break;
      case "ticket.updated":
        event = { type: "ticket.updated", ticket, change: job.change };
        break;
      case "ticket.erased":
        event = { type: "ticket.erased", ticket };
        break;
    }
    const health = this.ctx.options.health;
    try {
      await desk.notify(event);
    } catch (error) {
      // Retried by the job; meanwhile /health says which desk is failing and why.
      health?.error(`desk:${desk.name}`, error instanceof Error ? error.message : String(error));
      throw error;
    }
    health?.ok(`desk:${desk.name}`);
  }
}

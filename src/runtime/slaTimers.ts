/**
 * SLA and escalation: running a ticket's durable timers when they fall due (escalation when
 * unclaimed, the callback promise, on-call pages), and paging the on-call technician. The ticket
 * machine decides when the SLA timers fall due (its `scheduleTimers` intent); the conversation's
 * draft when to page.
 */

import type { TicketEvent } from "../../flows/ticketMachine.js";
import type { ChannelName } from "../channels/port.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { Pager } from "../pager/pager.js";
import type { HandOffs } from "./handOffs.js";
import { type JobPayload, scheduleJob, timerKey } from "./jobs.js";
import { type AfterCommit, inChatTransaction, newEffects, type RuntimeContext } from "./runtimeContext.js";
import type { TicketExecutor } from "./ticketExecutor.js";

/**
 * Pages the on-call technician at `at` (its paging level opens then) if the ticket is still
 * unclaimed: the first `oncall.repage` timer, cancelled by a claim like the repeats.
 */
export async function schedulePage(tx: StoreTx, number: string, at: Date): Promise<void> {
  await scheduleJob(tx, {
    kind: "oncall.repage",
    key: timerKey("oncall.repage", number),
    dueAt: at,
    payload: { number, repeat: 0 },
  });
}

/** Runs a ticket's due SLA timers and on-call pages. */
export class SlaTimers {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly tickets: TicketExecutor,
    private readonly handOffs: HandOffs,
    private readonly afterCommit: AfterCommit,
    private readonly pager: Pager,
  ) {}

  /** Runs a due `ticket.escalate` job. */
  escalate = (job: JobPayload<"ticket.escalate">): Promise<void> =>
    this.fire(job.number, {
      type: "escalate",
      afterServiceMinutes: this.ctx.policy.sla.escalateUnclaimedAfterServiceMinutes,
    });

  /** Runs a due `ticket.callback` job. */
  callbackOverdue = (job: JobPayload<"ticket.callback">): Promise<void> =>
    this.fire(job.number, { type: "callback.overdue" });

  /**
   * Runs a due `oncall.repage` job (the page of a ticket whose level opened, or a repeat left by an
   * older version): pages while the ticket is still open (unclaimed).
   */
  repage = async (job: JobPayload<"oncall.repage">): Promise<void> => {
    const ticket = await store.findTicket(this.ctx.db, job.number);
    if (ticket?.status !== "open") return;
    const fx = newEffects();
    // The pager escalates it along the rota (every way of each person, then the admins) until
    // someone acknowledges or claims it.
    await this.ctx.db.transaction((tx) => this.pager.pageTicket(tx, fx, job.number));
    return this.afterCommit(fx);
  };

  /** Feeds a timer's event to the ticket machine, if the ticket still accepts it. */
  private async fire(number: string, event: TicketEvent): Promise<void> {
    const ticket = await store.findTicket(this.ctx.db, number);
    if (!ticket) return;
    const chat = { channel: ticket.channel as ChannelName, chatId: ticket.chatId };
    const { fx } = await inChatTransaction(this.ctx, chat, async (tx, effects) => {
      const fresh = await store.findTicket(tx, number);
      if (!fresh) return;
      if (!(await this.tickets.can(tx, fresh, event))) return;
      await this.tickets.run(tx, fresh, event, effects);
      await this.handOffs.run(tx, effects);
    });
    await this.afterCommit(fx);
  }
}

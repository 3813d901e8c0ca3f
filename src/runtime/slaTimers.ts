/**
 * SLA and escalation: the durable timers of a ticket (escalation when unclaimed, the callback
 * promise, repeated on-call pages), paging the on-call technician, and running those timers
 * when they fall due.
 */

import { z } from "zod";
import type { TicketEvent } from "../../flows/ticketMachine.js";
import type { ChannelName } from "../channels/port.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { Pager } from "../pager/pager.js";
import { addServiceMinutes } from "../policy/calendar.js";
import { type JobPayload, scheduleJob, timerKey } from "./jobs.js";
import {
  type AfterCommit,
  type Effects,
  inChatTransaction,
  newEffects,
  type RuntimeContext,
} from "./runtimeContext.js";
import type { TicketExecutor } from "./ticketExecutor.js";

/** The `serviceLevels` of a ticket's coverage: the keys of the levels that serve it. */
const serviceLevelKeys = z.array(z.string());

/** A ticket's SLA timers and the on-call pager. */
export class SlaTimers {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly tickets: TicketExecutor,
    private readonly afterCommit: AfterCommit,
    private readonly pager: Pager,
  ) {}

  /**
   * A ticket was authorized (by staff or the sales rep's link): the callback promise runs from
   * now, when the request reaches support, and the unclaimed-escalation timer starts.
   */
  async startAfterAuthorization(
    tx: StoreTx,
    ticket: { id: string; number: string; coverage: string },
    now: Date,
  ): Promise<void> {
    const hours = this.ctx.policy.sla.callbackWithinHours;
    if (hours) {
      const due = new Date(now.getTime() + hours * 3_600_000);
      await store.setCallbackDue(tx, ticket.id, due);
      await this.scheduleCallback(tx, ticket.number, due);
    }
    await this.scheduleEscalation(
      tx,
      ticket.number,
      now,
      JSON.parse(ticket.coverage) as Record<string, unknown>,
    );
  }

  /**
   * Schedules the escalation of a ticket still unclaimed after the preset's service minutes from
   * `from`, counted in the service levels that serve it (its coverage's `serviceLevels`): a
   * ticket without weekend service does not escalate on Saturday.
   */
  async scheduleEscalation(
    tx: StoreTx,
    number: string,
    from: Date,
    coverage: Record<string, unknown> = {},
  ): Promise<void> {
    const { policy } = this.ctx;
    const levels = serviceLevelKeys.safeParse(coverage.serviceLevels);
    const audience = levels.success ? { plans: [], levels: levels.data } : null;
    await scheduleJob(tx, {
      kind: "ticket.escalate",
      key: timerKey("ticket.escalate", number),
      dueAt: addServiceMinutes(policy, from, policy.sla.escalateUnclaimedAfterServiceMinutes, audience),
      payload: { number },
    });
  }

  /** Schedules the check of the callback promise at `dueAt`. */
  async scheduleCallback(tx: StoreTx, number: string, dueAt: Date): Promise<void> {
    await scheduleJob(tx, {
      kind: "ticket.callback",
      key: timerKey("ticket.callback", number),
      dueAt,
      payload: { number },
    });
  }

  /**
   * Pages the on-call technician at `at` (its paging level opens then) if the ticket is still
   * unclaimed: the first `oncall.repage` timer, cancelled by a claim like the repeats.
   */
  async schedulePage(tx: StoreTx, number: string, at: Date): Promise<void> {
    await scheduleJob(tx, {
      kind: "oncall.repage",
      key: timerKey("oncall.repage", number),
      dueAt: at,
      payload: { number, repeat: 0 },
    });
  }

  /**
   * Pages the on-call technician about a ticket: the pager escalates it along the rota (every way
   * of each person, then the admins) until someone acknowledges or claims it.
   */
  async page(tx: StoreTx, fx: Effects, number: string): Promise<void> {
    await this.pager.pageTicket(tx, fx, number);
  }

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
    await this.ctx.db.transaction((tx) => this.page(tx, fx, job.number));
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
    });
    await this.afterCommit(fx);
  }
}

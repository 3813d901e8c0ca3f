/**
 * Opening a ticket from the draft the intake flow collected: readable number, the ticket row,
 * the chat's intake messages linked to it, the audit entry, the ticket machine's `open` (which
 * schedules the SLA timers of a ticket that goes straight to support), desk notifications and,
 * for blocking weekend problems, the on-call page.
 */
import { DateTime } from "luxon";
import type { ConversationEvent } from "../../flows/conversationMachine.js";
import type { TicketDraft } from "../../flows/intents.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { Pager } from "../pager/pager.js";
import { zoneNamed } from "../policy/zone.js";
import { notifyDesks } from "./deskNotifications.js";
import { requestAuthorization } from "./mailLinks.js";
import { type Effects, type RuntimeContext, recordEvent } from "./runtimeContext.js";
import { type ChatRef, RuntimeError } from "./runtimeTypes.js";
import { schedulePage } from "./slaTimers.js";
import type { TicketExecutor } from "./ticketExecutor.js";

/** Opens tickets for the conversation machine's `openTicket` intent. */
export class TicketOpening {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly tickets: TicketExecutor,
    private readonly pager: Pager,
  ) {}

  /** Opens a ticket in the caller's transaction; answers the machine with `ticket.opened`. */
  async open(
    tx: StoreTx,
    chat: ChatRef,
    draft: TicketDraft,
    fx: Effects,
    customerId: string | null,
  ): Promise<ConversationEvent[]> {
    const { ctx } = this;
    const { policy } = ctx;
    const now = ctx.clock.now();
    if (!customerId) throw new RuntimeError("no-customer", "a ticket needs an identified customer");
    const year = DateTime.fromJSDate(now, { zone: zoneNamed(policy.timezone) }).year;
    const number = await store.nextTicketNumber(tx, policy.ticketPrefix, year);
    const ticket = await store.createTicket(tx, {
      number,
      policy: policy.id,
      status: "new",
      category: draft.category,
      priority: draft.priority,
      blocking: draft.blocking,
      description: draft.description,
      coverage: {
        ...draft.coverage,
        summary: draft.summary,
        item: draft.item,
        purchasedOn: draft.purchasedOn,
        attachments: draft.attachments,
      },
      customerId,
      channel: chat.channel,
      chatId: chat.chatId,
      salesRep: draft.salesRep,
      // The callback promise starts when the request reaches support (after any authorization):
      // the ticket machine's `open` or `authorize` sets it with the SLA timers.
      callbackDueAt: null,
      at: now,
    });
    // The intake messages of this chat belong to the ticket's transcript.
    await store.linkIntakeMessages(tx, chat.channel, chat.chatId, ticket.id);
    await recordEvent(ctx, tx, fx, {
      ticketId: ticket.id,
      ticket: number,
      type: "ticket.opened",
      actor: "customer",
      payload: {
        number,
        category: draft.category,
        priority: draft.priority,
        blocking: draft.blocking,
        status: draft.status,
        coverage: draft.coverage,
      },
    });
    fx.ticketsOpened++;
    const opened = await this.tickets.run(
      tx,
      ticket,
      {
        type: "open",
        requiresAuthorization: draft.status === "awaiting-authorization",
        at: now.toISOString(),
      },
      fx,
    );
    // E-mail beside the conversation: the sales rep gets the authorization links.
    if (opened.status === "awaiting-authorization") await requestAuthorization(ctx, tx, fx, number);
    await notifyDesks(ctx, tx, fx, { event: "ticket.opened", ticket: number });
    // The pager escalates the page along the rota until someone acknowledges or claims it.
    if (draft.pageOnCall) await this.pager.pageTicket(tx, fx, number);
    else if (draft.pageAt) await schedulePage(tx, number, new Date(draft.pageAt));
    return [{ type: "ticket.opened", number, status: opened.status, at: now.toISOString() }];
  }
}

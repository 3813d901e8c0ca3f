/**
 * Runs the ticket machine on a stored ticket inside a transaction and executes its intents:
 * audit entries, messages to the customer, desk notifications, the closing charge, scheduled and
 * cancelled timers. The events it passes on to the chat's conversation machine, and the mail that
 * follows a close, are handed on to the transaction's owner (see `handOffs.ts`), not called.
 */
import type { ConversationEvent } from "../../flows/conversationMachine.js";
import type { Language, Params } from "../../flows/intents.js";
import {
  createTicketMachine,
  type StoredAttachment,
  type TicketEvent,
  type TicketIntent,
} from "../../flows/ticketMachine.js";
import type { ChannelName } from "../channels/port.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import { insertWorkSession } from "../data/workSessions.js";
import { notifyDesks } from "./deskNotifications.js";
import { scheduleJob, timerKey } from "./jobs.js";
import { step } from "./machineStep.js";
import {
  type AuditEntry,
  type Effects,
  handOff,
  queueOutbound,
  type RuntimeContext,
  recordEvent,
} from "./runtimeContext.js";
import { RuntimeError } from "./runtimeTypes.js";
import { loadTicketContext } from "./ticketContext.js";

const TICKET_INTENTS = new Set<TicketIntent["type"]>([
  "record",
  "tellCustomer",
  "relayToCustomer",
  "conversation",
  "desk",
  "saveClose",
  "scheduleTimers",
  "cancelTimers",
]);

/** The intent an action object of the ticket machine stands for (XState's own actions are skipped). */
function toTicketIntent(action: { type: string; params?: unknown }): TicketIntent | null {
  return TICKET_INTENTS.has(action.type as TicketIntent["type"]) ? (action as TicketIntent) : null;
}

/** The conversation event a ticket machine's `conversation` intent stands for. */
function toConversationEvent(
  intent: Extract<TicketIntent, { type: "conversation" }>,
  at: string,
): ConversationEvent {
  return { ...intent.params.data, type: intent.params.event, at } as ConversationEvent;
}

/** Executes ticket machine events on stored tickets. */
export class TicketExecutor {
  private readonly machine;

  constructor(private readonly ctx: RuntimeContext) {
    this.machine = createTicketMachine(ctx.policy);
  }

  /** True when the ticket machine accepts `event` in the ticket's current state. */
  async can(tx: StoreTx, ticket: store.TicketRow, event: TicketEvent): Promise<boolean> {
    const context = await loadTicketContext(this.ctx, tx, ticket);
    return this.machine.resolveState({ value: ticket.status as never, context }).can(event);
  }

  /**
   * Runs one ticket event in the caller's transaction; returns the new status. What it passes on
   * to the chat's conversation is handed on in `fx` for the caller to run. Throws
   * RuntimeError "invalid-state" / "already-claimed" when not allowed, "conflict" on a concurrent change.
   */
  async run(
    tx: StoreTx,
    ticket: store.TicketRow,
    event: TicketEvent,
    fx: Effects,
  ): Promise<{ status: string }> {
    const context = await loadTicketContext(this.ctx, tx, ticket, event.type === "close");
    const snapshot = this.machine.resolveState({ value: ticket.status as never, context });
    if (!snapshot.can(event)) {
      throw new RuntimeError(
        event.type === "claim" && ticket.status !== "open" && ticket.assigneeId
          ? "already-claimed"
          : "invalid-state",
        `cannot ${event.type} ticket ${ticket.number} while it is ${ticket.status}`,
      );
    }
    const [next, actions] = step(this.machine, snapshot, event);
    const now = this.ctx.clock.now();
    const update: store.TicketUpdate = { status: String(next.value) };
    if (next.context.assignee?.id !== context.assignee?.id) {
      update.assigneeId = next.context.assignee?.id ?? null;
      if (event.type === "claim") update.claimedAt = now;
    }
    // A reopen starts a new work session: its start is the reopen (the first one's is the claim).
    if (event.type === "reopen") update.claimedAt = now;
    const conversationEvents: ConversationEvent[] = [];
    for (const action of actions) {
      const intent = toTicketIntent(action);
      if (!intent) continue;
      switch (intent.type) {
        case "record":
          // One name and its payload (DomainEventRecord); TypeScript cannot follow the pair.
          await recordEvent(this.ctx, tx, fx, {
            ticketId: ticket.id,
            ticket: ticket.number,
            type: intent.params.event,
            actor: intent.params.actor ?? null,
            payload: intent.params.payload,
          } as AuditEntry);
          break;
        case "tellCustomer":
          await this.queueToCustomer(tx, fx, ticket, intent.params.key, intent.params.params);
          break;
        case "relayToCustomer": {
          const { technician, text, attachments } = intent.params;
          await this.queueToCustomer(
            tx,
            fx,
            ticket,
            "relay.fromTechnician",
            { technician, text },
            technician,
            attachments,
          );
          break;
        }
        case "conversation":
          conversationEvents.push(toConversationEvent(intent, now.toISOString()));
          break;
        case "desk": {
          const { event: deskEvent, change, text, by, origin } = intent.params;
          await notifyDesks(
            this.ctx,
            tx,
            fx,
            deskEvent === "staff.reply"
              ? {
                  event: "staff.reply",
                  ticket: ticket.number,
                  change,
                  text: text ?? "",
                  by: text ? String(by ?? context.assignee?.name ?? "") : "",
                  ...(origin ? { origin } : {}),
                }
              : { event: deskEvent, ticket: ticket.number, change },
          );
          break;
        }
        case "saveClose": {
          const { charge, minutes, resolution, category, technician, mode } = intent.params;
          await insertWorkSession(tx, {
            ticketId: ticket.id,
            seq: charge.session,
            technicianId: technician.id,
            technician: technician.name,
            mode,
            startedAt: ticket.claimedAt,
            closedAt: now,
            minutes,
            plan: charge.plan,
            basis: charge.basis,
            covered: charge.covered,
            coveredMinutes: charge.coveredMinutes,
            billedMinutes: charge.billedMinutes,
            charging: charge.charging,
            lines: charge.lines,
            netCents: charge.netCents,
            vatCents: charge.vatCents,
            grossCents: charge.grossCents,
          });
          Object.assign(update, {
            // The full charge (billed minutes, plan) is kept with the coverage for desks.
            coverage: { ...JSON.parse(ticket.coverage), charge },
            minutes,
            resolution,
            category,
            chargeNetCents: charge.netCents,
            chargeVatCents: charge.vatCents,
            chargeGrossCents: charge.grossCents,
            closedAt: now,
          });
          fx.ticketsClosed++;
          break;
        }
        case "scheduleTimers":
          for (const timer of intent.params.timers) {
            const dueAt = new Date(timer.at);
            await scheduleJob(tx, {
              kind: timer.kind,
              key: timerKey(timer.kind, ticket.number),
              dueAt,
              payload: { number: ticket.number },
            });
            // The callback promise is also kept on the ticket, where staff see it.
            if (timer.kind === "ticket.callback") update.callbackDueAt = dueAt;
          }
          break;
        case "cancelTimers":
          await store.cancelJobs(
            tx,
            intent.params.kinds.map((kind) => timerKey(kind, ticket.number)),
          );
          break;
      }
    }
    if (next.value === "open" && ticket.status === "closed") update.closedAt = null;
    // On PostgreSQL a version mismatch fails the transaction at its commit, with this error.
    await store.updateTicket(
      tx,
      ticket.id,
      ticket.version,
      update,
      () =>
        new RuntimeError(
          event.type === "claim" ? "already-claimed" : "conflict",
          `ticket ${ticket.number} changed concurrently`,
        ),
    );
    if (conversationEvents.length > 0) {
      const chat = { channel: ticket.channel as ChannelName, chatId: ticket.chatId };
      handOff(fx, { kind: "conversation", chat, events: conversationEvents, customerId: ticket.customerId });
    }
    // E-mail beside the conversation, after its message: the close summary.
    if (event.type === "close") handOff(fx, { kind: "afterClose", number: ticket.number });
    return { status: String(next.value) };
  }

  /** Queues a message to the ticket's customer, in their language. */
  private async queueToCustomer(
    tx: StoreTx,
    fx: Effects,
    ticket: store.TicketRow,
    key: string,
    params?: Params,
    author?: string,
    attachments: StoredAttachment[] = [],
  ): Promise<void> {
    const customer = await store.getCustomer(tx, ticket.customerId);
    const language: Language =
      customer?.language === "en"
        ? "en"
        : customer?.language === "it"
          ? "it"
          : this.ctx.policy.defaultLanguage;
    await queueOutbound(tx, fx, {
      channel: ticket.channel as ChannelName,
      chatId: ticket.chatId,
      text: this.ctx.renderer.render(key, params, language),
      body: {
        kind: key,
        ...(author ? { author } : {}),
        ...(attachments.length
          ? {
              attachments: attachments.map((a) => ({
                kind: a.kind,
                name: a.name,
                ref: a.ref,
                ...(a.mime ? { mime: a.mime } : {}),
              })),
            }
          : {}),
      },
      at: this.ctx.clock.now(),
      ticketId: ticket.id,
    });
  }
}

/**
 * Staff actions (the write side of the StaffActions port): a technician claims, replies, asks,
 * notes, closes, reopens, authorizes or acknowledges a page. Input is checked first (stable
 * codes), then the ticket machine runs in the chat's queue and one transaction.
 */
import type { StoredAttachment, TicketEvent } from "../../flows/ticketMachine.js";
import type { ChannelName } from "../channels/port.js";
import * as store from "../data/supportStore.js";
import type { StaffAction, StaffActionResult, StaffErrorCode } from "../desk/port.js";
import type { Pager } from "../pager/pager.js";
import { packageCharge } from "../policy/charge.js";
import { CoverageError } from "../policy/coverage.js";
import { extraLines, isWorkMode } from "../policy/sessionCharge.js";
import type { HandOffs } from "./handOffs.js";
import type { AfterCommit } from "./runtimeContext.js";
import { inChatTransaction, type RuntimeContext, recordEvent } from "./runtimeContext.js";
import { RuntimeError, type RuntimeErrorCode } from "./runtimeTypes.js";
import type { TicketExecutor } from "./ticketExecutor.js";
import type { TicketViews } from "./ticketViews.js";

type Failure = Extract<StaffActionResult, { ok: false }>;
const invalid = (message: string): Failure => ({ ok: false, code: "invalid-input", message });

/** The staff code of a runtime refusal (the compiler checks every runtime code has one). */
const STAFF_CODE = {
  "already-claimed": "already-claimed",
  "unknown-ticket": "unknown-ticket",
  "invalid-state": "invalid-state",
  conflict: "invalid-state",
  "no-customer": "invalid-state",
  "runaway-flow": "invalid-state",
} as const satisfies Record<RuntimeErrorCode, StaffErrorCode>;

/** Performs staff actions on tickets. */
export class StaffActionHandler {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly tickets: TicketExecutor,
    private readonly handOffs: HandOffs,
    private readonly views: TicketViews,
    private readonly afterCommit: AfterCommit,
    private readonly pager: Pager,
  ) {}

  /** Performs one action; never throws for a refused action (the result says why, with a code). */
  perform = async (action: StaffAction): Promise<StaffActionResult> => {
    const { ctx } = this;
    const located = await store.findTicket(ctx.db, action.ticket);
    if (!located) return { ok: false, code: "unknown-ticket", message: `no ticket ${action.ticket}` };
    const technician = await store.findTechnician(ctx.db, action.by);
    if (!technician)
      return { ok: false, code: "not-technician", message: "only technicians can act on tickets" };
    const event = await this.toEvent(action, { id: technician.id, name: technician.name });
    if (event !== null && "ok" in event) return event;
    // Acknowledging a page: the pager ends its escalation (and records who and how).
    if (
      event === null &&
      (await this.pager.acknowledge(
        { ticket: located.number },
        { technicianId: technician.id, name: technician.name },
        "desk",
      ))
    ) {
      const view = await this.views.getTicket(action.ticket);
      return view
        ? { ok: true, ticket: view }
        : { ok: false, code: "unknown-ticket", message: `no ticket ${action.ticket}` };
    }
    const chat = { channel: located.channel as ChannelName, chatId: located.chatId };
    try {
      const { fx } = await inChatTransaction(ctx, chat, async (tx, effects) => {
        const ticket = await store.findTicket(tx, action.ticket);
        if (!ticket) throw new RuntimeError("unknown-ticket", `no ticket ${action.ticket}`);
        if (event === null) {
          await store.cancelJobs(tx, [`oncall.repage:${ticket.number}`]);
          await recordEvent(ctx, tx, effects, {
            ticketId: ticket.id,
            ticket: ticket.number,
            type: "oncall.acknowledged",
            actor: technician.name,
            payload: {},
          });
          return;
        }
        // A claimed ticket is the technician's: the machine's cancelTimers stops the escalation.
        // An authorization starts the SLA timers from its instant: the machine's scheduleTimers.
        await this.tickets.run(tx, ticket, event, effects);
        await this.handOffs.run(tx, effects);
      });
      await this.afterCommit(fx);
    } catch (error) {
      if (error instanceof RuntimeError) {
        return { ok: false, code: STAFF_CODE[error.code], message: error.message };
      }
      throw error;
    }
    const view = await this.views.getTicket(action.ticket);
    if (!view) return { ok: false, code: "unknown-ticket", message: `no ticket ${action.ticket}` };
    return { ok: true, ticket: view, ...(view.charge ? { charge: view.charge } : {}) };
  };

  /** Durable idempotency check for platform deliveries (Slack event_id…). */
  seen = async (source: string, key: string): Promise<boolean> =>
    store.markDeliverySeen(this.ctx.db, source, key);

  /** Stores the opaque reference one desk keeps for a ticket (e.g. its Slack card). */
  setDeskRef = async (number: string, desk: string, ref: Record<string, unknown>): Promise<void> => {
    await store.setTicketDeskRef(this.ctx.db, number, desk, ref);
  };

  /**
   * The ticket event an action stands for (null: acknowledging a page), or why it is refused.
   * Files of a reply go to the media store here, before any transaction.
   */
  private async toEvent(
    action: StaffAction,
    tech: { id: string; name: string },
  ): Promise<TicketEvent | Failure | null> {
    const { policy, options } = this.ctx;
    switch (action.type) {
      case "claim":
        return { type: "claim", technician: tech };
      case "reply": {
        const files = action.attachments?.filter((a) => a.data) ?? [];
        if (!action.text.trim() && files.length === 0) return invalid("the message is empty");
        if (files.length > 0 && !options.mediaStore)
          return invalid("files cannot be relayed: no media store configured");
        // Bytes go to the media store before the transaction; the outbox keeps only references.
        const stored: StoredAttachment[] = [];
        for (const file of files) {
          const ref = await options.mediaStore!.put(file.data!, file.name);
          stored.push({ kind: file.kind, name: file.name, ref, ...(file.mime ? { mime: file.mime } : {}) });
        }
        return {
          type: "reply",
          technician: tech,
          text: action.text.trim(),
          ...(stored.length ? { attachments: stored } : {}),
          ...(action.origin ? { origin: action.origin } : {}),
        };
      }
      case "note":
        if (!action.text.trim()) return invalid("the message is empty");
        return { type: "note", technician: tech, text: action.text.trim() };
      case "ask":
        if (!action.text.trim()) return invalid("the message is empty");
        return {
          type: "ask",
          technician: tech,
          text: action.text.trim(),
          ...(action.origin ? { origin: action.origin } : {}),
        };
      case "close":
        if (!Number.isInteger(action.minutes) || action.minutes < 0)
          return invalid("minutes must be a whole number ≥ 0");
        if (action.category && !policy.categories.some((c) => c.key === action.category))
          return invalid(`unknown category ${action.category}`);
        if (action.plan && action.plan !== "none" && !policy.plans.some((p) => p.key === action.plan))
          return invalid(`unknown plan ${action.plan}`);
        if (action.mode !== undefined && !isWorkMode(policy, action.mode))
          return invalid(`mode must be one of ${policy.charges.workModes.join(", ")}`);
        try {
          if (action.billing) packageCharge(policy, action.billing);
          extraLines({
            ...(action.parts ? { parts: action.parts } : {}),
            ...(action.transportCents !== undefined ? { transportCents: action.transportCents } : {}),
          });
        } catch (error) {
          if (error instanceof CoverageError) return invalid(error.message);
          throw error;
        }
        return {
          type: "close",
          technician: tech,
          minutes: action.minutes,
          resolution: action.resolution.trim(),
          ...(action.category ? { category: action.category } : {}),
          ...(action.plan ? { plan: action.plan } : {}),
          ...(action.billing ? { billing: action.billing } : {}),
          ...(action.mode ? { mode: action.mode } : {}),
          ...(action.parts?.length ? { parts: action.parts } : {}),
          ...(action.transportCents ? { transportCents: action.transportCents } : {}),
        };
      case "reopen":
        return { type: "reopen", technician: tech, ...(action.reason ? { reason: action.reason } : {}) };
      case "authorize":
        if (!action.salesRep.trim()) return invalid("the sales representative is required");
        return {
          type: "authorize",
          technician: tech,
          salesRep: action.salesRep.trim(),
          at: this.ctx.clock.now().toISOString(),
        };
      case "ack-page":
        return null;
    }
  }
}

/**
 * The runtime: executes the machines of `flows/` against the database and the channels. This
 * class only composes the modules that do the work and exposes the StaffActions port:
 *
 * - {@link InboundPipeline} — customer messages, one transaction each, serialised per chat;
 * - {@link ConversationExecutor} / {@link ConversationIntents} / {@link TicketOpening} — the
 *   conversation machine and its intents;
 * - {@link TicketExecutor} — the ticket machine and its intents; what it passes on to a chat is
 *   queued in the transaction and run by {@link HandOffs} for the transaction's owner;
 * - {@link StaffActionHandler}, {@link TicketViews}, {@link OnCallRota} — the desk side;
 * - {@link OutboxDelivery} — sending queued messages after commit, with retries;
 * - {@link JobScheduler} with {@link SlaTimers}, {@link DeskNotifier} and {@link AiJobs} — durable
 *   timers and background work (rows in the job table).
 */
import type { ChannelAdapter, DeliveryStatusHandler } from "../channels/port.js";
import { startCoordination } from "../data/coordination.js";
import type { StaffActions, StaffDesk } from "../desk/port.js";
import { createRenderer } from "../i18n/renderer.js";
import { channelNotifier } from "../pager/channelNotifiers.js";
import { Pager } from "../pager/pager.js";
import { RotaAdmin } from "../pager/rotaAdmin.js";
import { VoicemailIntake } from "../phone/voicemailIntake.js";
import type { Policy } from "../policy/schema.js";
import { AiJobs } from "./aiJobs.js";
import { ConversationExecutor } from "./conversationExecutor.js";
import { ConversationIntents } from "./conversationIntents.js";
import { reportDeliveryFailure } from "./deliveryFailures.js";
import { recordDeliveryStatus } from "./deliveryStatus.js";
import { DeskNotifier } from "./deskNotifications.js";
import { HandOffs } from "./handOffs.js";
import { InboundPipeline } from "./inboundPipeline.js";
import { JobScheduler } from "./jobScheduler.js";
import { KeyedQueue } from "./keyedQueue.js";
import { MailLinks } from "./mailLinks.js";
import { OnCallRota } from "./onCallRota.js";
import { OutboxDelivery } from "./outboxDelivery.js";
import { OutboxMemory } from "./outboxMemory.js";
import type { Effects, RuntimeContext } from "./runtimeContext.js";
import type { RuntimeOptions } from "./runtimeTypes.js";
import { SlaTimers } from "./slaTimers.js";
import { StaffActionHandler } from "./staffActions.js";
import { TicketExecutor } from "./ticketExecutor.js";
import { TicketOpening } from "./ticketOpening.js";
import { TicketViews } from "./ticketViews.js";

export type {
  AssistPort,
  ChatRef,
  DomainEvent,
  MediaStore,
  RuntimeMetrics,
  RuntimeOptions,
  TriageSuggestion,
} from "./runtimeTypes.js";
export { RuntimeError } from "./runtimeTypes.js";

/** The support runtime: channels in, machines run, desks and customers told. */
export class SupportRuntime implements StaffActions {
  readonly policy: Policy;
  private readonly ctx: RuntimeContext;
  private readonly outbox: OutboxDelivery;
  private readonly scheduler: JobScheduler;
  /** The coordination was opened here (none given): stop() closes it. */
  private readonly ownsCoordination: boolean;
  /**
   * Handles one customer message; resolves once it is durably processed and the replies were
   * handed to the channel (delivery failures are retried later, never lost).
   */
  readonly handleInbound: InboundPipeline["handle"];
  /**
   * Takes a phone line's voicemail (the recording-status callback): resolves once its job is
   * stored; the job downloads the recording (retried until it comes) and hands it to the intake.
   */
  readonly takeVoicemail: VoicemailIntake["accept"];
  /** Records a delivery status a channel reported; resolves once stored (see deliveryStatus.ts). */
  readonly handleDeliveryStatus: DeliveryStatusHandler;
  // The StaffActions port, from the modules that implement it.
  readonly perform: StaffActionHandler["perform"];
  readonly seen: StaffActionHandler["seen"];
  readonly setDeskRef: StaffActionHandler["setDeskRef"];
  readonly listTickets: TicketViews["listTickets"];
  readonly getTicket: TicketViews["getTicket"];
  readonly transcript: TicketViews["transcript"];
  readonly previewCharge: TicketViews["previewCharge"];
  readonly attachment: TicketViews["attachment"];
  readonly listCategories: TicketViews["listCategories"];
  readonly listPackages: TicketViews["listPackages"];
  readonly findTechnician: TicketViews["findTechnician"];
  readonly listOnCall: OnCallRota["listOnCall"];
  readonly setOnCall: OnCallRota["setOnCall"];
  /** Pages, their escalation and acknowledgements. */
  readonly pager: Pager;
  /** Technicians' ways to be reached, the weekly rota, shifts and swaps. */
  readonly rota: RotaAdmin;
  /** One-time links sent by e-mail: the sales rep's authorize/decline, the customer's feedback form. */
  readonly links: MailLinks;

  /**
   * Drafts a reply to a ticket's customer from its transcript, for the technician to review; it
   * is never sent by itself. Present only when the AI assist can draft (AI on); resolves null
   * for an unknown ticket or when the AI gives nothing usable.
   */
  readonly suggestReply?: (number: string) => Promise<string | null>;

  constructor(options: RuntimeOptions) {
    this.policy = options.policy;
    const ctx: RuntimeContext = {
      db: options.db,
      policy: options.policy,
      clock: options.clock,
      logger: options.logger,
      renderer: createRenderer(options.policy),
      options,
      channels: new Map((options.channels ?? []).map((c) => [c.name, c])),
      desks: [...(options.desks ?? [])],
      chatQueue: new KeyedQueue(),
      coordination: options.coordination ?? startCoordination(options.db),
      // SQLite is exactly one instance: what it committed to the outbox can be known in memory.
      outboxMemory: options.db.provider === "sqlite" ? new OutboxMemory() : null,
    };
    this.ownsCoordination = !options.coordination;
    this.ctx = ctx;
    const afterCommit = (fx: Effects) => this.afterCommit(fx);
    this.outbox = new OutboxDelivery(ctx, (chat, outboxId, error) =>
      reportDeliveryFailure(ctx, afterCommit, chat, outboxId, error),
    );
    const views = new TicketViews(ctx);
    const rota = new OnCallRota(ctx);
    const tickets = new TicketExecutor(ctx);
    this.pager = new Pager(
      ctx,
      [
        channelNotifier("telegram", () => ctx.channels.get("telegram")),
        channelNotifier("whatsapp", () => ctx.channels.get("whatsapp")),
        channelNotifier("email", () => ctx.channels.get("email")),
        ...(options.pagerNotifiers ?? []),
      ],
      afterCommit,
      views.getTicket,
    );
    const pager = this.pager;
    this.rota = new RotaAdmin(ctx.db, ctx.policy, ctx.clock);
    const intents = new ConversationIntents(ctx, tickets, new TicketOpening(ctx, tickets, pager));
    const conversations = new ConversationExecutor(ctx, intents);
    // What the ticket machine passes on to a chat is queued in the transaction, run by its owner.
    const handOffs = new HandOffs(ctx, conversations);
    const sla = new SlaTimers(ctx, tickets, handOffs, afterCommit, pager);
    const desks = new DeskNotifier(ctx, views);
    const ai = new AiJobs(ctx, conversations, views, afterCommit);
    this.scheduler = new JobScheduler(
      ctx,
      {
        "desk.notify": (job) => desks.run(job),
        "ticket.escalate": sla.escalate,
        "ticket.callback": sla.callbackOverdue,
        "oncall.repage": sla.repage,
        "pager.step": pager.step,
        "pager.outage": async () => undefined,
        "ai.triage": ai.triage,
        "ai.transcribe": ai.transcribe,
        "ai.interpret": ai.interpret,
        "phone.voicemail": (job) => voicemails.run(job),
      },
      this.outbox,
    );
    const staff = new StaffActionHandler(ctx, tickets, handOffs, views, afterCommit, pager);
    this.links = new MailLinks(ctx, tickets, handOffs, afterCommit);
    this.handleDeliveryStatus = (update) => recordDeliveryStatus(ctx, afterCommit, update);
    this.handleInbound = new InboundPipeline(ctx, conversations, afterCommit, pager).handle;
    const voicemails = new VoicemailIntake(
      ctx,
      this.handleInbound,
      options.recordingDownload ?? null,
      afterCommit,
    );
    this.takeVoicemail = voicemails.accept;
    this.perform = staff.perform;
    this.seen = staff.seen;
    this.setDeskRef = staff.setDeskRef;
    this.listTickets = views.listTickets;
    this.getTicket = views.getTicket;
    this.transcript = views.transcript;
    this.previewCharge = views.previewCharge;
    this.attachment = views.attachment;
    this.listCategories = views.listCategories;
    this.listPackages = views.listPackages;
    this.findTechnician = views.findTechnician;
    this.listOnCall = rota.listOnCall;
    this.setOnCall = rota.setOnCall;
    const drafts = options.assist?.suggestReply ? options.assist : null;
    if (drafts) this.suggestReply = (number) => ai.draftReply(drafts, number);
  }

  /** Adds a channel after construction (e.g. the web channel created by the HTTP server). */
  addChannel(channel: ChannelAdapter): void {
    this.ctx.channels.set(channel.name, channel);
  }

  /** Adds a desk after construction; it is notified of changes from then on. */
  addDesk(desk: StaffDesk): void {
    this.ctx.desks.push(desk);
  }

  /** Sends pending outbound messages that are due, in order per chat. */
  deliver(): Promise<{ sent: number; failed: number }> {
    return this.outbox.deliverDue();
  }

  /** Runs every job due now (and retries due deliveries); returns how many jobs ran. */
  runDueJobs(): Promise<number> {
    return this.scheduler.runDueJobs();
  }

  /** Starts the channels and desks (one failing never stops the others) and the scheduler. */
  async start(): Promise<void> {
    const { ctx } = this;
    for (const channel of ctx.channels.values()) {
      try {
        await channel.start(this.handleInbound, this.handleDeliveryStatus);
      } catch (error) {
        ctx.logger.error(
          { err: error, channel: channel.name },
          "channel failed to start; the others keep running",
        );
      }
    }
    for (const desk of ctx.desks) {
      try {
        await desk.start(this);
      } catch (error) {
        ctx.logger.error({ err: error, desk: desk.name }, "desk failed to start; the others keep running");
      }
    }
    this.scheduler.start();
  }

  /** Stops the scheduler (waiting for a running pass), then the channels and desks. */
  async stop(): Promise<void> {
    await this.scheduler.stop();
    this.outbox.stop();
    for (const channel of this.ctx.channels.values()) await channel.stop().catch(() => undefined);
    for (const desk of this.ctx.desks) await desk.stop().catch(() => undefined);
    if (this.ownsCoordination) await this.ctx.coordination.close();
  }

  /** Each channel's connection state, for /health. */
  channelStates() {
    return [...this.ctx.channels.values()].map((c) => ({ name: c.name, state: c.state() }));
  }

  /** After a commit: report events and counters, deliver the chats' new messages, wake the scheduler. */
  private async afterCommit(fx: Effects): Promise<void> {
    const { options } = this.ctx;
    if (fx.events.length > 0) options.onEvents?.(fx.events);
    for (let i = 0; i < fx.ticketsOpened; i++) options.metrics?.ticketOpened();
    for (let i = 0; i < fx.ticketsClosed; i++) options.metrics?.ticketClosed();
    if (fx.outbound.size > 0) await this.outbox.deliverCommitted(fx);
    if (fx.jobsDue) this.scheduler.kick();
  }
}

/**
 * The runtime: executes the machines of `flows/` against the database and the channels.
 *
 * For each inbound message, serialised per chat: drop it if the platform already delivered it
 * (durable, via the transcript's unique key); load the chat's snapshot; run the machine; in ONE
 * transaction store the transcript, the new snapshot, ticket changes, audit events, durable
 * timers and the outbound messages; then deliver the outbound queue. Staff actions run the
 * ticket machine the same way. Timers (SLA, callback promise, repeated pages, desk
 * notifications, AI work) are rows in the job table, fired by {@link SupportRuntime.runDueJobs}.
 */
import { DateTime } from "luxon";
import { initialTransition, transition } from "xstate";
import { z } from "zod";
import { type ConversationEvent, createConversationMachine } from "../../flows/conversationMachine.js";
import {
  type AttachmentMeta,
  type CustomerFacts,
  INTENT_TYPES,
  type Intent,
  type Language,
  type Params,
  type TicketDraft,
} from "../../flows/intents.js";
import { matchChoice } from "../../flows/textMatchers.js";
import {
  createTicketMachine,
  type StoredAttachment,
  type TicketContext,
  type TicketEvent,
} from "../../flows/ticketMachine.js";
import type {
  ChannelAdapter,
  ChannelName,
  InboundMessage,
  OutboundAttachment,
  OutboundMessage,
} from "../channels/port.js";
import { ChannelSendError } from "../channels/port.js";
import type { Database, Tx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { TranscriptEntry } from "../desk/board/boardQueries.js";
import type {
  ChargeView,
  DeskEvent,
  OnCallShiftView,
  PackageBilling,
  StaffAction,
  StaffActionResult,
  StaffActions,
  StaffDesk,
  TechnicianRef,
  TicketFilter,
  TicketView,
} from "../desk/port.js";
import { createRenderer, type Renderer } from "../i18n/renderer.js";
import type { Logger } from "../observability/logger.js";
import { addServiceMinutes, availability } from "../policy/calendar.js";
import { computeCharge, packageCharge } from "../policy/charge.js";
import { CoverageError } from "../policy/coverage.js";
import type { Policy } from "../policy/schema.js";
import type { Clock } from "./clock.js";
import { KeyedQueue } from "./keyedQueue.js";

/** Category suggestion and facts from a problem description (AI or the offline classifier). */
export interface TriageSuggestion {
  category: string | null;
  blocking?: boolean;
  summary?: string | null;
  language?: Language | null;
}

/** Optional AI assist; every call may fail or time out, the runtime falls back. */
export interface AssistPort {
  triage(input: { description: string; ticketId?: string; language: Language }): Promise<TriageSuggestion>;
  transcribe(input: { audio: Uint8Array; mime: string; name: string }): Promise<{ text: string } | null>;
  /** A reply draft for a technician to review (never sent by the runtime), or null. */
  suggestReply?(input: {
    transcript: { from: string; text: string; at?: Date }[];
    language: Language;
    ticketId?: string;
  }): Promise<string | null>;
}

/** Counters the runtime reports (Prometheus in production). */
export interface RuntimeMetrics {
  messageIn(channel: string): void;
  messageOut(channel: string): void;
  ticketOpened(): void;
  ticketClosed(): void;
  replyLatency(seconds: number): void;
  outboxDepth(n: number): void;
}

export interface RuntimeOptions {
  db: Database;
  policy: Policy;
  clock: Clock;
  logger: Logger;
  channels?: ChannelAdapter[];
  desks?: StaffDesk[];
  /** Offline triage, always available (pure). */
  offlineTriage?: (description: string) => TriageSuggestion;
  /** AI assist when configured; its work runs as jobs, never inside a transaction. */
  assist?: AssistPort | null;
  metrics?: RuntimeMetrics;
  /** Language detection for the first message of an unknown customer. */
  detectLanguage?: (text: string) => Language | null;
  /** Where voice notes are kept for transcription jobs (bytes must survive a restart). */
  mediaStore?: {
    put(bytes: Uint8Array, name: string): Promise<string>;
    get(ref: string): Promise<Uint8Array>;
  };
  /** Called after every committed change with the domain events recorded (story runner, metrics). */
  onEvents?: (
    events: { type: string; ticket: string | null; payload: Record<string, unknown>; at: Date }[],
  ) => void;
  /** Delay before a failed send is retried, by attempt (ms). */
  retryDelayMs?: (attempt: number) => number;
}

const MAX_DELIVERY_ATTEMPTS = 8;
const STORED_KINDS = new Set(["image", "video", "audio", "voice", "document"]);
const INTENTS = new Set<string>(INTENT_TYPES);
const MAX_EVENT_STEPS = 50;

const chargeSchema = z.object({ billedMinutes: z.number(), covered: z.boolean().optional() }).passthrough();
const packageChargeSchema = z.object({
  package: z.string(),
  lines: z.array(
    z.object({ item: z.string(), quantity: z.number(), unitCents: z.number(), cents: z.number() }),
  ),
});

/** The package and its lines of a stored package charge, for desks. */
function packageOfCharge(charge: unknown): Pick<ChargeView, "package" | "lines"> {
  const parsed = packageChargeSchema.safeParse(charge);
  return parsed.success ? { package: parsed.data.package, lines: parsed.data.lines } : {};
}

/** The service levels a ticket's coverage says serve it, as a calendar audience (null: all levels). */
function servedBy(coverage: Record<string, unknown>): { plans: string[]; levels: string[] } | null {
  const levels = z.array(z.string()).safeParse(coverage.serviceLevels);
  return levels.success ? { plans: [], levels: levels.data } : null;
}

const persistedLabels = z.object({ labels: z.record(z.string(), z.string()).optional() });

const persistedConversation = z.object({
  v: z.literal(1),
  value: z.union([z.string(), z.record(z.string(), z.unknown())]),
  context: z
    .object({
      language: z.enum(["it", "en"]),
      ticket: z.string().nullable(),
      choices: z.array(z.string()),
      draft: z.record(z.string(), z.unknown()).nullable(),
    })
    .passthrough(),
});

/**
 * The intent an action object of the conversation machine stands for: its custom actions, and
 * the `xstate.spawnChild` of its named actors (triage, transcribe), which the runtime executes.
 */
function toIntent(action: { type: string; params?: unknown }): Intent | null {
  if (action.type === "xstate.spawnChild") {
    const { src, input } = (action.params ?? {}) as { src?: unknown; input?: unknown };
    return src === "triage" || src === "transcribe" ? ({ type: src, params: input } as Intent) : null;
  }
  return INTENTS.has(action.type) ? ({ type: action.type, params: action.params } as Intent) : null;
}

/** The named triage actor's answer, as the event XState expects. */
function triageDone(s: TriageSuggestion): ConversationEvent {
  return {
    type: "xstate.done.actor.triage",
    output: {
      category: s.category,
      ...(s.blocking !== undefined ? { blocking: s.blocking } : {}),
      summary: s.summary ?? null,
    },
  };
}

/** Stable error with a code, thrown by runtime operations callers may show. */
export class RuntimeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "RuntimeError";
  }
}

interface ChatRef {
  channel: ChannelName;
  chatId: string;
}

/** Work collected during one transaction and acted on after it commits. */
interface Effects {
  /** Chats with new outbound messages, delivered after commit. */
  outbound: Map<string, ChatRef>;
  jobsDue: boolean;
  events: { type: string; ticket: string | null; payload: Record<string, unknown>; at: Date }[];
  ticketsOpened: number;
  ticketsClosed: number;
}

const newEffects = (): Effects => ({
  outbound: new Map(),
  jobsDue: false,
  events: [],
  ticketsOpened: 0,
  ticketsClosed: 0,
});

export class SupportRuntime implements StaffActions {
  readonly policy: Policy;
  private readonly db: Database;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly renderer: Renderer;
  private readonly conversation;
  private readonly ticketMachine;
  private readonly queue = new KeyedQueue();
  private readonly deliveryQueue = new KeyedQueue();
  private readonly channels = new Map<string, ChannelAdapter>();
  private readonly desks: StaffDesk[];
  private readonly options: RuntimeOptions;
  private schedulerTimer: NodeJS.Timeout | null = null;
  private running = false;
  private jobsRunning: Promise<number> | null = null;

  /**
   * Drafts a reply to a ticket's customer from its transcript, for the technician to review; it
   * is never sent by itself. Present only when the AI assist can draft (AI on); resolves null
   * for an unknown ticket or when the AI gives nothing usable.
   */
  readonly suggestReply?: (number: string) => Promise<string | null>;

  constructor(options: RuntimeOptions) {
    this.options = options;
    const drafts = options.assist?.suggestReply ? options.assist : null;
    if (drafts) this.suggestReply = (number) => this.draftReply(drafts, number);
    this.db = options.db;
    this.policy = options.policy;
    this.clock = options.clock;
    this.logger = options.logger;
    this.renderer = createRenderer(options.policy);
    this.conversation = createConversationMachine(options.policy);
    this.ticketMachine = createTicketMachine(options.policy);
    for (const channel of options.channels ?? []) this.channels.set(channel.name, channel);
    this.desks = options.desks ?? [];
  }

  /** Adds a channel after construction (e.g. the web channel created by the HTTP server). */
  addChannel(channel: ChannelAdapter): void {
    this.channels.set(channel.name, channel);
  }

  addDesk(desk: StaffDesk): void {
    this.desks.push(desk);
  }

  // -------------------------------------------------------------------------------------------
  // Inbound

  /**
   * Handles one customer message; resolves once it is durably processed and the replies were
   * handed to the channel (delivery failures are retried later, never lost).
   */
  handleInbound = async (message: InboundMessage): Promise<void> => {
    const received = this.clock.now();
    const chat: ChatRef = { channel: message.channel, chatId: message.chatId };
    const prepared = await this.prepareAttachments(message);
    const effects = await this.queue.run(this.chatKey(chat), async () => {
      const fx = newEffects();
      const fresh = await this.db.prisma.$transaction(async (tx) => {
        if (await store.inboundSeen(tx, message.channel, message.platformMessageId)) return false;
        const phone =
          message.channel === "whatsapp" && message.senderId.startsWith("+") ? message.senderId : null;
        let customer = await store.findCustomerForSender(tx, message.channel, message.senderId, phone);
        if (!customer && message.startPayload) {
          customer = await store.findCustomerByCode(tx, message.startPayload);
          if (customer) await store.linkIdentity(tx, customer.id, message.channel, message.senderId);
        }
        const openTickets = customer ? await store.openTicketsForCustomer(tx, customer.id) : [];
        const followed = openTickets.find((t) => t.channel === chat.channel && t.chatId === chat.chatId);
        await store.storeInbound(tx, {
          channel: message.channel,
          chatId: message.chatId,
          platformMessageId: message.platformMessageId,
          text: message.text,
          body: {
            attachments: prepared.map(({ kind, mime, name, size, ref }) => ({ kind, mime, name, size, ref })),
          },
          at: message.at,
          ticketId: followed?.id ?? null,
        });
        const language = this.languageFor(customer, message);
        const conversation = await store.loadConversation(tx, chat.channel, chat.chatId);
        const choice = message.choice ?? this.choiceFromLabels(conversation?.snapshot ?? null, message.text);
        const event: ConversationEvent = {
          type: "inbound",
          at: this.clock.now().toISOString(),
          text: message.text,
          ...(choice ? { choice } : {}),
          attachments: prepared,
          facts: {
            customer: customer ? this.customerFacts(customer) : null,
            openTickets: openTickets.map((t) => ({
              number: t.number,
              status: t.status,
              category: t.category,
            })),
            language,
            aiEnabled: Boolean(this.options.assist),
            senderPhone: phone,
          },
        };
        await this.runConversation(
          tx,
          chat,
          [event],
          fx,
          { senderId: message.senderId, customerId: customer?.id ?? null },
          conversation,
        );
        return true;
      });
      return fresh ? fx : null;
    });
    if (!effects) {
      this.logger.debug(
        { channel: message.channel, id: message.platformMessageId },
        "duplicate delivery dropped",
      );
      return;
    }
    this.options.metrics?.messageIn(message.channel);
    await this.afterCommit(effects);
    this.options.metrics?.replyLatency((this.clock.now().getTime() - received.getTime()) / 1000);
  };

  private async prepareAttachments(message: InboundMessage): Promise<AttachmentMeta[]> {
    const out: AttachmentMeta[] = [];
    // A redelivered message is dropped in the transaction; don't download its media again first.
    if (
      message.attachments.length > 0 &&
      (await store.inboundSeen(this.db.prisma, message.channel, message.platformMessageId))
    ) {
      return out;
    }
    for (const a of message.attachments) {
      const meta: AttachmentMeta = { kind: a.kind };
      if (a.mime) meta.mime = a.mime;
      if (a.name) meta.name = a.name;
      if (a.size !== undefined) meta.size = a.size;
      if (a.ref) meta.ref = a.ref;
      // Media are kept in the media store before the transaction: platform download links expire,
      // technicians need the photos, and transcription jobs may run after a restart. Web uploads
      // are already stored by the web channel.
      const keep = STORED_KINDS.has(a.kind) && !a.ref?.startsWith("web-upload:");
      if (keep && this.options.mediaStore && a.fetch) {
        try {
          meta.ref = await this.options.mediaStore.put(await a.fetch(), a.name ?? `${a.kind}.bin`);
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          meta.error = typeof code === "string" && /too.?large/i.test(code) ? "too-large" : "unavailable";
          this.logger.warn({ err: error, kind: a.kind }, "attachment could not be downloaded");
        }
      }
      out.push(meta);
    }
    return out;
  }

  /**
   * Maps a typed answer ("No, grazie", "2") to the choice list the customer was last shown: the
   * machine knows choice ids, only the runtime knows the labels it rendered (kept with the snapshot).
   */
  private choiceFromLabels(serialized: string | null, text: string): string | undefined {
    if (!serialized || !text.trim() || text.length > 200) return undefined;
    const labels = persistedLabels.safeParse(JSON.parse(serialized)).data?.labels;
    if (!labels || Object.keys(labels).length === 0) return undefined;
    return matchChoice(text, Object.keys(labels), labels);
  }

  private languageFor(customer: store.CustomerRecord | null, message: InboundMessage): Language {
    if (customer && (customer.language === "it" || customer.language === "en")) return customer.language;
    const detected = message.text ? this.options.detectLanguage?.(message.text) : null;
    if (detected) return detected;
    const hint = message.languageHint?.slice(0, 2).toLowerCase();
    if (hint === "it" || hint === "en") return hint;
    return this.policy.defaultLanguage;
  }

  private customerFacts(c: store.CustomerRecord): CustomerFacts {
    return {
      id: c.id,
      company: c.company,
      contactName: c.contactName,
      language: c.language === "it" || c.language === "en" ? c.language : null,
      plans: c.plans,
      purchases: c.purchases,
      verified: c.verified,
      salesRep: c.salesRep,
    };
  }

  private chatKey(chat: ChatRef): string {
    return `${chat.channel}:${chat.chatId}`;
  }

  // -------------------------------------------------------------------------------------------
  // Conversation machine

  private async runConversation(
    tx: Tx,
    chat: ChatRef,
    events: ConversationEvent[],
    fx: Effects,
    who: { senderId: string | null; customerId: string | null },
    preloaded?: Awaited<ReturnType<typeof store.loadConversation>>,
  ): Promise<void> {
    const row =
      preloaded !== undefined ? preloaded : await store.loadConversation(tx, chat.channel, chat.chatId);
    let snapshot = this.restore(row?.snapshot ?? null, chat);
    let labels: Record<string, string> =
      (row ? persistedLabels.safeParse(JSON.parse(row.snapshot)).data?.labels : undefined) ?? {};
    let customerId = who.customerId ?? row?.customerId ?? null;
    const queue = [...events];
    let steps = 0;
    while (queue.length > 0) {
      if (++steps > MAX_EVENT_STEPS)
        throw new RuntimeError("runaway-flow", `conversation ${this.chatKey(chat)} did not settle`);
      const event = queue.shift()!;
      const [next, actions] = transition(this.conversation, snapshot, event);
      snapshot = next;
      for (const action of actions) {
        const intent = toIntent(action);
        if (!intent) continue;
        const followUps = await this.executeIntent(tx, chat, intent, snapshot.context.language, fx, {
          senderId: who.senderId,
          get customerId() {
            return customerId;
          },
          setCustomerId: (id: string) => {
            customerId = id;
          },
          setLabels: (rendered: Record<string, string>) => {
            labels = rendered;
          },
        });
        queue.push(...followUps);
      }
    }
    const persisted = JSON.stringify({ v: 1, value: snapshot.value, context: snapshot.context, labels });
    const saved = await store.saveConversation(
      tx,
      { channel: chat.channel, chatId: chat.chatId, customerId, snapshot: persisted },
      row ? row.version : null,
    );
    if (!saved) throw new RuntimeError("conflict", `conversation ${this.chatKey(chat)} changed concurrently`);
  }

  private restore(serialized: string | null, chat: ChatRef) {
    if (serialized) {
      try {
        const parsed = persistedConversation.parse(JSON.parse(serialized));
        return this.conversation.resolveState({
          value: parsed.value as never,
          context: parsed.context as never,
        });
      } catch (error) {
        // An unreadable snapshot (e.g. after an incompatible upgrade) restarts the conversation
        // rather than blocking the customer; the transcript keeps what was said.
        this.logger.warn(
          { err: error, chat: this.chatKey(chat) },
          "conversation snapshot unreadable; starting over",
        );
      }
    }
    const [initial] = initialTransition(this.conversation, {
      language: this.policy.defaultLanguage,
      now: this.clock.now().toISOString(),
    });
    return initial;
  }

  private async executeIntent(
    tx: Tx,
    chat: ChatRef,
    intent: Intent,
    language: Language,
    fx: Effects,
    who: {
      senderId: string | null;
      readonly customerId: string | null;
      setCustomerId(id: string): void;
      setLabels?(labels: Record<string, string>): void;
    },
  ): Promise<ConversationEvent[]> {
    const now = this.clock.now();
    switch (intent.type) {
      case "reply": {
        const { key, params, choices } = intent.params;
        const text = this.renderer.render(key, params, language);
        const rendered = choices?.map((c) => ({ id: c.id, label: this.renderer.choiceLabel(c, language) }));
        await store.queueOutbound(tx, {
          channel: chat.channel,
          chatId: chat.chatId,
          text,
          body: rendered && rendered.length > 0 ? { choices: rendered, kind: key } : { kind: key },
          at: now,
        });
        if (rendered && rendered.length > 0)
          who.setLabels?.(Object.fromEntries(rendered.map((c) => [c.id, c.label])));
        fx.outbound.set(this.chatKey(chat), chat);
        return [];
      }
      case "registerCustomer": {
        const phone = chat.channel === "whatsapp" && who.senderId?.startsWith("+") ? who.senderId : null;
        const customer = await store.createCustomer(tx, {
          company: intent.params.company,
          contactName: intent.params.contactName,
          phone,
          language: intent.params.language,
          verified: false,
        });
        if (who.senderId) await store.linkIdentity(tx, customer.id, chat.channel, who.senderId);
        who.setCustomerId(customer.id);
        await this.record(tx, fx, {
          ticketId: null,
          ticket: null,
          type: "customer.registered",
          actor: null,
          payload: { customerId: customer.id, company: customer.company, verified: false },
        });
        return [];
      }
      case "setLanguage": {
        if (who.customerId) await store.setCustomerLanguage(tx, who.customerId, intent.params.language);
        return [];
      }
      case "triage": {
        if (this.options.assist) {
          await store.scheduleJob(tx, {
            kind: "ai.triage",
            key: `ai.triage:${this.chatKey(chat)}:${now.getTime()}`,
            dueAt: now,
            payload: { chat, text: intent.params.text, language },
          });
          fx.jobsDue = true;
          return [];
        }
        const suggestion = this.options.offlineTriage?.(intent.params.text) ?? { category: null };
        return [triageDone(suggestion)];
      }
      case "transcribe": {
        if (this.options.assist && intent.params.attachment.ref) {
          await store.scheduleJob(tx, {
            kind: "ai.transcribe",
            key: `ai.transcribe:${this.chatKey(chat)}:${now.getTime()}`,
            dueAt: now,
            payload: { chat, attachment: intent.params.attachment },
          });
          fx.jobsDue = true;
          return [];
        }
        return [{ type: "xstate.done.actor.transcribe", output: null }];
      }
      case "openTicket":
        return this.openTicket(tx, chat, intent.params.draft, fx, who);
      case "appendToTicket": {
        const ticket = await store.findTicket(tx, intent.params.number);
        if (!ticket) return [];
        await this.record(tx, fx, {
          ticketId: ticket.id,
          ticket: ticket.number,
          type: "customer.message",
          actor: "customer",
          payload: { text: intent.params.text, attachments: intent.params.attachments },
        });
        await this.notifyDesks(tx, fx, {
          event: "customer.message",
          ticket: ticket.number,
          text: intent.params.text,
          attachments: intent.params.attachments,
        });
        if (ticket.status === "waiting-on-customer") {
          await this.runTicket(tx, ticket, { type: "customer.message" }, fx);
        }
        return [];
      }
      case "recordConsent": {
        await this.record(tx, fx, {
          ticketId: null,
          ticket: null,
          type: "customer.consent",
          actor: "customer",
          payload: { accepted: intent.params.accepted, quote: intent.params.quote, chat: this.chatKey(chat) },
        });
        return [];
      }
      case "recordFeedback": {
        const ticket = await store.findTicket(tx, intent.params.number);
        if (!ticket) return [];
        await store.recordFeedback(tx, {
          ticketId: ticket.id,
          rating: intent.params.rating,
          comment: intent.params.comment,
          at: now,
        });
        await this.record(tx, fx, {
          ticketId: ticket.id,
          ticket: ticket.number,
          type: "feedback.recorded",
          actor: "customer",
          payload: { rating: intent.params.rating, comment: intent.params.comment },
        });
        await this.notifyDesks(tx, fx, {
          event: "ticket.updated",
          ticket: ticket.number,
          change: `feedback ${intent.params.rating}/5`,
        });
        return [];
      }
    }
  }

  private async openTicket(
    tx: Tx,
    chat: ChatRef,
    draft: TicketDraft,
    fx: Effects,
    who: { readonly customerId: string | null },
  ): Promise<ConversationEvent[]> {
    const now = this.clock.now();
    if (!who.customerId) throw new RuntimeError("no-customer", "a ticket needs an identified customer");
    const year = DateTime.fromJSDate(now, { zone: this.policy.timezone }).year;
    const number = await store.nextTicketNumber(tx, this.policy.ticketPrefix, year);
    const callbackHours = this.policy.sla.callbackWithinHours;
    const ticket = await store.createTicket(tx, {
      number,
      policy: this.policy.id,
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
      customerId: who.customerId,
      channel: chat.channel,
      chatId: chat.chatId,
      salesRep: draft.salesRep,
      // The callback promise starts when the request reaches support (after any authorization).
      callbackDueAt:
        callbackHours && draft.status === "open" ? new Date(now.getTime() + callbackHours * 3_600_000) : null,
      at: now,
    });
    // The intake messages of this chat belong to the ticket's transcript.
    await tx.message.updateMany({
      where: { channel: chat.channel, chatId: chat.chatId, ticketId: null },
      data: { ticketId: ticket.id },
    });
    await this.record(tx, fx, {
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
    const opened = await this.runTicket(
      tx,
      ticket,
      { type: "open", requiresAuthorization: draft.status === "awaiting-authorization" },
      fx,
    );
    await this.notifyDesks(tx, fx, { event: "ticket.opened", ticket: number });
    if (opened.status === "open") {
      await store.scheduleJob(tx, {
        kind: "ticket.escalate",
        key: `ticket.escalate:${number}`,
        // Service minutes of the levels that serve this request (no weekend minutes without weekend service).
        dueAt: addServiceMinutes(
          this.policy,
          now,
          this.policy.sla.escalateUnclaimedAfterServiceMinutes,
          servedBy(draft.coverage),
        ),
        payload: { number },
      });
    }
    if (ticket.callbackDueAt && opened.status === "open") {
      await store.scheduleJob(tx, {
        kind: "ticket.callback",
        key: `ticket.callback:${number}`,
        dueAt: ticket.callbackDueAt,
        payload: { number },
      });
    }
    if (draft.pageOnCall) await this.page(tx, fx, number, 0);
    return [{ type: "ticket.opened", number, status: opened.status, at: now.toISOString() }];
  }

  private async page(tx: Tx, fx: Effects, number: string, repeat: number): Promise<void> {
    const now = this.clock.now();
    const ticket = await store.findTicket(tx, number);
    const technician = await store.onCallAt(tx, now);
    await this.record(tx, fx, {
      ticketId: ticket?.id ?? null,
      ticket: number,
      type: "oncall.paged",
      actor: null,
      payload: { technician: technician?.name ?? null, repeat },
    });
    await this.notifyDesks(tx, fx, {
      event: "oncall.paged",
      ticket: number,
      repeat,
      technicianId: technician?.id ?? null,
    });
    if (repeat < this.policy.sla.pageMaxRepeats) {
      await store.scheduleJob(tx, {
        kind: "oncall.repage",
        key: `oncall.repage:${number}`,
        dueAt: new Date(now.getTime() + this.policy.sla.pageRepeatMinutes * 60_000),
        payload: { number, repeat: repeat + 1 },
      });
    }
  }

  private async record(
    tx: Tx,
    fx: Effects,
    e: {
      ticketId: string | null;
      ticket: string | null;
      type: string;
      actor: string | null;
      payload: Record<string, unknown>;
    },
  ): Promise<void> {
    const at = this.clock.now();
    await store.recordEvent(tx, {
      ticketId: e.ticketId,
      type: e.type,
      actor: e.actor,
      payload: { ...e.payload, ticket: e.ticket },
      at,
    });
    fx.events.push({ type: e.type, ticket: e.ticket, payload: e.payload, at });
  }

  /** One durable notification job per desk, so a failing desk never blocks or repeats another. */
  private async notifyDesks(
    tx: Tx,
    fx: Effects,
    payload: Record<string, unknown> & { event: DeskEvent["type"]; ticket: string },
  ): Promise<void> {
    const now = this.clock.now();
    for (const desk of this.desks) {
      await store.scheduleJob(tx, {
        kind: "desk.notify",
        key: `desk:${desk.name}:${payload.event}:${payload.ticket}:${now.getTime()}:${Math.random().toString(36).slice(2, 8)}`,
        dueAt: now,
        payload: { ...payload, desk: desk.name },
      });
      fx.jobsDue = true;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Ticket machine

  /** The ticket machine's context; the customer's plans and monthly usage only matter for a charge. */
  private async ticketContext(tx: Tx, ticket: store.TicketRow, forCharge = false): Promise<TicketContext> {
    const customer = forCharge ? await store.getCustomer(tx, ticket.customerId) : null;
    const technician = ticket.assigneeId ? await store.findTechnician(tx, { id: ticket.assigneeId }) : null;
    const coverage = JSON.parse(ticket.coverage) as Record<string, unknown>;
    const plan = typeof coverage.plan === "string" ? coverage.plan : null;
    const monthStart = DateTime.fromJSDate(this.clock.now(), { zone: this.policy.timezone })
      .startOf("month")
      .toJSDate();
    return {
      number: ticket.number,
      category: ticket.category,
      plans: customer?.plans ?? [],
      coverage,
      assignee: technician ? { id: technician.id, name: technician.name } : null,
      usedThisMonthMinutes:
        plan && customer ? await store.minutesUsedThisMonth(tx, customer.id, monthStart, plan) : 0,
    };
  }

  /** Runs one ticket event; returns the new status. Throws RuntimeError("invalid-state") if not allowed. */
  private async runTicket(
    tx: Tx,
    ticket: store.TicketRow,
    event: TicketEvent,
    fx: Effects,
  ): Promise<{ status: string }> {
    const context = await this.ticketContext(tx, ticket, event.type === "close");
    const snapshot = this.ticketMachine.resolveState({ value: ticket.status as never, context });
    if (!snapshot.can(event)) {
      throw new RuntimeError(
        event.type === "claim" && ticket.status !== "open" && ticket.assigneeId
          ? "already-claimed"
          : "invalid-state",
        `cannot ${event.type} ticket ${ticket.number} while it is ${ticket.status}`,
      );
    }
    const [next, actions] = transition(this.ticketMachine, snapshot, event);
    const now = this.clock.now();
    const update: Parameters<typeof store.updateTicket>[3] = { status: String(next.value) };
    if (next.context.assignee?.id !== context.assignee?.id) {
      update.assigneeId = next.context.assignee?.id ?? null;
      if (event.type === "claim") update.claimedAt = now;
    }
    const conversationEvents: ConversationEvent[] = [];
    for (const action of actions) {
      const params = action.params as Record<string, unknown>;
      switch (action.type) {
        case "record":
          await this.record(tx, fx, {
            ticketId: ticket.id,
            ticket: ticket.number,
            type: params.event as string,
            actor: (params.actor as string | null) ?? null,
            payload: params.payload as Record<string, unknown>,
          });
          break;
        case "tellCustomer":
          await this.queueToCustomer(
            tx,
            fx,
            ticket,
            params.key as string,
            params.params as Params | undefined,
          );
          break;
        case "relayToCustomer":
          await this.queueToCustomer(
            tx,
            fx,
            ticket,
            "relay.fromTechnician",
            { technician: params.technician as string, text: params.text as string },
            params.technician as string,
            params.attachments as StoredAttachment[],
          );
          break;
        case "conversation": {
          const data = params.data as Record<string, unknown>;
          conversationEvents.push({
            ...(data as object),
            type: params.event,
            at: now.toISOString(),
          } as ConversationEvent);
          break;
        }
        case "desk":
          await this.notifyDesks(tx, fx, {
            event: params.event as DeskEvent["type"],
            ticket: ticket.number,
            change: params.change,
            ...(params.text
              ? { text: params.text, by: String(params.by ?? context.assignee?.name ?? "") }
              : {}),
            ...(params.origin ? { origin: params.origin } : {}),
          });
          break;
        case "saveClose": {
          const charge = params.charge as ReturnType<typeof computeCharge>;
          Object.assign(update, {
            // The full charge (billed minutes, plan) is kept with the coverage for desks.
            coverage: { ...JSON.parse(ticket.coverage), charge },
            minutes: params.minutes as number,
            resolution: params.resolution as string,
            category: params.category as string | null,
            chargeNetCents: charge.netCents,
            chargeVatCents: charge.vatCents,
            chargeGrossCents: charge.grossCents,
            closedAt: now,
          });
          fx.ticketsClosed++;
          break;
        }
        case "cancelTimers":
          await store.cancelJobs(
            tx,
            (params.kinds as string[]).map((kind) => `${kind}:${ticket.number}`),
          );
          break;
      }
    }
    if (next.value === "open" && ticket.status === "closed") update.closedAt = null;
    const ok = await store.updateTicket(tx, ticket.id, ticket.version, update);
    if (!ok)
      throw new RuntimeError(
        event.type === "claim" ? "already-claimed" : "conflict",
        `ticket ${ticket.number} changed concurrently`,
      );
    if (conversationEvents.length > 0) {
      await this.runConversation(
        tx,
        { channel: ticket.channel as ChannelName, chatId: ticket.chatId },
        conversationEvents,
        fx,
        {
          senderId: null,
          customerId: ticket.customerId,
        },
      );
    }
    return { status: String(next.value) };
  }

  private async queueToCustomer(
    tx: Tx,
    fx: Effects,
    ticket: store.TicketRow,
    key: string,
    params?: Params,
    author?: string,
    attachments: StoredAttachment[] = [],
  ): Promise<void> {
    const customer = await store.getCustomer(tx, ticket.customerId);
    const language: Language =
      customer?.language === "en" ? "en" : customer?.language === "it" ? "it" : this.policy.defaultLanguage;
    await store.queueOutbound(tx, {
      channel: ticket.channel,
      chatId: ticket.chatId,
      text: this.renderer.render(key, params, language),
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
      at: this.clock.now(),
      ticketId: ticket.id,
    });
    const chat = { channel: ticket.channel as ChannelName, chatId: ticket.chatId };
    fx.outbound.set(this.chatKey(chat), chat);
  }

  // -------------------------------------------------------------------------------------------
  // Staff actions (StaffActions port)

  perform = async (action: StaffAction): Promise<StaffActionResult> => {
    const located = await store.findTicket(this.db.prisma, action.ticket);
    if (!located) return { ok: false, code: "unknown-ticket", message: `no ticket ${action.ticket}` };
    const technician = await store.findTechnician(this.db.prisma, action.by);
    if (!technician)
      return { ok: false, code: "not-technician", message: "only technicians can act on tickets" };
    const tech = { id: technician.id, name: technician.name };
    let event: TicketEvent | null;
    switch (action.type) {
      case "claim":
        event = { type: "claim", technician: tech };
        break;
      case "reply": {
        const files = action.attachments?.filter((a) => a.data) ?? [];
        if (!action.text.trim() && files.length === 0)
          return { ok: false, code: "invalid-input", message: "the message is empty" };
        if (files.length > 0 && !this.options.mediaStore) {
          return {
            ok: false,
            code: "invalid-input",
            message: "files cannot be relayed: no media store configured",
          };
        }
        // Bytes go to the media store before the transaction; the outbox keeps only references.
        const stored: StoredAttachment[] = [];
        for (const file of files) {
          const ref = await this.options.mediaStore!.put(file.data!, file.name);
          stored.push({ kind: file.kind, name: file.name, ref, ...(file.mime ? { mime: file.mime } : {}) });
        }
        event = {
          type: "reply",
          technician: tech,
          text: action.text.trim(),
          ...(stored.length ? { attachments: stored } : {}),
          ...(action.origin ? { origin: action.origin } : {}),
        };
        break;
      }
      case "note":
        if (!action.text.trim()) return { ok: false, code: "invalid-input", message: "the message is empty" };
        event = { type: "note", technician: tech, text: action.text.trim() };
        break;
      case "ask":
        if (!action.text.trim()) return { ok: false, code: "invalid-input", message: "the message is empty" };
        event = {
          type: "ask",
          technician: tech,
          text: action.text.trim(),
          ...(action.origin ? { origin: action.origin } : {}),
        };
        break;
      case "close":
        if (!Number.isInteger(action.minutes) || action.minutes < 0) {
          return { ok: false, code: "invalid-input", message: "minutes must be a whole number ≥ 0" };
        }
        if (action.category && !this.policy.categories.some((c) => c.key === action.category)) {
          return { ok: false, code: "invalid-input", message: `unknown category ${action.category}` };
        }
        event = {
          type: "close",
          technician: tech,
          minutes: action.minutes,
          resolution: action.resolution.trim(),
          ...(action.category ? { category: action.category } : {}),
          ...(action.plan ? { plan: action.plan } : {}),
          ...(action.billing ? { billing: action.billing } : {}),
        };
        if (action.billing) {
          try {
            packageCharge(this.policy, action.billing);
          } catch (error) {
            if (error instanceof CoverageError)
              return { ok: false, code: "invalid-input", message: error.message };
            throw error;
          }
        }
        break;
      case "reopen":
        event = { type: "reopen", technician: tech, ...(action.reason ? { reason: action.reason } : {}) };
        break;
      case "authorize":
        if (!action.salesRep.trim())
          return { ok: false, code: "invalid-input", message: "the sales representative is required" };
        event = { type: "authorize", technician: tech, salesRep: action.salesRep.trim() };
        break;
      case "ack-page":
        event = null;
        break;
    }
    const chat = { channel: located.channel as ChannelName, chatId: located.chatId };
    try {
      const fx = await this.queue.run(this.chatKey(chat), async () => {
        const effects = newEffects();
        await this.db.prisma.$transaction(async (tx) => {
          const ticket = await store.findTicket(tx, action.ticket);
          if (!ticket) throw new RuntimeError("unknown-ticket", `no ticket ${action.ticket}`);
          if (event === null) {
            await store.cancelJobs(tx, [`oncall.repage:${ticket.number}`]);
            await this.record(tx, effects, {
              ticketId: ticket.id,
              ticket: ticket.number,
              type: "oncall.acknowledged",
              actor: tech.name,
              payload: {},
            });
            return;
          }
          await this.runTicket(tx, ticket, event, effects);
          if (event.type === "claim" || event.type === "reopen") {
            // A claimed ticket is the technician's: the escalation timer stops (also done by cancelTimers).
          }
          if (event.type === "authorize") {
            // The callback promise runs from the authorization, when the request reaches support.
            const hours = this.policy.sla.callbackWithinHours;
            if (hours) {
              const due = new Date(this.clock.now().getTime() + hours * 3_600_000);
              await tx.ticket.update({ where: { id: ticket.id }, data: { callbackDueAt: due } });
              await store.scheduleJob(tx, {
                kind: "ticket.callback",
                key: `ticket.callback:${ticket.number}`,
                dueAt: due,
                payload: { number: ticket.number },
              });
            }
            await store.scheduleJob(tx, {
              kind: "ticket.escalate",
              key: `ticket.escalate:${ticket.number}`,
              dueAt: addServiceMinutes(
                this.policy,
                this.clock.now(),
                this.policy.sla.escalateUnclaimedAfterServiceMinutes,
                servedBy(JSON.parse(ticket.coverage) as Record<string, unknown>),
              ),
              payload: { number: ticket.number },
            });
          }
        });
        return effects;
      });
      await this.afterCommit(fx);
    } catch (error) {
      if (error instanceof RuntimeError) {
        const code =
          error.code === "already-claimed"
            ? "already-claimed"
            : error.code === "unknown-ticket"
              ? "unknown-ticket"
              : "invalid-state";
        return { ok: false, code, message: error.message };
      }
      throw error;
    }
    const view = await this.getTicket(action.ticket);
    if (!view) return { ok: false, code: "unknown-ticket", message: `no ticket ${action.ticket}` };
    return { ok: true, ticket: view, ...(view.charge ? { charge: view.charge } : {}) };
  };

  listTickets = async (filter: TicketFilter, by?: TechnicianRef): Promise<TicketView[]> => {
    const prisma = this.db.prisma;
    let rows: store.TicketRow[];
    switch (filter) {
      case "open":
        rows = await store.listTicketRows(prisma, { statusNot: "closed" });
        break;
      case "unclaimed":
        rows = (await store.listTicketRows(prisma, { statusNot: "closed", assigneeId: null })).filter(
          (t) => t.status !== "closed",
        );
        break;
      case "mine": {
        const tech = by ? await store.findTechnician(prisma, by) : null;
        rows = tech ? await store.listTicketRows(prisma, { statusNot: "closed", assigneeId: tech.id }) : [];
        break;
      }
      case "today": {
        const since = DateTime.fromJSDate(this.clock.now(), { zone: this.policy.timezone })
          .startOf("day")
          .toJSDate();
        rows = await store.listTicketRows(prisma, { since });
        break;
      }
      default:
        rows = await store.listTicketRows(prisma, {});
    }
    return Promise.all(rows.map((r) => this.toView(prisma, r)));
  };

  getTicket = async (number: string): Promise<TicketView | null> => {
    const row = await store.findTicket(this.db.prisma, number);
    return row ? this.toView(this.db.prisma, row) : null;
  };

  /** Transcript of a ticket, staff replies and internal notes included (for the board). */
  transcript = async (number: string): Promise<TranscriptEntry[]> => {
    const row = await store.findTicket(this.db.prisma, number);
    if (!row) return [];
    const messages = await store.transcript(this.db.prisma, row);
    const events = await store.listEvents(this.db.prisma, { ticketId: row.id });
    const lines: TranscriptEntry[] = [
      ...messages.map((m): TranscriptEntry => {
        const staff = m.body.kind === "relay.fromTechnician";
        return {
          direction: m.direction === "in" ? "in" : staff ? "staff" : "out",
          text: m.text,
          at: m.at.toISOString(),
          ...(staff && m.body.author ? { by: m.body.author } : {}),
          attachments: m.body.attachments ?? [],
        };
      }),
      ...events
        .filter((e) => e.type === "ticket.note")
        .map(
          (e): TranscriptEntry => ({
            direction: "note",
            text: String(e.payload.text ?? ""),
            at: e.at.toISOString(),
            ...(e.actor ? { by: e.actor } : {}),
          }),
        ),
    ];
    return lines.sort((a, b) => a.at.localeCompare(b.at));
  };

  private async draftReply(assist: AssistPort, number: string): Promise<string | null> {
    const ticket = await this.getTicket(number);
    if (!ticket) return null;
    // Internal notes stay out: they are not meant for the customer and need not leave the process.
    const transcript = (await this.transcript(number))
      .filter((line) => line.direction !== "note" && line.text.trim() !== "")
      .map((line) => ({
        from:
          line.direction === "in"
            ? "customer"
            : line.direction === "staff"
              ? `technician${line.by ? ` ${line.by}` : ""}`
              : "support bot",
        text: line.text,
        at: new Date(line.at),
      }));
    if (transcript.length === 0)
      transcript.push({ from: "customer", text: ticket.description, at: new Date(ticket.createdAt) });
    const language: Language =
      ticket.customer.language === "en"
        ? "en"
        : ticket.customer.language === "it"
          ? "it"
          : this.policy.defaultLanguage;
    try {
      return (await assist.suggestReply?.({ transcript, language, ticketId: ticket.number })) ?? null;
    } catch (error) {
      this.logger.warn({ err: error, ticket: number }, "reply draft failed");
      return null;
    }
  }

  previewCharge = async (
    number: string,
    minutes: number,
    plan?: string,
    billing?: PackageBilling,
  ): Promise<ChargeView | null> => {
    const row = await store.findTicket(this.db.prisma, number);
    if (!row || !Number.isInteger(minutes) || minutes < 0) return null;
    if (billing) {
      try {
        return packageCharge(this.policy, billing);
      } catch (error) {
        if (error instanceof CoverageError) return null;
        throw error;
      }
    }
    const context = await this.ticketContext(this.db.prisma as unknown as Tx, row, true);
    const chosen = plan ?? (typeof context.coverage.plan === "string" ? context.coverage.plan : null);
    return computeCharge(this.policy, {
      minutes,
      plan: chosen === "none" ? null : chosen,
      category: row.category ?? undefined,
      usedThisMonthMinutes: context.usedThisMonthMinutes,
    });
  };

  /**
   * Bytes of an attachment of a ticket's transcript (kept in the media store), for desks. Only
   * references that belong to that ticket are served.
   */
  attachment = async (
    number: string,
    ref: string,
  ): Promise<{ bytes: Uint8Array; mime: string; name: string } | null> => {
    if (!this.options.mediaStore) return null;
    const row = await store.findTicket(this.db.prisma, number);
    if (!row) return null;
    const lines = await store.transcript(this.db.prisma, row);
    const meta = lines.flatMap((l) => l.body.attachments ?? []).find((a) => a.ref === ref);
    if (!meta) return null;
    try {
      const bytes = await this.options.mediaStore.get(ref);
      return { bytes, mime: meta.mime ?? "application/octet-stream", name: meta.name ?? "file" };
    } catch {
      return null;
    }
  };

  listCategories = async (): Promise<{ key: string; label: { it: string; en: string } }[]> =>
    this.policy.categories.map((c) => ({ key: c.key, label: { it: c.label.it, en: c.label.en } }));

  listPackages = async (): Promise<{ key: string; label: { it: string; en: string }; travel: boolean }[]> =>
    this.policy.charges.packages.map((p) => ({
      key: p.key,
      label: { it: p.label.it, en: p.label.en },
      travel: p.travel,
    }));

  setDeskRef = async (number: string, ref: Record<string, unknown>): Promise<void> => {
    await store.setTicketDeskRef(this.db.prisma, number, ref);
  };

  findTechnician = async (by: TechnicianRef) => {
    const t = await store.findTechnician(this.db.prisma, by);
    return t ? { id: t.id, name: t.name, slackUserId: t.slackUserId } : null;
  };

  listOnCall = async (from: Date, to: Date): Promise<OnCallShiftView[]> => {
    const shifts = await store.listShifts(this.db.prisma, from, to);
    return shifts.map((s) => ({
      id: s.id,
      technician: { id: s.technician.id, name: s.technician.name, slackUserId: s.technician.slackUserId },
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
    }));
  };

  setOnCall = async (
    by: TechnicianRef,
    shift: { technician: TechnicianRef; startsAt: Date; endsAt: Date },
  ): Promise<StaffActionResult | { ok: true; shift: OnCallShiftView }> => {
    const actor = await store.findTechnician(this.db.prisma, by);
    if (!actor) return { ok: false, code: "not-technician", message: "only technicians can change the rota" };
    const target = await store.findTechnician(this.db.prisma, shift.technician);
    if (!target) return { ok: false, code: "invalid-input", message: "unknown technician" };
    if (!(shift.endsAt > shift.startsAt))
      return { ok: false, code: "invalid-input", message: "a shift must end after it starts" };
    const s = await store.addShift(this.db.prisma, {
      technicianId: target.id,
      startsAt: shift.startsAt,
      endsAt: shift.endsAt,
    });
    return {
      ok: true,
      shift: {
        id: s.id,
        technician: { id: s.technician.id, name: s.technician.name, slackUserId: s.technician.slackUserId },
        startsAt: s.startsAt.toISOString(),
        endsAt: s.endsAt.toISOString(),
      },
    };
  };

  /** Durable idempotency check for platform deliveries (Slack event_id…). */
  seen = async (source: string, key: string): Promise<boolean> =>
    store.markDeliverySeen(this.db.prisma, source, key);

  private async toView(tx: Tx | Database["prisma"], row: store.TicketRow): Promise<TicketView> {
    const customer = await store.getCustomer(tx, row.customerId);
    const assignee = row.assigneeId ? await store.findTechnician(tx, { id: row.assigneeId }) : null;
    const coverage = JSON.parse(row.coverage) as Record<string, unknown>;
    const attachments = Array.isArray(coverage.attachments)
      ? (coverage.attachments as TicketView["attachments"])
      : [];
    return {
      id: row.id,
      number: row.number,
      policy: row.policy,
      status: row.status as TicketView["status"],
      category: row.category,
      priority: row.priority as TicketView["priority"],
      blocking: row.blocking,
      description: row.description,
      summary:
        typeof coverage.summary === "string" && coverage.summary
          ? coverage.summary
          : row.description.slice(0, 160),
      customer: {
        id: customer?.id ?? row.customerId,
        code: customer?.code ?? "",
        company: customer?.company ?? "?",
        contactName: customer?.contactName ?? null,
        phone: customer?.phone ?? null,
        email: customer?.email ?? null,
        language: customer?.language ?? this.policy.defaultLanguage,
        plans: customer?.plans ?? [],
        verified: customer?.verified ?? false,
      },
      channel: row.channel as ChannelName,
      chatId: row.chatId,
      coverage,
      salesRep: row.salesRep,
      assignee: assignee ? { id: assignee.id, name: assignee.name, slackUserId: assignee.slackUserId } : null,
      callbackDueAt: row.callbackDueAt?.toISOString() ?? null,
      minutes: row.minutes,
      resolution: row.resolution,
      charge:
        row.chargeGrossCents === null
          ? null
          : {
              // The charge as computed at close (covered by a plan even when an excess is billed).
              covered: chargeSchema.safeParse(coverage.charge).data?.covered ?? row.chargeGrossCents === 0,
              plan: typeof coverage.plan === "string" ? coverage.plan : null,
              billedMinutes: chargeSchema.safeParse(coverage.charge).data?.billedMinutes ?? 0,
              ...packageOfCharge(coverage.charge),
              netCents: row.chargeNetCents ?? 0,
              vatCents: row.chargeVatCents ?? 0,
              grossCents: row.chargeGrossCents,
              currency: this.policy.charges.currency,
            },
      attachments,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      openNow: availability(this.policy, this.clock.now()).open,
      deskRef: row.deskRef ? (JSON.parse(row.deskRef) as Record<string, unknown>) : null,
    };
  }

  // -------------------------------------------------------------------------------------------
  // After commit: delivery, jobs

  private async afterCommit(fx: Effects): Promise<void> {
    if (fx.events.length > 0) this.options.onEvents?.(fx.events);
    for (let i = 0; i < fx.ticketsOpened; i++) this.options.metrics?.ticketOpened();
    for (let i = 0; i < fx.ticketsClosed; i++) this.options.metrics?.ticketClosed();
    if (fx.outbound.size > 0) await this.deliverChats([...fx.outbound.values()]);
    if (fx.jobsDue && this.running) this.kickScheduler();
  }

  /**
   * Sends pending outbound messages (all due ones, or the given ids) in order per chat. A chat
   * whose message fails keeps its later messages queued, so the customer never sees them out of order.
   */
  async deliver(): Promise<{ sent: number; failed: number }> {
    const rows = await store.pendingOutbound(this.db.prisma, this.clock.now(), 500);
    const chats = new Map<string, ChatRef>();
    for (const row of rows)
      chats.set(`${row.channel}:${row.chatId}`, { channel: row.channel as ChannelName, chatId: row.chatId });
    return this.deliverChats([...chats.values()]);
  }

  private async deliverChats(chats: ChatRef[]): Promise<{ sent: number; failed: number }> {
    const totals = { sent: 0, failed: 0 };
    await Promise.all(
      chats.map((chat) =>
        // One delivery at a time per chat, reading the queue afresh inside: two concurrent
        // passes (after a commit, the scheduler, a restart) can never send a message twice.
        this.deliveryQueue.run(this.chatKey(chat), async () => {
          const result = await this.deliverChat(chat);
          totals.sent += result.sent;
          totals.failed += result.failed;
        }),
      ),
    );
    if (this.options.metrics)
      this.options.metrics.outboxDepth(await store.countPendingOutbound(this.db.prisma));
    return totals;
  }

  /** Sends a chat's pending messages oldest first, stopping at the first one not due or failing. */
  private async deliverChat(chat: ChatRef): Promise<{ sent: number; failed: number }> {
    const adapter = this.channels.get(chat.channel);
    // No adapter (channel off): messages stay pending for when the channel comes back.
    if (!adapter) return { sent: 0, failed: 0 };
    const now = this.clock.now();
    let sent = 0;
    // Marked sent in one statement per pass; a crash before it re-sends them (at-least-once).
    const delivered: string[] = [];
    for (const row of await store.pendingForChat(this.db.prisma, chat.channel, chat.chatId)) {
      if (row.nextAttemptAt && row.nextAttemptAt > now) break;
      try {
        const files = row.body.attachments?.filter((a) => a.ref) ?? [];
        const attachments: OutboundAttachment[] = [];
        for (const file of files) {
          if (!this.options.mediaStore) break;
          attachments.push({
            kind: file.kind as OutboundAttachment["kind"],
            name: file.name ?? "file",
            data: await this.options.mediaStore.get(file.ref!),
            ...(file.mime ? { mime: file.mime } : {}),
          });
        }
        const message: OutboundMessage = {
          channel: chat.channel,
          chatId: chat.chatId,
          text: row.text,
          outboxId: row.id,
          ...(row.body.choices ? { choices: row.body.choices } : {}),
          ...(attachments.length ? { attachments } : {}),
        };
        await adapter.send(message);
        delivered.push(row.id);
        this.options.metrics?.messageOut(chat.channel);
        sent++;
      } catch (error) {
        const permanent = error instanceof ChannelSendError && error.permanent;
        const attempt = row.attempts + 1;
        const delay =
          error instanceof ChannelSendError && error.retryAfterMs !== undefined
            ? error.retryAfterMs
            : (this.options.retryDelayMs ?? ((n) => Math.min(60_000 * 2 ** (n - 1), 3_600_000)))(attempt);
        const retryAt =
          permanent || attempt >= MAX_DELIVERY_ATTEMPTS ? null : new Date(this.clock.now().getTime() + delay);
        await store.markDelivered(this.db.prisma, delivered.splice(0), this.clock.now());
        await store.markDeliveryFailed(this.db.prisma, row.id, (error as Error).message, retryAt);
        this.logger.warn(
          { err: error, channel: chat.channel, chat: chat.chatId, retryAt },
          "delivery failed",
        );
        // A permanently failed message no longer holds back the ones after it.
        if (retryAt) return { sent, failed: 1 };
      }
    }
    await store.markDelivered(this.db.prisma, delivered, this.clock.now());
    return { sent, failed: 0 };
  }

  /** Runs every job due now (and retries due deliveries); returns how many jobs ran. */
  runDueJobs(): Promise<number> {
    // One pass at a time: a pass started while another runs waits for it and then runs again.
    const previous = this.jobsRunning ?? Promise.resolve(0);
    const next = previous.then(() => this.runDueJobsOnce());
    this.jobsRunning = next.finally(() => {
      if (this.jobsRunning === next) this.jobsRunning = null;
    });
    return next;
  }

  private async runDueJobsOnce(): Promise<number> {
    let ran = 0;
    for (let round = 0; round < 20; round++) {
      const jobs = await store.dueJobs(this.db.prisma, this.clock.now());
      if (jobs.length === 0) break;
      for (const job of jobs) {
        ran++;
        try {
          await this.runJob(job);
          await store.completeJob(this.db.prisma, job.id, this.clock.now());
        } catch (error) {
          const attempt = job.attempts + 1;
          const retryAt =
            attempt >= 10
              ? null
              : new Date(this.clock.now().getTime() + Math.min(5_000 * 2 ** attempt, 600_000));
          await store.failJob(this.db.prisma, job.id, (error as Error).message, retryAt);
          this.logger.warn({ err: error, job: job.kind, key: job.key, retryAt }, "job failed");
        }
      }
    }
    await this.deliver();
    return ran;
  }

  private async runJob(job: store.JobRow): Promise<void> {
    const p = job.payload;
    switch (job.kind) {
      case "desk.notify":
        return this.runDeskJob(p);
      case "ticket.escalate":
        return this.ticketJob(String(p.number), {
          type: "escalate",
          afterServiceMinutes: this.policy.sla.escalateUnclaimedAfterServiceMinutes,
        });
      case "ticket.callback":
        return this.ticketJob(String(p.number), { type: "callback.overdue" });
      case "oncall.repage": {
        const number = String(p.number);
        const ticket = await store.findTicket(this.db.prisma, number);
        if (ticket?.status !== "open") return;
        const fx = newEffects();
        await this.db.prisma.$transaction((tx) => this.page(tx, fx, number, Number(p.repeat ?? 1)));
        return this.afterCommit(fx);
      }
      case "ai.triage":
        return this.aiTriageJob(p);
      case "ai.transcribe":
        return this.aiTranscribeJob(p);
      default:
        this.logger.warn({ kind: job.kind }, "unknown job kind ignored");
    }
  }

  private async ticketJob(number: string, event: TicketEvent): Promise<void> {
    const ticket = await store.findTicket(this.db.prisma, number);
    if (!ticket) return;
    const chat = { channel: ticket.channel as ChannelName, chatId: ticket.chatId };
    const fx = await this.queue.run(this.chatKey(chat), async () => {
      const effects = newEffects();
      await this.db.prisma.$transaction(async (tx) => {
        const fresh = await store.findTicket(tx, number);
        if (!fresh) return;
        const context = await this.ticketContext(tx, fresh);
        if (!this.ticketMachine.resolveState({ value: fresh.status as never, context }).can(event)) return;
        await this.runTicket(tx, fresh, event, effects);
      });
      return effects;
    });
    await this.afterCommit(fx);
  }

  private async runDeskJob(p: Record<string, unknown>): Promise<void> {
    const desk = this.desks.find((d) => d.name === p.desk);
    if (!desk) return;
    const ticket = await this.getTicket(String(p.ticket));
    if (!ticket) return;
    let event: DeskEvent;
    switch (p.event) {
      case "ticket.opened":
        event = { type: "ticket.opened", ticket };
        break;
      case "customer.message":
        event = {
          type: "customer.message",
          ticket,
          text: String(p.text ?? ""),
          attachments: (p.attachments as TicketView["attachments"]) ?? [],
        };
        break;
      case "staff.reply":
        event = {
          type: "staff.reply",
          ticket,
          text: String(p.text ?? ""),
          by: String(p.by ?? ""),
          ...(typeof p.origin === "string" && p.origin ? { origin: p.origin } : {}),
        };
        break;
      case "oncall.paged": {
        const technician = p.technicianId ? await this.findTechnician({ id: String(p.technicianId) }) : null;
        // The phone line of the service level that pages (a contact with `when: <level key>`).
        const paging = new Set(this.policy.serviceLevels.filter((l) => l.pageOnCall).map((l) => l.key));
        const line =
          this.policy.contacts.find((c) => c.kind === "phone" && paging.has(c.when))?.value ?? null;
        event = {
          type: "oncall.paged",
          ticket,
          technician,
          onCallLine: line,
          repeat: Number(p.repeat ?? 0),
        };
        break;
      }
      case "ticket.escalated":
        event = {
          type: "ticket.escalated",
          ticket,
          afterServiceMinutes: this.policy.sla.escalateUnclaimedAfterServiceMinutes,
        };
        break;
      default:
        event = { type: "ticket.updated", ticket, change: String(p.change ?? "") };
    }
    await desk.notify(event);
  }

  private async aiTriageJob(p: Record<string, unknown>): Promise<void> {
    const chat = p.chat as ChatRef;
    let suggestion: TriageSuggestion;
    try {
      suggestion = await this.options.assist!.triage({
        description: String(p.text ?? ""),
        language: (p.language as Language) ?? "it",
      });
    } catch (error) {
      this.logger.warn({ err: error }, "AI triage failed; offline classifier used");
      suggestion = this.options.offlineTriage?.(String(p.text ?? "")) ?? { category: null };
    }
    await this.deliverToConversation(chat, triageDone(suggestion));
  }

  private async aiTranscribeJob(p: Record<string, unknown>): Promise<void> {
    const chat = p.chat as ChatRef;
    const attachment = p.attachment as AttachmentMeta;
    let result: { text: string } | null = null;
    try {
      if (attachment.ref && this.options.mediaStore) {
        const audio = await this.options.mediaStore.get(attachment.ref);
        result = await this.options.assist!.transcribe({
          audio,
          mime: attachment.mime ?? "audio/ogg",
          name: attachment.name ?? "voice.ogg",
        });
      }
    } catch (error) {
      this.logger.warn({ err: error }, "transcription failed");
    }
    await this.deliverToConversation(chat, {
      type: "xstate.done.actor.transcribe",
      output: result?.text ? { text: result.text } : null,
    });
  }

  /** Feeds an answer from the outside world (AI, timers) to a chat's machine. */
  private async deliverToConversation(chat: ChatRef, event: ConversationEvent): Promise<void> {
    const fx = await this.queue.run(this.chatKey(chat), async () => {
      const effects = newEffects();
      await this.db.prisma.$transaction(async (tx) => {
        const row = await store.loadConversation(tx, chat.channel, chat.chatId);
        await this.runConversation(tx, chat, [event], effects, {
          senderId: null,
          customerId: row?.customerId ?? null,
        });
      });
      return effects;
    });
    await this.afterCommit(fx);
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** Starts the channels and desks (one failing never stops the others) and the scheduler. */
  async start(): Promise<void> {
    this.running = true;
    for (const channel of this.channels.values()) {
      try {
        await channel.start(this.handleInbound);
      } catch (error) {
        this.logger.error(
          { err: error, channel: channel.name },
          "channel failed to start; the others keep running",
        );
      }
    }
    for (const desk of this.desks) {
      try {
        await desk.start(this);
      } catch (error) {
        this.logger.error({ err: error, desk: desk.name }, "desk failed to start; the others keep running");
      }
    }
    this.kickScheduler();
  }

  private kickScheduler(delayMs = 0): void {
    if (!this.running) return;
    if (this.schedulerTimer) clearTimeout(this.schedulerTimer);
    this.schedulerTimer = setTimeout(() => {
      this.schedulerTimer = null;
      void this.runDueJobs()
        .catch((error) => this.logger.error({ err: error }, "scheduler pass failed"))
        .then(async () => {
          const next = await store.nextJobDue(this.db.prisma).catch(() => null);
          const wait = next ? Math.max(0, next.getTime() - this.clock.now().getTime()) : 30_000;
          this.kickScheduler(Math.min(wait, 30_000));
        });
    }, delayMs);
    this.schedulerTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.schedulerTimer) clearTimeout(this.schedulerTimer);
    this.schedulerTimer = null;
    await this.jobsRunning?.catch(() => 0);
    for (const channel of this.channels.values()) await channel.stop().catch(() => undefined);
    for (const desk of this.desks) await desk.stop().catch(() => undefined);
  }

  channelStates() {
    return [...this.channels.values()].map((c) => ({ name: c.name, state: c.state() }));
  }
}

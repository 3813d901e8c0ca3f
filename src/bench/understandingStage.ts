/**
 * The stage of the understanding benchmark: one preset's real runtime (the story runner's
 * composition: real database, real machines, offline triage, simulated clock) with a WhatsApp and
 * a Telegram local channel. Each corpus entry talks on its own chat; after every message the
 * stage reads what a customer and the staff could see: the locale keys of the replies (stored on
 * each outbound row), the chat's stored conversation snapshot, its ticket and the domain events.
 */
import { detectLanguage } from "../ai/classifier.js";
import { createOfflineTriage } from "../app/offlineTriage.js";
import { LocalChannel } from "../channels/local/localChannel.js";
import type { ChannelName, OutboundMessage } from "../channels/port.js";
import type { Database } from "../data/database.js";
import * as store from "../data/supportStore.js";
import { silentLogger } from "../observability/logger.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { SimulatedClock } from "../runtime/clock.js";
import { SupportRuntime } from "../runtime/supportRuntime.js";

/** A domain event as the runtime reports it (payload fields spread). */
export type StageEvent = Record<string, unknown> & { type: string; ticket: string | null };

/** One chat of one (simulated) customer. */
export interface Chat {
  channel: ChannelName;
  chatId: string;
  senderId: string;
  customerId: string | null;
}

/** What one customer message produced. */
export interface Turn {
  /** Locale keys of the replies, in order. */
  keys: string[];
  texts: string[];
  events: StageEvent[];
}

/** The chat's stored machine state. */
export interface Snapshot {
  value: unknown;
  context: Record<string, unknown> & {
    prompt?: { key: string; choices?: { id: string }[] } | null;
    draft?: Record<string, unknown> | null;
    identity?: {
      company: string | null;
      contactName?: string | null;
      phone?: string | null;
      email?: string | null;
    } | null;
    feedback?: { ticket: string; rating: number | null } | null;
  };
}

/** The facts of a chat's ticket the benchmark reads. */
export interface StageTicket {
  number: string;
  category: string | null;
  blocking: boolean;
  description: string;
  coverage: Record<string, unknown>;
}

/** A purchase of a simulated customer. */
export interface StagePurchase {
  item: string;
  date: string;
  warrantyMonths: number;
}

let serial = 0;

/** One preset's runtime, shared by every entry played on it (each on its own chat). */
export class Stage {
  readonly events: StageEvent[] = [];
  private readonly runtime: SupportRuntime;
  private readonly channels: Record<"whatsapp" | "telegram", LocalChannel>;
  private readonly clock: SimulatedClock;
  private readonly sentOrder = new Map<string, number>();
  /** Outbound rows already read, by chat. */
  private readonly seenOutbound = new Map<string, Set<string>>();

  constructor(
    private readonly db: Database,
    readonly policyName: string,
    at: string,
  ) {
    const policy = loadPolicy(policyName);
    this.clock = new SimulatedClock(at);
    const now = () => this.clock.now();
    // The order the replies were sent in (rows of one turn share their time).
    const onSend = (m: OutboundMessage) => {
      if (m.outboxId) this.sentOrder.set(m.outboxId, this.sentOrder.size);
    };
    this.channels = {
      whatsapp: new LocalChannel({ as: "whatsapp", now, onSend }),
      telegram: new LocalChannel({ as: "telegram", now, onSend }),
    };
    this.runtime = new SupportRuntime({
      db,
      policy,
      clock: this.clock,
      logger: silentLogger,
      channels: [this.channels.whatsapp, this.channels.telegram],
      offlineTriage: createOfflineTriage(policy),
      detectLanguage,
      onEvents: (batch) => {
        for (const e of batch) this.events.push({ ...e.payload, type: e.type, ticket: e.ticket });
      },
    });
  }

  start(): Promise<void> {
    return this.runtime.start();
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }

  /** A new chat: a known customer on WhatsApp (with plans and purchases), or an unknown sender. */
  async newChat(options: {
    channel?: "whatsapp" | "telegram";
    customer?: { language: "it" | "en"; plans: string[]; purchases?: StagePurchase[]; company?: string };
    /** Link the chat to this existing customer instead. */
    customerId?: string;
  }): Promise<Chat> {
    serial++;
    const channel = options.channel ?? "whatsapp";
    const phone = `+39333${String(9_000_000 + serial).padStart(7, "0")}`;
    const senderId = channel === "whatsapp" ? phone : String(800_000_000 + serial);
    const chatId = channel === "whatsapp" ? `${phone.slice(1)}@c.us` : senderId;
    let customerId = options.customerId ?? null;
    const customer = options.customer;
    if (customer || customerId) {
      customerId = await this.db.transaction(async (tx) => {
        const id = customer
          ? (
              await store.createCustomer(tx, {
                company: customer.company ?? `Negozio ${serial}`,
                contactName: null,
                phone,
                language: customer.language,
                plans: customer.plans,
                verified: true,
                purchases: (customer.purchases ?? []).map((p) => ({
                  item: p.item,
                  purchasedOn: p.date,
                  warrantyMonths: p.warrantyMonths,
                })),
              })
            ).id
          : customerId!;
        await store.linkIdentity(tx, id, channel, senderId);
        return id;
      });
    }
    return { channel, chatId, senderId, customerId };
  }

  /** Marks every reply sent to the chat so far as read (the next turn reports only its own). */
  async settle(chat: Chat): Promise<void> {
    await this.readFresh(chat);
  }

  /** Sends a typed message, or taps the choice `{ choice }`, and returns what it produced. */
  async say(chat: Chat, text: string | { choice: string }): Promise<Turn> {
    const channel = this.channels[chat.channel as "whatsapp" | "telegram"];
    const eventsBefore = this.events.length;
    serial++;
    const message = channel.message(chat.chatId, typeof text === "string" ? text : "", {
      senderId: chat.senderId,
      platformMessageId: `understanding-${serial}`,
      at: this.clock.now(),
      ...(typeof text === "string" ? {} : { choice: text.choice }),
    });
    // The reply is in the outbox once `receive` resolves. Jobs (desk notifications, SLA timers)
    // are not run: no AI is configured, so none of them changes what the customer is asked.
    await channel.receive(message);
    const fresh = await this.readFresh(chat);
    return {
      keys: fresh.map((r) => {
        const body = JSON.parse(r.body) as { kind?: unknown };
        return typeof body.kind === "string" ? body.kind : "";
      }),
      texts: fresh.map((r) => r.text),
      events: this.events.slice(eventsBefore),
    };
  }

  /** The replies sent to the chat since the last read, in the order they were sent. */
  private async readFresh(chat: Chat): Promise<{ id: string; text: string; body: string }[]> {
    const key = `${chat.channel}:${chat.chatId}`;
    const before = this.seenOutbound.get(key) ?? new Set<string>();
    this.seenOutbound.set(key, before);
    // Raw reads on the runtime's own connection: the benchmark stays fast (no ORM per turn).
    const rows = (await this.db.session(async (tx) =>
      tx.rows(
        `SELECT "id", "text", "body" FROM "Message" WHERE "channel" = ? AND "chatId" = ? AND "direction" = 'out'`,
        chat.channel,
        chat.chatId,
      ),
    )) as { id: string; text: string; body: string }[];
    const order = (id: string) => this.sentOrder.get(id) ?? Number.MAX_SAFE_INTEGER;
    const fresh = rows.filter((r) => !before.has(r.id)).sort((a, b) => order(a.id) - order(b.id));
    for (const r of fresh) before.add(r.id);
    return fresh;
  }

  /** The chat's stored conversation (state value and context), or null before its first message. */
  async snapshot(chat: Chat): Promise<Snapshot | null> {
    const row = await this.db.session((tx) => store.loadConversation(tx, chat.channel, chat.chatId));
    if (!row) return null;
    return JSON.parse(row.snapshot) as Snapshot;
  }

  /** The latest ticket opened from this chat. */
  async ticket(chat: Chat): Promise<StageTicket | null> {
    const row = await this.db.session(async (tx) =>
      tx.row(
        `SELECT "number", "category", "blocking", "description", "coverage" FROM "Ticket" WHERE "channel" = ? AND "chatId" = ? ORDER BY "createdAt" DESC LIMIT 1`,
        chat.channel,
        chat.chatId,
      ),
    );
    if (!row) return null;
    return {
      number: String(row.number),
      category: (row.category as string | null) ?? null,
      blocking: row.blocking === true || row.blocking === 1,
      description: String(row.description ?? ""),
      coverage: JSON.parse(String(row.coverage ?? "{}")) as Record<string, unknown>,
    };
  }

  /** The customer this chat's sender is linked to now (after a sign-up, the new one). */
  async customerOf(chat: Chat): Promise<Record<string, string | null> | null> {
    const row = await this.db.session(async (tx) =>
      tx.row(
        `SELECT c."company", c."contactName", c."phone", c."email" FROM "ChannelIdentity" i JOIN "Customer" c ON c."id" = i."customerId" WHERE i."channel" = ? AND i."externalId" = ?`,
        chat.channel,
        chat.senderId,
      ),
    );
    if (!row) return null;
    const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
    return {
      company: text(row.company),
      contactName: text(row.contactName),
      phone: text(row.phone),
      email: text(row.email),
    };
  }

  /** A technician claims and closes the ticket (the chat then asks for a rating, if the preset does). */
  async claimAndClose(number: string): Promise<void> {
    await store.upsertTechnician(this.db, { name: "marco" });
    for (const action of [
      { type: "claim" as const, ticket: number, by: { name: "marco" } },
      { type: "close" as const, ticket: number, by: { name: "marco" }, minutes: 20, resolution: "risolto" },
    ]) {
      const result = await this.runtime.perform(action);
      if (!result.ok) throw new Error(`staff ${action.type} on ${number} failed: ${result.code}`);
    }
    await this.runtime.runDueJobs();
  }
}

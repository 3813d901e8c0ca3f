/**
 * The test harness: the real runtime, composed exactly as `npm start`, the story runner and the
 * terminal chat compose it ({@link composeRuntime}), on a fresh test database (SQLite, or
 * PostgreSQL with SPORTELLO_TEST_DB=postgres) and a simulated clock. Channels given by name are
 * local chats that record what the bot sends; real adapters (against the fake platform servers)
 * are passed as they are. Customers are created through the production store and talk through
 * {@link HarnessCustomer.say}.
 *
 *   const h = await createHarness({ policy: "leotron", channels: ["whatsapp"] });
 *   const giulia = await h.customer({ phone: "+393331110001" });
 *   await giulia.say("La stampante non stampa");
 *   expect(giulia.fresh().map((m) => m.text)).toContain(...);
 *   await h.stop();
 */
import { composeRuntime, type RuntimeComposition } from "../../src/app/composeRuntime.js";
import { LocalChannel } from "../../src/channels/local/localChannel.js";
import type {
  ChannelAdapter,
  ChannelName,
  InboundMessage,
  OutboundMessage,
} from "../../src/channels/port.js";
import type { Database } from "../../src/data/database.js";
import * as store from "../../src/data/supportStore.js";
import { silentLogger } from "../../src/observability/logger.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import type { Policy } from "../../src/policy/schema.js";
import { type Clock, SimulatedClock } from "../../src/runtime/clock.js";
import type { DomainEvent, SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { createTestDatabase, type TestDatabase } from "./testDatabase.js";

/** A Tuesday morning, support open (leotron and leghorn hours). */
export const TUESDAY_MORNING = "2027-03-30T10:00:00+02:00";

export interface HarnessOptions
  extends Partial<Omit<RuntimeComposition, "db" | "policy" | "clock" | "channels" | "desks">> {
  /** A preset id (policies/*.yaml) or a loaded policy; default "leotron". */
  policy?: string | Policy;
  /** Channels: a name is a local chat pretending to be that channel; default ["whatsapp"]. */
  channels?: (ChannelName | ChannelAdapter)[];
  desks?: RuntimeComposition["desks"];
  /** The clock: a start instant for a simulated clock (default {@link TUESDAY_MORNING}) or a clock. */
  clock?: string | Date | Clock;
  /** A database the test file shares between harnesses (left open by stop()); default a fresh one. */
  database?: TestDatabase;
  /**
   * Start the runtime (channels, desks, scheduler); default true. With false the test starts
   * what it needs itself (e.g. `h.local().start(h.runtime.handleInbound)` so jobs run only when
   * it says so).
   */
  start?: boolean;
}

/** A customer known to the runtime, with a chat on one channel. */
export interface HarnessCustomer {
  id: string;
  phone: string;
  /** The chat as the channel names it (WhatsApp: the phone without "+" and "@c.us"). */
  chatId: string;
  senderId: string;
  channel: LocalChannel;
  /** The customer writes; resolves once the runtime has durably processed the message. */
  say(text: string, extra?: Partial<Omit<InboundMessage, "channel" | "chatId" | "text">>): Promise<void>;
  /** Every message the bot sent to this chat, oldest first. */
  sent(): OutboundMessage[];
  /** Messages sent to this chat since the last call. */
  fresh(): OutboundMessage[];
}

export interface Harness {
  db: Database;
  database: TestDatabase;
  policy: Policy;
  /** The clock; `advance` and `set` throw when the test gave a real clock. */
  clock: MovableClock;
  runtime: SupportRuntime;
  /** The domain events recorded so far (also passed on to `onEvents` when given). */
  events: DomainEvent[];
  /** The local chat standing for `name` (the first local channel when absent). */
  local(name?: ChannelName): LocalChannel;
  /** Creates a verified customer (production store) reachable on a local channel. */
  customer(options?: CustomerOptions): Promise<HarnessCustomer>;
  /** Runs every job due now (timers, desk notifications, AI work). */
  runDueJobs(): Promise<number>;
  /** Stops the runtime; drops the database when the harness created it. */
  stop(): Promise<void>;
}

export interface CustomerOptions {
  phone?: string;
  company?: string;
  contactName?: string;
  language?: "it" | "en";
  plans?: string[];
  /** The local channel the customer writes on (default the first). */
  on?: ChannelName;
  /** Not in the customer file: the bot meets a stranger. */
  unknown?: boolean;
}

/** A clock tests can move ({@link SimulatedClock}'s shape). */
export type MovableClock = Clock & Pick<SimulatedClock, "advance" | "set">;

let customerCounter = 0;

function movable(clock: string | Date | Clock): MovableClock {
  if (typeof clock === "string" || clock instanceof Date) return new SimulatedClock(clock);
  if (clock instanceof SimulatedClock) return clock;
  const fixed = () => {
    throw new Error("the harness runs on a real clock: it cannot be moved");
  };
  return { now: () => clock.now(), advance: fixed, set: fixed };
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const {
    policy: presetOrPolicy = "leotron",
    channels: channelSpecs = ["whatsapp"],
    clock: clockOption = TUESDAY_MORNING,
    database: shared,
    start = true,
    onEvents,
    ...composition
  } = options;
  const policy = typeof presetOrPolicy === "string" ? loadPolicy(presetOrPolicy) : presetOrPolicy;
  const clock = movable(clockOption);
  const database = shared ?? (await createTestDatabase());
  const locals = new Map<ChannelName, LocalChannel>();
  const channels = channelSpecs.map((spec) => {
    if (typeof spec !== "string") return spec;
    const local = new LocalChannel({ as: spec, now: () => clock.now() });
    locals.set(spec, local);
    return local;
  });
  const events: DomainEvent[] = [];
  const runtime = composeRuntime({
    logger: silentLogger,
    ...composition,
    db: database.db,
    policy,
    clock,
    channels,
    onEvents: (batch) => {
      events.push(...batch);
      onEvents?.(batch);
    },
  });
  if (start) await runtime.start();

  const local = (name?: ChannelName) => {
    const channel = name ? locals.get(name) : locals.values().next().value;
    if (!channel) throw new Error(`the harness has no local ${name ?? ""} channel`);
    return channel;
  };

  return {
    db: database.db,
    database,
    policy,
    clock,
    runtime,
    events,
    local,
    async customer(c = {}) {
      const n = ++customerCounter;
      const phone = c.phone ?? `+39333${8_000_000 + n}`;
      const channel = local(c.on);
      const senderId = channel.name === "whatsapp" ? phone : `${channel.name}-customer-${n}`;
      const chatId = channel.name === "whatsapp" ? `${phone.slice(1)}@c.us` : senderId;
      let id = "";
      if (!c.unknown) {
        const record = await database.db.transaction((tx) =>
          store.createCustomer(tx, {
            company: c.company ?? `Bar ${n}`,
            contactName: c.contactName ?? null,
            phone,
            language: c.language ?? "it",
            plans: c.plans ?? ["standard"],
            verified: true,
          }),
        );
        id = record.id;
        if (channel.name !== "whatsapp")
          await store.linkIdentity(database.db, record.id, channel.name, senderId);
      }
      let messages = 0;
      let seen = 0;
      const sent = () => channel.sent.filter((m) => m.chatId === chatId);
      return {
        id,
        phone,
        chatId,
        senderId,
        channel,
        say: (text, extra = {}) =>
          channel.receive(
            channel.message(chatId, text, {
              senderId,
              platformMessageId: `${chatId}-${++messages}`,
              ...extra,
            }),
          ),
        sent,
        fresh() {
          const all = sent();
          const out = all.slice(seen);
          seen = all.length;
          return out;
        },
      };
    },
    runDueJobs: () => runtime.runDueJobs(),
    async stop() {
      await runtime.stop();
      if (!shared) await database.drop();
    },
  };
}

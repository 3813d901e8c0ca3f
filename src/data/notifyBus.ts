/**
 * The instances' event bus on PostgreSQL: one LISTEN connection per instance, reconnected with
 * backoff when it drops, and `pg_notify` to publish (used by coordination.ts to fan
 * web chat replies and other events out to every instance).
 */
import type { EventEmitter } from "node:events";
import pg from "pg";
import type { BusState } from "./coordination.js";
import { toPostgres } from "./pgTx.js";
import { qb, statement } from "./schema/queryBuilder.js";

/** Largest NOTIFY payload we send (PostgreSQL's limit is 8,000 bytes). */
export const MAX_NOTIFY_BYTES = 7900;

/** A topic name usable with LISTEN (an unquoted-style identifier). */
export const TOPIC_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Sends `payload` to the instances listening on `topic`. */
const NOTIFY = statement<{ topic: string; payload: string }>((p) =>
  qb.selectNoFrom((eb) => eb.fn("pg_notify", [eb.val(p.topic), eb.val(p.payload)]).as("notified")),
);
/** {@link NOTIFY} for the bus's own `pg` client, which takes `$n` placeholders. */
const NOTIFY_TEXT = toPostgres(NOTIFY.sql).text;

/** The bus as coordination uses it. */
export interface Bus {
  /** Resolves when the connection is first open (rejects if that first attempt fails). */
  ready: Promise<void>;
  listen(topic: string): void;
  publish(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** The LISTEN/NOTIFY connection, reconnected with backoff when it drops. */
export function openBus(
  url: string,
  applicationName: string,
  emitter: EventEmitter,
  onState: ((state: BusState) => void) | undefined,
): Bus {
  const topics = new Set<string>();
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 250;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let connecting: Promise<void> | null = null;

  const quote = (topic: string) => {
    if (!TOPIC_RE.test(topic)) throw new Error(`bad topic ${topic}`);
    return `"${topic}"`;
  };

  const connect = async (): Promise<void> => {
    // Pipeline mode: concurrent publishes go out without queueing behind each other's answers.
    const next = new pg.Client({
      connectionString: url,
      application_name: applicationName,
      pipeline: true,
    } as pg.ClientConfig);
    next.on("notification", (n) => {
      if (n.payload !== undefined) emitter.emit(n.channel, n.payload);
    });
    const lost = (error?: Error) => {
      if (client !== next) return;
      client = null;
      next.removeAllListeners("error");
      next.on("error", () => undefined);
      void next.end().catch(() => undefined);
      if (closed) return;
      onState?.({ ok: false, reason: `notification connection lost: ${error?.message ?? "closed"}` });
      schedule();
    };
    next.on("error", lost);
    next.on("end", () => lost());
    await next.connect();
    for (const topic of topics) await next.query(`LISTEN ${quote(topic)}`);
    client = next;
    retryMs = 250;
    onState?.({ ok: true });
  };

  const schedule = () => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connecting = connect().catch((error: Error) => {
        onState?.({ ok: false, reason: `notification connection failed: ${error.message}` });
        retryMs = Math.min(retryMs * 2, 10_000);
        schedule();
      });
    }, retryMs);
    reconnectTimer.unref();
  };

  connecting = connect().catch((error: Error) => {
    onState?.({ ok: false, reason: `notification connection failed: ${error.message}` });
    schedule();
    throw error;
  });
  const ready = connecting;
  // A failed first attempt is reported above and retried; nobody may be waiting on it.
  ready.catch(() => undefined);

  return {
    ready,
    listen(topic) {
      if (topics.has(topic)) return;
      topics.add(topic);
      client?.query(`LISTEN ${quote(topic)}`).catch(() => undefined);
    },
    async publish(topic, payload) {
      if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) throw new Error("notification payload too large");
      if (!client) await connecting?.catch(() => undefined);
      if (!client) throw new Error("notification connection is down");
      await client.query(NOTIFY_TEXT, NOTIFY.args({ topic, payload }));
    },
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}

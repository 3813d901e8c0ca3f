/**
 * Prometheus metrics of one sportello process. Each call builds its own registry so tests and
 * several servers in one process never share (or double-register) counters.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The counters the runtime increments and `/metrics` exposes. */
export interface Metrics {
  readonly registry: Registry;
  /** Customer messages received, by channel. */
  messagesIn: Counter<"channel">;
  /** Messages delivered to customers, by channel. */
  messagesOut: Counter<"channel">;
  ticketsOpened: Counter<string>;
  ticketsClosed: Counter<string>;
  /** Seconds between a customer message and the first answer to it (bot or technician). */
  replyLatency: Histogram<string>;
  /** Outbound rows not yet delivered. */
  outboxDepth: Gauge<string>;
  /** Service-hour seconds from a ticket's opening to a technician's first response, by preset. */
  firstResponseServiceSeconds: Histogram<"policy">;
  /** Prometheus text exposition of every metric in {@link registry}. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Creates the metrics; `defaultMetrics` adds the process metrics (CPU, memory, event loop). */
export function createMetrics(options: { defaultMetrics?: boolean; prefix?: string } = {}): Metrics {
  const registry = new Registry();
  const prefix = options.prefix ?? "sportello_";
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];
  const messagesIn = new Counter({
    name: `${prefix}messages_in_total`,
    help: "Customer messages received, per channel.",
    labelNames: ["channel"] as const,
    registers,
  });
  const messagesOut = new Counter({
    name: `${prefix}messages_out_total`,
    help: "Messages delivered to customers, per channel.",
    labelNames: ["channel"] as const,
    registers,
  });
  const ticketsOpened = new Counter({
    name: `${prefix}tickets_opened_total`,
    help: "Tickets opened.",
    registers,
  });
  const ticketsClosed = new Counter({
    name: `${prefix}tickets_closed_total`,
    help: "Tickets closed.",
    registers,
  });
  const replyLatency = new Histogram({
    name: `${prefix}reply_latency_seconds`,
    help: "Seconds from a customer message to the first reply to it.",
    buckets: [0.1, 0.5, 1, 2, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
    registers,
  });
  const outboxDepth = new Gauge({
    name: `${prefix}outbox_depth`,
    help: "Outbound messages waiting for delivery.",
    registers,
  });
  const firstResponseServiceSeconds = new Histogram({
    name: `${prefix}first_response_service_seconds`,
    help: "Seconds of the preset's service hours (lunch gaps, closed days and holidays excluded) from a ticket's opening to a technician's first response (claim, reply, question or close).",
    labelNames: ["policy"] as const,
    buckets: [300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 16 * 3600, 24 * 3600, 48 * 3600],
    registers,
  });
  return {
    registry,
    firstResponseServiceSeconds,
    messagesIn,
    messagesOut,
    ticketsOpened,
    ticketsClosed,
    replyLatency,
    outboxDepth,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/**
 * The runtime's metrics port (`RuntimeMetrics` in src/runtime/supportRuntime.ts) over these
 * Prometheus metrics; structural, so this module does not depend on the runtime.
 */
export function runtimeMetrics(metrics: Metrics) {
  return {
    messageIn: (channel: string) => metrics.messagesIn.inc({ channel }),
    messageOut: (channel: string) => metrics.messagesOut.inc({ channel }),
    ticketOpened: () => metrics.ticketsOpened.inc(),
    ticketClosed: () => metrics.ticketsClosed.inc(),
    replyLatency: (seconds: number) => metrics.replyLatency.observe(seconds),
    outboxDepth: (n: number) => metrics.outboxDepth.set(n),
  };
}

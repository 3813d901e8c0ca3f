/**
 * `npm run bench`: N simulated customers go through the whole intake (6 messages each, ticket
 * opened) on the real runtime and database, no network. Prints one JSON line with throughput,
 * reply latency percentiles, CPU time per message, event-loop delay p99, RSS and the memory each
 * idle conversation keeps in the process.
 *
 *   npm run bench -- --conversations 1000 --concurrency 50 [--rate 500] [--database-url URL] [--peer]
 *
 * `--peer` then runs the same customers and messages on BuilderBot (see peerBench.ts) and prints
 * its line and the ratio of the two rates.
 *
 * With `--rate N` messages are offered on a fixed schedule (message k at start + k/N s) and the
 * latency is measured from each message's scheduled send time, so queueing shows in it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { detectLanguage } from "../ai/classifier.js";
import { createOfflineTriage } from "../app/offlineTriage.js";
import { LocalChannel } from "../channels/local/localChannel.js";
import { dropPostgresSchema, migrate, openDatabase, redact } from "../data/database.js";
import { workloadCounts } from "../data/workloadCounts.js";
import { silentLogger } from "../observability/logger.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { SimulatedClock } from "../runtime/clock.js";
import { SupportRuntime } from "../runtime/supportRuntime.js";
import { benchPhones, driveConversations, percentile, seedCustomers, workloadSize } from "./benchWorkload.js";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "50" },
    rate: { type: "string" },
    "database-url": { type: "string" },
    policy: { type: "string", default: "leotron" },
    peer: { type: "boolean", default: false },
  },
});

const { conversations, concurrency } = workloadSize("bench", values);
const rate = values.rate ? Number(values.rate) : null;

const gc = (globalThis as { gc?: () => void }).gc;
const heapUsed = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};

async function main() {
  const tempDir = values["database-url"] ? null : mkdtempSync(join(tmpdir(), "sportello-bench-"));
  const url = values["database-url"] ?? `file:${join(tempDir!, "bench.db")}`;
  const db = await openDatabase(url);
  // A PostgreSQL bench database is recreated (schema dropped, migrations applied again) so runs
  // are comparable: fresh tables and indexes, as the SQLite run gets a fresh file. Emptying them
  // instead leaves the previous runs' dead rows in every index (each run slower than the last),
  // or, vacuumed, statistics saying "empty", so the pool's cached plans scan whole tables.
  if (values["database-url"]) {
    await dropPostgresSchema(db);
  }
  await migrate(db);
  const policy = loadPolicy(values.policy!);
  const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");
  let delivered = 0;
  const channel = new LocalChannel({
    as: "whatsapp",
    now: () => clock.now(),
    onSend: () => {
      delivered++;
    },
  });
  const runtime = new SupportRuntime({
    db,
    policy,
    clock,
    logger: silentLogger,
    channels: [channel],
    offlineTriage: createOfflineTriage(policy),
    detectLanguage,
  });
  await runtime.start();

  const phones = benchPhones(conversations);
  await seedCustomers(db, phones, "B");

  const heapBefore = heapUsed();
  let sentMessages = 0;
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  /** When the message should be sent: now (closed loop), or its slot on the --rate schedule. */
  const pace = async (): Promise<number> => {
    if (!rate) return performance.now();
    const due = started + (sentMessages++ / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return due;
  };
  const latencies = await driveConversations(
    phones,
    concurrency,
    (phone, index, step, text) =>
      channel.receive(
        channel.message(`${phone.slice(1)}@c.us`, text, {
          senderId: phone,
          platformMessageId: `b${index}-${step}`,
        }),
      ),
    pace,
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  eld.disable();
  await runtime.stop();
  const heapAfter = heapUsed();
  const { tickets, conversations: conversationsStored } = await workloadCounts(db);

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => percentile(latencies, p);
  const result = {
    database: db.provider === "sqlite" ? "sqlite" : redact(url),
    conversations,
    concurrency,
    rateLimit: rate,
    messages: latencies.length,
    repliesDelivered: delivered,
    ticketsOpened: tickets,
    conversationsStored,
    seconds: Math.round(seconds * 100) / 100,
    msgsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: pct(100) },
    latencyFrom: rate ? "scheduled send time" : "send call",
    cpuMsPerMessage: Math.round(((cpu.user + cpu.system) / 1000 / latencies.length) * 1000) / 1000,
    eventLoopDelayP99Ms: Math.round((eld.percentile(99) / 1e6) * 10) / 10,
    rssMB: Math.round(process.memoryUsage().rss / 1024 / 1024),
    bytesPerIdleConversation: gc ? Math.max(0, Math.round((heapAfter - heapBefore) / conversations)) : null,
  };
  console.log(JSON.stringify(result));
  if (values.peer) runPeer(result.msgsPerSecond);
  await db.close();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  if (tickets !== conversations) {
    console.error(`bench: expected ${conversations} tickets, got ${tickets}`);
    process.exitCode = 1;
  }
}

/** `--peer`: the same workload on BuilderBot right after ours (`npm run bench:peer`), and the ratio. */
function runPeer(ours: number): void {
  const peer = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "peerBench.ts"),
      "--conversations",
      String(conversations),
      "--concurrency",
      String(concurrency),
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = peer.stdout.trim().split("\n").pop() ?? "";
  console.log(line);
  const theirs = (JSON.parse(line || "{}") as { msgsPerSecond?: number }).msgsPerSecond;
  if (theirs) console.log(JSON.stringify({ sportelloVsPeer: Math.round((ours / theirs) * 100) / 100 }));
}

await main();

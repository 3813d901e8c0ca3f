/**
 * `npm run bench`: N simulated customers go through the whole intake (6 messages each, ticket
 * opened) on the real runtime and database, no network. Prints one JSON line with throughput,
 * reply latency percentiles, RSS and the memory each idle conversation keeps in the process.
 *
 *   npm run bench -- --conversations 1000 --concurrency 50 [--rate 500] [--database-url URL]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { detectLanguage } from "../ai/classifier.js";
import { createOfflineTriage } from "../app/offlineTriage.js";
import { LocalChannel } from "../channels/local/localChannel.js";
import { migrate, openDatabase, redact } from "../data/database.js";
import { silentLogger } from "../observability/logger.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { SimulatedClock } from "../runtime/clock.js";
import { SupportRuntime } from "../runtime/supportRuntime.js";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "50" },
    rate: { type: "string" },
    "database-url": { type: "string" },
    policy: { type: "string", default: "leotron" },
  },
});

const conversations = Number(values.conversations);
const concurrency = Number(values.concurrency);
const rate = values.rate ? Number(values.rate) : null;
if (
  !Number.isInteger(conversations) ||
  conversations < 1 ||
  !Number.isInteger(concurrency) ||
  concurrency < 1
) {
  console.error("bench: --conversations and --concurrency must be whole numbers ≥ 1");
  process.exit(2);
}

const SCRIPT = ["ciao", "1", "La stampante non stampa gli scontrini", "sì", "1", "grazie, attendo"];

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
  await migrate(db);
  // A PostgreSQL bench database is emptied first so runs are comparable.
  if (values["database-url"]) {
    for (const table of [
      "TicketEvent",
      "Feedback",
      "Message",
      "Ticket",
      "Conversation",
      "ChannelIdentity",
      "HardwarePurchase",
      "Job",
      "TicketCounter",
      "Customer",
    ]) {
      await db.prisma.$executeRawUnsafe(`DELETE FROM "${table}"`);
    }
  }
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

  const phones = Array.from({ length: conversations }, (_, i) => `+39333${String(i).padStart(7, "0")}`);
  for (let i = 0; i < phones.length; i += 500) {
    await db.prisma.customer.createMany({
      data: phones.slice(i, i + 500).map((phone, k) => ({
        code: `B${String(i + k).padStart(7, "0")}`,
        company: `Negozio ${i + k}`,
        phone,
        language: "it",
        plans: JSON.stringify(["standard"]),
      })),
    });
  }

  const heapBefore = heapUsed();
  const latencies: number[] = [];
  let next = 0;
  let sentMessages = 0;
  const started = performance.now();
  const pace = async () => {
    if (!rate) return;
    const due = started + (sentMessages / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };
  const worker = async () => {
    while (next < phones.length) {
      const index = next++;
      const phone = phones[index]!;
      const chat = `${phone.slice(1)}@c.us`;
      for (const [step, text] of SCRIPT.entries()) {
        sentMessages++;
        await pace();
        const t0 = performance.now();
        await channel.receive(
          channel.message(chat, text, { senderId: phone, platformMessageId: `b${index}-${step}` }),
        );
        latencies.push(performance.now() - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, conversations) }, worker));
  const seconds = (performance.now() - started) / 1000;
  await runtime.stop();
  const heapAfter = heapUsed();
  const tickets = await db.prisma.ticket.count();
  const conversationsStored = await db.prisma.conversation.count();

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 100) /
    100;
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
    rssMB: Math.round(process.memoryUsage().rss / 1024 / 1024),
    bytesPerIdleConversation: gc ? Math.max(0, Math.round((heapAfter - heapBefore) / conversations)) : null,
  };
  console.log(JSON.stringify(result));
  await db.close();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  if (tickets !== conversations) {
    console.error(`bench: expected ${conversations} tickets, got ${tickets}`);
    process.exitCode = 1;
  }
}

await main();

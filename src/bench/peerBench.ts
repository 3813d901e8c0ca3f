/**
 * `npm run bench:peer`: the same workload as `npm run bench` (same customers, same six messages,
 * same concurrency) on BuilderBot 1.3, the peer the issue compares us with: its in-memory
 * `MemoryDB` and test provider, and a keyword flow that asks what sportello's intake asks. Nothing
 * is durable there; it is the rate of a chatbot framework doing only its flow.
 *
 * BuilderBot is not a dependency of sportello: on first use it is installed into
 * `node_modules/.cache/sportello/peer` (from the npm registry, about 5 s) and reused after that.
 *
 *   npm run bench:peer -- --conversations 1000 --concurrency 50
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { benchPhones, driveConversations, percentile, workloadSize } from "./benchWorkload.js";

/** The BuilderBot release the issue measured (1.3.x, the last stable line). */
const PEER = "@builderbot/bot@1.3.13";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "50" },
  },
});
const { conversations, concurrency } = workloadSize("bench:peer", values);

/** The part of BuilderBot's API this bench uses. */
interface PeerFlow {
  addAnswer(text: string): PeerFlow;
}
interface PeerDatabase {
  save(ctx: { from: string; answer?: string }): Promise<void>;
}
interface PeerProvider {
  sendMessage(userId: string, message: string): Promise<unknown>;
  emit(event: "message", payload: { from: string; body: string; name: string }): void;
}
interface Peer {
  addKeyword(keywords: string[]): PeerFlow;
  createFlow(flows: PeerFlow[]): unknown;
  createBot(args: { flow: unknown; database: unknown; provider: PeerProvider }): Promise<unknown>;
  MemoryDB: new () => PeerDatabase;
  EVENTS: { WELCOME: string };
  TestTool: { TestProvider: new () => PeerProvider };
}

/** Installs the peer once into the cache folder and returns its module. */
function loadPeer(): Peer {
  const dir = resolve(import.meta.dirname, "../../node_modules/.cache/sportello/peer");
  if (!existsSync(join(dir, "node_modules/@builderbot/bot"))) {
    mkdirSync(dir, { recursive: true });
    console.error(`bench:peer: installing ${PEER} into ${dir}`);
    const npm = spawnSync(
      "npm",
      ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", PEER],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    if (npm.status !== 0) {
      console.error(`bench:peer: could not install ${PEER} (npm exited ${npm.status})`);
      process.exit(1);
    }
  }
  return createRequire(join(dir, "package.json"))("@builderbot/bot");
}

async function main() {
  const { addKeyword, createBot, createFlow, EVENTS, MemoryDB, TestTool } = loadPeer();
  // BuilderBot writes its own log files into the working folder.
  const workDir = mkdtempSync(join(tmpdir(), "sportello-peer-"));
  process.chdir(workDir);

  // A keyword flow, as in the measurement: every message of the intake is answered by the
  // flow its keyword selects (the problem's free text by the catch-all welcome flow).
  const flows = [
    addKeyword(["ciao", "buongiorno"]).addAnswer("Ciao! Sei già nostro cliente? 1 sì, 2 no"),
    addKeyword(["1", "2", "3"]).addAnswer("Ricevuto. Descrivi il problema, oppure scrivi grazie per finire."),
    addKeyword(["sì", "si", "no"]).addAnswer("Che priorità ha? 1 alta, 2 media, 3 bassa"),
    addKeyword(["grazie"]).addAnswer("Richiesta aperta: ti risponde un tecnico appena possibile."),
    addKeyword([EVENTS.WELCOME]).addAnswer("Il problema ti blocca il lavoro? sì / no"),
  ];
  const provider = new TestTool.TestProvider();
  let delivered = 0;
  const sent = new Map<string, string>();
  provider.sendMessage = async (userId: string, message: string) => {
    delivered++;
    sent.set(userId, message);
    return { userId, message };
  };
  // A message is done when the bot has sent its reply AND stored its new state (BuilderBot saves
  // the sent answer after sending it; the next message of the chat needs that state).
  const waiting = new Map<string, () => void>();
  const database = new MemoryDB();
  const save = database.save.bind(database);
  database.save = async (ctx) => {
    await save(ctx);
    const wake = sent.get(ctx.from) === ctx.answer ? waiting.get(ctx.from) : undefined;
    if (wake) {
      waiting.delete(ctx.from);
      sent.delete(ctx.from);
      wake();
    }
  };
  await createBot({ flow: createFlow(flows), database, provider });

  const phones = benchPhones(conversations);
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const latencies = await driveConversations(phones, concurrency, (phone, _index, _step, text) => {
    const from = phone.slice(1);
    const replied = new Promise<void>((done) => waiting.set(from, done));
    provider.emit("message", { from, body: text, name: "bench" });
    return replied;
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  eld.disable();
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      peer: PEER,
      durable: false,
      conversations,
      concurrency,
      messages: latencies.length,
      repliesDelivered: delivered,
      seconds: Math.round(seconds * 100) / 100,
      msgsPerSecond: Math.round(latencies.length / seconds),
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      cpuMsPerMessage: Math.round(((cpu.user + cpu.system) / 1000 / latencies.length) * 1000) / 1000,
      eventLoopDelayP99Ms: Math.round((eld.percentile(99) / 1e6) * 10) / 10,
      rssMB: Math.round(process.memoryUsage().rss / 1024 / 1024),
    }),
  );
  process.chdir(tmpdir());
  rmSync(workDir, { recursive: true, force: true });
  process.exit(0);
}

await main();

/**
 * `npm run bench:instances`: two runtimes (each with its own connection pool and presence
 * connection, as two processes behind a load balancer would have) on one PostgreSQL database.
 * N customers go through the intake; every message goes to one instance and is submitted to the
 * other at the same moment (a double submission); one service minute later every ticket is due
 * to escalate and both instances run their jobs. Prints one JSON line with msg/s and the checks,
 * which must all be 0; exits 1 otherwise.
 *
 *   npm run bench:instances -- [--conversations 200] [--concurrency 20] [--database-url URL] [--single-submit]
 *
 * Without --database-url a scratch database is created on postgresql://postgres@127.0.0.1:5432
 * and dropped afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createOfflineTriage } from "../app/offlineTriage.js";
import { LocalChannel } from "../channels/local/localChannel.js";
import { createCoordination } from "../data/coordination.js";
import { migrate, openDatabase, redact } from "../data/database.js";
import { scratchDatabase } from "../data/scratchDatabase.js";
import { workloadCounts } from "../data/workloadCounts.js";
import type { DeskEvent, StaffDesk } from "../desk/port.js";
import { silentLogger } from "../observability/logger.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { SimulatedClock } from "../runtime/clock.js";
import { SupportRuntime } from "../runtime/supportRuntime.js";
import { benchPhones, seedCustomers, workloadSize } from "./benchWorkload.js";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "200" },
    concurrency: { type: "string", default: "20" },
    "database-url": { type: "string" },
    /** Each message to one instance only (throughput without the double submissions). */
    "single-submit": { type: "boolean", default: false },
  },
});
const doubleSubmit = !values["single-submit"];
const { conversations, concurrency } = workloadSize("bench:instances", values);

const SCRIPT = ["ciao", "1", "La stampante non stampa gli scontrini", "sì", "1", "grazie, attendo"];
const ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

async function main() {
  const scratch = values["database-url"] ? null : await scratchDatabase(ADMIN_URL);
  const url = values["database-url"] ?? scratch!.url;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    console.error("bench:instances: several instances need PostgreSQL (SQLite is one instance)");
    process.exit(2);
  }
  const tempDir = mkdtempSync(join(tmpdir(), "sportello-bench-instances-"));
  // The leotron preset with escalation after one service minute.
  const policyFile = join(tempDir, "leotron-1min.yaml");
  writeFileSync(
    policyFile,
    readFileSync(resolve("policies/leotron.yaml"), "utf8").replace(
      /escalateUnclaimedAfterServiceMinutes: \d+/,
      "escalateUnclaimedAfterServiceMinutes: 1",
    ),
  );
  const policy = loadPolicy(policyFile);
  const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");

  const setup = await openDatabase(url);
  await migrate(setup);
  const phones = benchPhones(conversations, "+39334");
  await seedCustomers(setup, phones, "I");

  const sends = new Map<string, number>();
  const notices: DeskEvent[] = [];
  const instances = await Promise.all(
    ["a", "b"].map(async (name) => {
      const db = await openDatabase(url);
      const coordination = await createCoordination(db, { instanceId: `bench-${name}` });
      const channel = new LocalChannel({
        as: "whatsapp",
        now: () => clock.now(),
        onSend: (m) => {
          if (m.outboxId) sends.set(m.outboxId, (sends.get(m.outboxId) ?? 0) + 1);
        },
      });
      const desk: StaffDesk = {
        name: "count",
        start: async () => undefined,
        stop: async () => undefined,
        notify: async (event) => {
          notices.push(event);
        },
      };
      const runtime = new SupportRuntime({
        db,
        policy,
        clock,
        logger: silentLogger,
        channels: [channel],
        desks: [desk],
        offlineTriage: createOfflineTriage(policy),
        coordination,
      });
      await runtime.start();
      return { db, coordination, channel, runtime };
    }),
  );

  let next = 0;
  let messages = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < phones.length) {
      const index = next++;
      const phone = phones[index]!;
      const chat = `${phone.slice(1)}@c.us`;
      for (const [step, text] of SCRIPT.entries()) {
        // Alternating instances; the same message also reaches the other one at once.
        const first = instances[(index + step) % 2]!;
        const second = instances[(index + step + 1) % 2]!;
        const message = { senderId: phone, platformMessageId: `i${index}-${step}` };
        const results = await Promise.allSettled([
          first.channel.receive(first.channel.message(chat, text, message)),
          ...(doubleSubmit ? [second.channel.receive(second.channel.message(chat, text, message))] : []),
        ]);
        failures += results.filter((r) => r.status === "rejected").length;
        messages++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, conversations) }, worker));
  const seconds = (performance.now() - started) / 1000;

  // One service minute later: every unclaimed ticket escalates, whoever runs the job.
  clock.advance(2 * 60_000);
  for (let round = 0; round < 3; round++) await Promise.all(instances.map((x) => x.runtime.runDueJobs()));
  for (const x of instances) await x.runtime.deliver();

  const counts = await workloadCounts(setup);
  const { tickets, opened, outbound, unsent } = counts;
  const escalationNotices = new Map<string, number>();
  for (const n of notices)
    if (n.type === "ticket.escalated")
      escalationNotices.set(n.ticket.number, (escalationNotices.get(n.ticket.number) ?? 0) + 1);

  const checks = {
    failedSubmissions: failures,
    duplicateProcessing: counts.inbound - messages + Math.max(0, opened - tickets),
    missingTickets: conversations - tickets,
    doubleEscalations: counts.escalatedTwice,
    missingEscalations: tickets - counts.escalated,
    doubleEscalationNotices: [...escalationNotices.values()].filter((n) => n > 1).length,
    doubleSends: [...sends.values()].filter((n) => n > 1).length,
    unsent,
  };
  const result = {
    database: redact(url),
    instances: 2,
    conversations,
    concurrency,
    messages,
    submissions: doubleSubmit ? messages * 2 : messages,
    seconds: Math.round(seconds * 100) / 100,
    msgsPerSecond: Math.round(messages / seconds),
    outbound,
    sentByA: instances[0]!.channel.sent.length,
    sentByB: instances[1]!.channel.sent.length,
    checks,
  };
  console.log(JSON.stringify(result));
  for (const x of instances) {
    await x.runtime.stop();
    await x.coordination.close();
    await x.db.close();
  }
  await setup.close();
  await scratch?.drop();
  rmSync(tempDir, { recursive: true, force: true });
  if (Object.values(checks).some((v) => v !== 0)) process.exitCode = 1;
}

await main();

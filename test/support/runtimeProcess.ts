/**
 * A sportello runtime in its own process, for crash tests: customer messages arrive as JSON
 * lines on stdin, and what the customer would see comes out as JSON lines on stdout. The
 * channel announces {"sending"} before it hands a message over (after a short pause), so a test
 * can kill the process between the database commit and the delivery.
 */
import { createInterface } from "node:readline";
import { composeRuntime } from "../../src/app/composeRuntime.js";
import { LocalChannel } from "../../src/channels/local/localChannel.js";
import { migrate, openDatabase } from "../../src/data/database.js";
import { silentLogger } from "../../src/observability/logger.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../src/runtime/clock.js";

const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const db = await openDatabase(process.env.DATABASE_URL!);
await migrate(db);
const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");
const channel = new LocalChannel({
  as: "whatsapp",
  now: () => clock.now(),
  onSend: async (m) => {
    out({ sending: m.outboxId });
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.SEND_DELAY_MS ?? 0)));
    out({ delivered: m.text });
  },
});
// Composed as `npm start`, the harness and the story runner compose it.
const runtime = composeRuntime({
  db,
  policy: loadPolicy("leotron"),
  clock,
  logger: silentLogger,
  channels: [channel],
  offlineTriage: () => ({ category: "hardware-repair" }),
});
await runtime.start();
await runtime.deliver();
out({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  const { id, text } = JSON.parse(line) as { id: string; text: string };
  await channel.receive(
    channel.message("393331234567@c.us", text, { senderId: "+393331234567", platformMessageId: id }),
  );
  out({ processed: id });
}

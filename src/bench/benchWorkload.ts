/**
 * The workload every benchmark drives, so sportello and its peer get the same users and the same
 * messages: N WhatsApp customers, each sending the six messages of one intake in order.
 */
import { createCustomers } from "../data/customerStore.js";
import type { Database } from "../data/database.js";

/**
 * The size of a bench run from its `--conversations` and `--concurrency` options (whole numbers
 * ≥ 1); exits 2 with one line naming the command if they are not.
 */
export function workloadSize(
  command: string,
  values: { conversations?: string; concurrency?: string },
): { conversations: number; concurrency: number } {
  const conversations = Number(values.conversations);
  const concurrency = Number(values.concurrency);
  if (
    !Number.isInteger(conversations) ||
    conversations < 1 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1
  ) {
    console.error(`${command}: --conversations and --concurrency must be whole numbers ≥ 1`);
    process.exit(2);
  }
  return { conversations, concurrency };
}

/** One customer's intake: greeting, "already a customer", the problem, blocking, priority, thanks. */
export const SCRIPT = [
  "ciao",
  "1",
  "La stampante non stampa gli scontrini",
  "sì",
  "1",
  "grazie, attendo",
] as const;

/** The phone numbers of `count` customers (the same on every run; `prefix` tells benches apart). */
export function benchPhones(count: number, prefix = "+39333"): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(7, "0")}`);
}

/** Signs up one known customer per phone (codes `<codePrefix>0000000`…, standard plan). */
export async function seedCustomers(db: Database, phones: string[], codePrefix: string): Promise<void> {
  for (let i = 0; i < phones.length; i += 500) {
    await createCustomers(
      db,
      phones.slice(i, i + 500).map((phone, k) => ({
        code: `${codePrefix}${String(i + k).padStart(7, "0")}`,
        company: `Negozio ${i + k}`,
        phone,
        language: "it",
        plans: ["standard"],
      })),
    );
  }
}

/** Latency percentile (ms, two decimals) of an ascending-sorted list. */
export function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

/**
 * Drives `conversations` customers through {@link SCRIPT}, `concurrency` at a time: each message
 * waits for `send` to resolve before the customer's next one, and arrives as its own turn of the
 * event loop (as from a socket). Returns each message's latency in ms, in completion order.
 */
export async function driveConversations(
  phones: string[],
  concurrency: number,
  send: (phone: string, index: number, step: number, text: string) => Promise<void>,
  pace: () => Promise<number> = async () => performance.now(),
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < phones.length) {
      const index = next++;
      const phone = phones[index]!;
      for (const [step, text] of SCRIPT.entries()) {
        const t0 = await pace();
        await new Promise((resolve) => setImmediate(resolve));
        await send(phone, index, step, text);
        latencies.push(performance.now() - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, phones.length) }, worker));
  return latencies;
}

/**
 * A process killed mid-conversation (SIGKILL: no clean-up) and started again continues the
 * same conversation: nothing committed is lost, a redelivered message is not processed twice,
 * and replies committed but not yet delivered are delivered after the restart.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as store from "../../src/data/supportStore.js";
import { countOf, rowsOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  waitFor(predicate: (line: Record<string, unknown>) => boolean): Promise<void>;
  send(id: string, text: string): void;
}

function start(url: string, sendDelayMs = 0): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/runtimeProcess.ts"], {
    env: { ...process.env, DATABASE_URL: url, SEND_DELAY_MS: String(sendDelayMs) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (raw) => {
    const line = JSON.parse(raw) as Record<string, unknown>;
    lines.push(line);
    for (const w of [...waiters]) if (w.predicate(line)) w.resolve();
  });
  return {
    child,
    lines,
    waitFor: (predicate) =>
      lines.some(predicate)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            waiters.push({ predicate, resolve });
            child.once("exit", (code) => reject(new Error(`runtime process exited (${code}) while waiting`)));
          }),
    send: (id, text) => child.stdin!.write(`${JSON.stringify({ id, text })}\n`),
  };
}

const kill = (p: Proc) =>
  new Promise<void>((resolve) => {
    p.child.once("exit", () => resolve());
    p.child.kill("SIGKILL");
  });

describe("crash and restart", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        phone: "+393331234567",
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
  });
  afterAll(async () => t.drop());

  it("continues the conversation with nothing lost or repeated", async () => {
    const delivered: string[] = [];
    const collect = (p: Proc) => p.lines.filter((l) => "delivered" in l).map((l) => String(l.delivered));

    // First life: the problem and the category, then a kill between commit and delivery.
    const first = start(t.url, 400);
    await first.waitFor((l) => l.ready === true);
    first.send("m1", "Il PC cassa non si accende più");
    await first.waitFor((l) => l.processed === "m1");
    first.send("m2", "sì");
    await first.waitFor((l) => l.processed === "m2");
    first.send("m3", "PC cassa");
    await first.waitFor(
      (l) => "sending" in l && first.lines.filter((x) => "sending" in x).length > collect(first).length,
    );
    await kill(first);
    delivered.push(...collect(first));
    expect(delivered.some((text) => text.includes("Quando l'avete acquistato"))).toBe(false);

    // Second life: the pending reply goes out at start; the platform redelivers m3 (never acknowledged).
    const second = start(t.url);
    await second.waitFor((l) => l.ready === true);
    second.send("m3", "PC cassa");
    await second.waitFor((l) => l.processed === "m3");
    second.send("m4", "non lo so");
    await second.waitFor((l) => l.processed === "m4");
    second.send("m5", "2");
    await second.waitFor((l) => l.processed === "m5");
    second.send("m6", "Accetto"); // no purchase date: not under warranty, so billable
    await second.waitFor((l) => l.processed === "m6");
    delivered.push(...collect(second));
    await kill(second);

    const count = (fragment: string) => delivered.filter((text) => text.includes(fragment)).length;
    expect(count("Quando l'avete acquistato")).toBe(1); // committed before the kill, delivered once after
    expect(count("Riesci comunque a lavorare")).toBe(1);
    expect(count("LT-2027-")).toBe(1);
    const tickets = await rowsOf(t.db, "Ticket");
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ category: "hardware-repair", blocking: true });
    const inbound = await countOf(t.db, "Message", `"direction" = 'in'`);
    expect(inbound).toBe(6);
    const pending = await countOf(t.db, "Message", `"direction" = 'out' AND "status" <> 'sent'`);
    expect(pending).toBe(0);
  }, 60_000);
});

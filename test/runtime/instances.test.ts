/**
 * Several runtimes on one database, as behind a load balancer. On PostgreSQL two instances
 * (each with its own connection pool, presence/notification connection and web channel) share
 * the database; on SQLite — one instance by design — the same scenario runs on one.
 *
 * Web chat customers write alternately to each instance, every message is submitted twice at
 * once (to both), each customer streams from the instance they did not write to, and the policy
 * escalates a ticket after one service minute. Expected: every message processed once, one
 * escalation per ticket, every outbound message sent once, every reply on the customer's stream.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWebFanout } from "../../src/app/webFanout.js";
import { webHistory } from "../../src/app/webHistory.js";
import type { ChannelAdapter } from "../../src/channels/port.js";
import { createWebChannel, type WebChannel, type WebChatEvent } from "../../src/channels/web/webChannel.js";
import { type Coordination, createCoordination } from "../../src/data/coordination.js";
import { type Database, openDatabase } from "../../src/data/database.js";
import * as store from "../../src/data/supportStore.js";
import type { DeskEvent, StaffDesk } from "../../src/desk/port.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { createHarness } from "../support/harness.js";
import { inList, rowsOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase, usingPostgres } from "../support/testDatabase.js";

const INSTANCES = usingPostgres ? 2 : 1;
const CUSTOMERS = 6;
const SAY = ["Non capisco come si fa il reso nel programma", "sì", "1"];

interface Instance {
  name: string;
  db: Database;
  coordination: Coordination;
  web: WebChannel;
  runtime: SupportRuntime;
  /** Outbox ids this instance handed to the web channel. */
  sent: string[];
  /** Desk notifications this instance made. */
  notified: DeskEvent[];
  stop(): Promise<void>;
}

describe(`${INSTANCES === 2 ? "two instances on one PostgreSQL database" : "one instance (SQLite)"}: same customers alternating`, () => {
  let t: TestDatabase;
  let dir: string;
  const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");
  const instances: Instance[] = [];

  async function startInstance(name: string, policyFile: string): Promise<Instance> {
    const db = usingPostgres ? await openDatabase(t.url) : t.db;
    const coordination = await createCoordination(db, { instanceId: name });
    const policy = loadPolicy(policyFile);
    const web = createWebChannel({
      dataDir: path.join(dir, name),
      now: () => clock.now(),
      fanout: createWebFanout(coordination),
      history: (chatId) => webHistory(db, chatId),
    });
    const sent: string[] = [];
    const notified: DeskEvent[] = [];
    // Counts what this instance sends; everything else is the real web channel.
    const counting: ChannelAdapter = {
      name: "web",
      start: (handler) => web.start(handler),
      stop: () => web.stop(),
      state: () => web.state(),
      send: async (message) => {
        if (message.outboxId) sent.push(message.outboxId);
        return web.send(message);
      },
    };
    const desk: StaffDesk = {
      name: "count",
      start: async () => undefined,
      stop: async () => undefined,
      notify: async (event) => {
        notified.push(event);
      },
    };
    // This instance's own connection to the shared database (left open by the harness).
    const { runtime } = await createHarness({
      database: { ...t, db },
      policy,
      clock,
      channels: [counting],
      desks: [desk],
      coordination,
    });
    return {
      name,
      db,
      coordination,
      web,
      runtime,
      sent,
      notified,
      async stop() {
        await runtime.stop();
        await coordination.close();
        if (db !== t.db) await db.close();
      },
    };
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), "sportello-instances-"));
    // The leotron preset, escalating an unclaimed ticket after one service minute.
    const source = await readFile(path.resolve("policies/leotron.yaml"), "utf8");
    const policyFile = path.join(dir, "leotron-1min.yaml");
    await writeFile(
      policyFile,
      source.replace(/escalateUnclaimedAfterServiceMinutes: \d+/, "escalateUnclaimedAfterServiceMinutes: 1"),
    );
    for (let i = 0; i < INSTANCES; i++) instances.push(await startInstance(`inst-${i}`, policyFile));
  });

  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("processes each message once, escalates each ticket once, sends each reply once, on every stream", async () => {
    const writer = (n: number) => instances[n % instances.length]!;
    const customers = await Promise.all(
      Array.from({ length: CUSTOMERS }, async (_, i) => {
        const token = `customer-token-${String(i).padStart(8, "0")}-abcdefgh`;
        const chatId = instances[0]!.web.chatIdFor(token);
        const customer = await t.db.transaction((tx) =>
          store.createCustomer(tx, {
            company: `Bar ${i}`,
            language: "it",
            plans: ["standard"],
            verified: true,
          }),
        );
        await store.linkIdentity(t.db, customer.id, "web", chatId);
        // The customer streams from the instance they will not write to first.
        const streamed: WebChatEvent[] = [];
        const from = writer(i + 1).web;
        await from.restore(chatId);
        from.subscribe(chatId, (event) => streamed.push(event));
        return { i, token, chatId, streamed };
      }),
    );

    // All customers at once; each one's messages in turn, alternating instances. A customer's
    // first message goes to one instance only (so every instance has work of its own, whoever
    // wins the races below); each later one is submitted to every instance at the same moment
    // (a double submission through the load balancer), and either may win it.
    await Promise.all(
      customers.map(async (c) => {
        for (const [n, text] of SAY.entries()) {
          const clientId = `c${c.i}-m${n}-00000000`;
          const first = writer(c.i + n);
          const targets = n === 0 ? [first] : [first, ...instances.filter((x) => x !== first)];
          const results = await Promise.all(
            targets.map((x) => x.web.receive({ token: c.token, clientId, text })),
          );
          expect(results.length).toBe(targets.length);
        }
      }),
    );

    const chats = customers.map((c) => c.chatId);
    const tickets = await rowsOf(t.db, "Ticket", `"chatId" IN (${inList(chats)})`, ...chats);
    // One ticket per customer, each message stored once.
    expect(tickets.length).toBe(CUSTOMERS);
    const inbound = await rowsOf(
      t.db,
      "Message",
      `"chatId" IN (${inList(chats)}) AND "direction" = 'in'`,
      ...chats,
    );
    expect(inbound.length).toBe(CUSTOMERS * SAY.length);

    // One service minute later the unclaimed tickets escalate, once each, whoever runs the jobs.
    clock.advance(2 * 60_000);
    await Promise.all(instances.map((x) => x.runtime.runDueJobs()));
    await Promise.all(instances.map((x) => x.runtime.runDueJobs()));
    await vi.waitFor(
      async () => {
        const escalated = await rowsOf(t.db, "TicketEvent", `"type" = 'ticket.escalated'`);
        expect(escalated.length).toBe(CUSTOMERS);
        const notices = instances.flatMap((x) => x.notified).filter((e) => e.type === "ticket.escalated");
        expect(notices.length).toBe(CUSTOMERS);
      },
      { timeout: 10_000, interval: 50 },
    );
    const escalations = await rowsOf(t.db, "TicketEvent", `"type" = 'ticket.escalated'`);
    expect(new Set(escalations.map((e) => e.ticketId)).size).toBe(CUSTOMERS);
    const notices = instances.flatMap((x) => x.notified);
    const opened = notices.filter((e) => e.type === "ticket.opened").map((e) => e.ticket.number);
    expect(opened.sort()).toEqual(tickets.map((tk) => tk.number).sort());

    // Every outbound message sent once, by one instance, and shown on its customer's stream.
    const outbound = await rowsOf(
      t.db,
      "Message",
      `"chatId" IN (${inList(chats)}) AND "direction" = 'out'`,
      ...chats,
    );
    expect(outbound.length).toBeGreaterThanOrEqual(CUSTOMERS * SAY.length);
    await vi.waitFor(
      async () => {
        const rows = await rowsOf(
          t.db,
          "Message",
          `"chatId" IN (${inList(chats)}) AND "direction" = 'out' AND "status" <> 'sent'`,
          ...chats,
        );
        expect(rows).toEqual([]);
      },
      { timeout: 10_000, interval: 50 },
    );
    const sent = instances.flatMap((x) => x.sent);
    expect(sent.length).toBe(new Set(sent).size);
    expect(new Set(sent)).toEqual(new Set(outbound.map((m) => m.id)));
    for (const c of customers) {
      const expected = outbound.filter((m) => m.chatId === c.chatId).map((m) => `o-${m.id}`);
      await vi.waitFor(() => expect(c.streamed.map((e) => e.id)).toEqual(expect.arrayContaining(expected)), {
        timeout: 10_000,
        interval: 50,
      });
      // No line twice on the stream.
      expect(new Set(c.streamed.map((e) => e.id)).size).toBe(c.streamed.length);
    }
    if (INSTANCES === 2) {
      // Both instances did part of the work: each answered the first messages it alone received.
      expect(instances.every((x) => x.sent.length > 0)).toBe(true);
    }
  });

  it("gives a web chat's lines the same ids on every instance and after a restart", async () => {
    const token = "restart-token-0000000000-abcdefgh";
    const chatId = instances[0]!.web.chatIdFor(token);
    const live: WebChatEvent[] = [];
    instances[0]!.web.subscribe(chatId, (e) => live.push(e));
    await instances[0]!.web.receive({ token, clientId: "r-1-0000000000", text: "Buongiorno" });
    await vi.waitFor(() => expect(live.some((e) => e.direction === "out")).toBe(true));
    // A fresh web channel (a restarted process, or another instance) shows the same ids.
    const fresh = createWebChannel({
      dataDir: path.join(dir, "fresh"),
      history: (id) => webHistory(t.db, id),
    });
    await fresh.restore(chatId);
    const replayed: WebChatEvent[] = [];
    // The browser reconnects with the last id it saw before the restart.
    fresh.subscribe(chatId, (e) => replayed.push(e), live.at(-1)!.id);
    expect(replayed).toEqual([]);
    const reloaded: WebChatEvent[] = [];
    fresh.subscribe(chatId, (e) => reloaded.push(e));
    expect(reloaded.map((e) => e.id)).toEqual(live.map((e) => e.id));
  });
});

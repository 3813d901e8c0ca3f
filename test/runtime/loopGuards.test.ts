/**
 * The loop guard on the chat channels, end to end on the real runtime and database: a known
 * customer whose answers the bot cannot use ("boh", again and again) on the web chat (the real
 * web channel), Telegram (the real grammY adapter against the fake Bot API) and WhatsApp (the real
 * adapter on the fake whatsapp-web.js client). The bot's messages are counted on each platform:
 * the welcome and the menu, at most `botMessagesWithoutProgress` more, one hand-over line, then
 * silence; staff get a ticket to classify with the hand-over note.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAdapter, ChannelName } from "../../src/channels/port.js";
import { createTelegramAdapter } from "../../src/channels/telegram/telegramAdapter.js";
import { createWebChannel, type WebChannel } from "../../src/channels/web/webChannel.js";
import { createWhatsAppAdapter } from "../../src/channels/whatsapp/whatsAppAdapter.js";
import * as store from "../../src/data/supportStore.js";
import { silentLogger } from "../../src/observability/logger.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { asciiTicketNumbers } from "../../src/text/ticketNumber.js";
import { FakeWhatsAppClient, fakeMessage } from "../channels/whatsapp/fakeWhatsAppClient.js";
import { eventually } from "../support/eventually.js";
import { FakeTelegramApi } from "../support/fakeTelegramApi.js";
import { createHarness } from "../support/harness.js";
import { memoryMediaStore } from "../support/memoryMediaStore.js";
import { countOf, rowsOf } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const policy = loadPolicy("leotron");
const N = policy.conversation.loopGuard.botMessagesWithoutProgress;
/** How often the customer writes: well past the guard. */
const ATTEMPTS = 12;
const HANDOVER_LINE = "Passo la conversazione a una persona";

describe("loop guard on the chat channels (web, Telegram, WhatsApp)", () => {
  let t: TestDatabase;
  let runtime: SupportRuntime;
  let web: WebChannel;
  let api: FakeTelegramApi;
  let whatsapp: FakeWhatsAppClient;
  let dataDir: string;
  const events: { type: string; ticket: string | null; payload: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "sportello-loop-"));
    // Tuesday 10:00 in Rome: support is open.
    const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");
    web = createWebChannel({ dataDir, now: () => clock.now() });
    api = await FakeTelegramApi.start();
    const telegram = createTelegramAdapter({
      token: api.token,
      driver: "grammy",
      apiRoot: api.apiRoot,
      pollingTimeoutSeconds: 1,
      now: () => clock.now(),
    });
    const clients: FakeWhatsAppClient[] = [];
    const wa: ChannelAdapter = createWhatsAppAdapter({
      dataDir,
      logger: silentLogger,
      printQr: () => {},
      clientFactory: (options) => {
        const fake = new FakeWhatsAppClient(options);
        clients.push(fake);
        return fake;
      },
      sleep: async () => {},
    });
    ({ runtime } = await createHarness({
      database: t,
      policy,
      clock,
      channels: [web, telegram, wa],
      offlineTriage: () => ({ category: null }),
      detectLanguage: null,
      mediaStore: memoryMediaStore(),
      onEvents: (batch) => events.push(...batch),
    }));
    whatsapp = clients[0]!;
    whatsapp.becomeReady();
    await store.upsertTechnician(t.db, { name: "giulia" });
  });

  afterAll(async () => {
    await runtime?.stop();
    await api?.close();
    await t?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function knownCustomer(channel: ChannelName, senderId: string, phone: string | null = null) {
    const customer = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: `Bar ${channel}`,
        contactName: "Mario Rossi",
        phone,
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    if (!phone) await store.linkIdentity(t.db, customer.id, channel, senderId);
  }

  /** The customer's messages were all handled and every reply reached the platform. */
  const settled = (channel: ChannelName, chatId: string, sent: number, platform: () => number) =>
    eventually(
      async () => {
        const [inbound, outbound, undelivered] = await Promise.all([
          countOf(t.db, "Message", `"channel" = ? AND "chatId" = ? AND "direction" = 'in'`, channel, chatId),
          countOf(t.db, "Message", `"channel" = ? AND "chatId" = ? AND "direction" = 'out'`, channel, chatId),
          countOf(
            t.db,
            "Message",
            `"channel" = ? AND "chatId" = ? AND "direction" = 'out' AND "deliveredAt" IS NULL`,
            channel,
            chatId,
          ),
        ]);
        return inbound === sent && undelivered === 0 && platform() === outbound;
      },
      `chat ${channel}:${chatId} to settle`,
      { intervalMs: 50 },
    );

  /** Plays the loop: the customer writes "boh" ATTEMPTS times; returns what the bot said. */
  async function loop(
    channel: ChannelName,
    chatId: string,
    send: (text: string, n: number) => Promise<void> | void,
    said: () => string[],
  ): Promise<string[]> {
    for (let n = 1; n <= ATTEMPTS; n++) {
      await send("boh", n);
      await settled(channel, chatId, n, () => said().length);
    }
    return said();
  }

  /** What every channel must show: bounded, told once, a ticket to classify with the note. */
  async function expectHandedOver(channel: ChannelName, chatId: string, said: string[]) {
    // Welcome and menu, at most N more bot messages, the hand-over line; nothing after it.
    expect(said.length).toBeLessThanOrEqual(2 + N + 1);
    expect(said.filter((text) => text.includes(HANDOVER_LINE))).toHaveLength(1);
    expect(said.at(-1)).toContain(HANDOVER_LINE);
    const tickets = await rowsOf(t.db, "Ticket", `"channel" = ? AND "chatId" = ?`, channel, chatId);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ category: null, status: "open" });
    const number = tickets[0]!.number;
    // Telegram and WhatsApp carry the number with non-breaking hyphens; read back as ASCII.
    expect(asciiTicketNumbers(said.at(-1) ?? "")).toContain(number);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "ticket.handover",
        ticket: number,
        // "loop" from the runtime's guard, or "asked" when the conversation hands over by itself.
        payload: expect.objectContaining({ reason: expect.stringMatching(/^(loop|asked)$/) }),
      }),
    );
    // The staff board shows the hand-over in the ticket's transcript.
    const transcript = await runtime.transcript(number);
    expect(
      transcript.some((line) => line.direction === "note" && line.text.includes("handed to a person")),
    ).toBe(true);
    // Every "boh" after the hand-over reached the ticket.
    const onTicket = await countOf(t.db, "Message", `"ticketId" = ? AND "direction" = 'in'`, tickets[0]!.id);
    expect(onTicket).toBe(ATTEMPTS);
    return number;
  }

  it("web chat", async () => {
    const token = "loop-web-token-0123456789abcdef";
    const chatId = web.chatIdFor(token);
    await knownCustomer("web", chatId);
    const said: string[] = [];
    web.subscribe(chatId, (event) => {
      if (event.direction === "out") said.push(event.text);
    });
    const lines = await loop(
      "web",
      chatId,
      (text, n) => web.receive({ token, clientId: `loop-msg-${n}`, text }).then(() => undefined),
      () => said,
    );
    const number = await expectHandedOver("web", chatId, lines);
    // A technician's claim ends the hand-over: the customer hears who took the request.
    const claimed = await runtime.perform({ type: "claim", ticket: number, by: { name: "giulia" } });
    expect(claimed).toMatchObject({ ok: true });
    await eventually(() => said.some((text) => text.includes("giulia")), "the claim line");
  });

  it("Telegram (grammY on the fake Bot API)", async () => {
    const userId = 7_700_001;
    await knownCustomer("telegram", String(userId));
    const said = await loop(
      "telegram",
      String(userId),
      (text) => void api.enqueueText(text, { id: userId }),
      () => api.sentTo(userId).map((m) => m.text ?? ""),
    );
    await expectHandedOver("telegram", String(userId), said);
  });

  it("WhatsApp (fake whatsapp-web.js client)", async () => {
    const chatId = "393330000001@c.us";
    await knownCustomer("whatsapp", chatId, "+393330000001");
    const said = await loop(
      "whatsapp",
      chatId,
      (text) => whatsapp.deliver(fakeMessage({ from: chatId, body: text })),
      () =>
        whatsapp.sent
          .filter((s) => s.chatId === chatId)
          .map((s) => (typeof s.content === "string" ? s.content : "[media]")),
    );
    await expectHandedOver("whatsapp", chatId, said);
  });
});

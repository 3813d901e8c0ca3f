/**
 * End to end on Telegram: the real grammY / telegraf clients against the fake Bot API server,
 * the real Telegram adapter, the real SupportRuntime and a real database (SQLite or PostgreSQL),
 * and finally the whole app started like `npm start` with only a Telegram token set.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type App, startApp } from "../../../src/app/startApp.js";
import {
  createTelegramAdapter,
  type TelegramAdapter,
} from "../../../src/channels/telegram/telegramAdapter.js";
import { TELEGRAM_DRIVER_NAMES } from "../../../src/channels/telegram/telegramDriver.js";
import { loadConfig } from "../../../src/config/env.js";
import * as store from "../../../src/data/supportStore.js";
import type { StaffAction } from "../../../src/desk/port.js";
import { createLogger } from "../../../src/observability/logger.js";
import { loadPolicy } from "../../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../../src/runtime/clock.js";
import type { SupportRuntime } from "../../../src/runtime/supportRuntime.js";
import { asciiTicketNumbers } from "../../../src/text/ticketNumber.js";
import { eventually } from "../../support/eventually.js";
import { FakeTelegramApi, type SentMessage } from "../../support/fakeTelegramApi.js";
import { createHarness } from "../../support/harness.js";
import { expectNothingLeftBehind } from "../../support/resourcesLeft.js";
import { countOf, rowOf, rowsOf } from "../../support/rows.js";
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";

/** Lets the pollers run a few more rounds, to catch a second reply that should never come. */
async function settle(api: FakeTelegramApi): Promise<void> {
  await eventually(() => api.pendingUpdates.length === 0, "every update confirmed to the Bot API");
  const polls = api.callsOf("getUpdates").length;
  await eventually(() => api.callsOf("getUpdates").length >= polls + 2, "two more polls");
}

const texts = (messages: SentMessage[]) => messages.map((message) => message.text ?? "");
const labels = (message: SentMessage | undefined) =>
  (message?.reply_markup?.inline_keyboard ?? []).flat().map((button) => button.text);

/** The token must pass the env check (`digits:` + 20 or more characters), unlike the fake's default. */
const APP_TOKEN = "987654321:AAFakeTokenForSportelloE2E_test";
const EASTER_MONDAY = "2027-03-29T10:00:00+02:00";

expectNothingLeftBehind();

describe.each(TELEGRAM_DRIVER_NAMES)("Telegram end to end on the real runtime via %s", (driver) => {
  let t: TestDatabase;
  let api: FakeTelegramApi;
  let adapter: TelegramAdapter;
  let runtime: SupportRuntime;
  let clock: SimulatedClock;
  let nextUser = 5_100_000;

  // One bot, one runtime and one database for the block, customers told apart by Telegram user id:
  // callback query ids are unique per bot (the fake numbers them per instance), and the runtime
  // de-duplicates on them durably.
  beforeAll(async () => {
    t = await createTestDatabase();
    api = await FakeTelegramApi.start();
    clock = new SimulatedClock(EASTER_MONDAY);
    const policy = loadPolicy("leotron");
    adapter = createTelegramAdapter({
      token: api.token,
      driver,
      apiRoot: api.apiRoot,
      pollingTimeoutSeconds: 1,
      now: () => clock.now(),
    });
    ({ runtime } = await createHarness({ database: t, policy, clock, channels: [adapter] }));
    expect(adapter.state()).toMatchObject({ status: "connected" });
  });

  afterAll(async () => {
    await runtime?.stop();
    await api?.close();
    await t?.drop();
  });

  /** A standard-plan customer known by their Telegram user id (no phone, no code needed). */
  async function knownCustomer(): Promise<{ userId: number; customerId: string }> {
    const userId = nextUser++;
    const customer = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        contactName: "Mario Rossi",
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    await store.linkIdentity(t.db, customer.id, "telegram", String(userId));
    return { userId, customerId: customer.id };
  }

  /** Waits for a bot message to `userId` whose text contains `fragment`, and returns it. */
  async function botSays(userId: number, fragment: string | RegExp): Promise<SentMessage> {
    const find = () =>
      api
        .sentTo(userId)
        .find((message) =>
          typeof fragment === "string" ? message.text?.includes(fragment) : fragment.test(message.text ?? ""),
        );
    await eventually(
      () => find() !== undefined,
      () => `the bot to say ${String(fragment)}; it said ${JSON.stringify(texts(api.sentTo(userId)))}`,
    );
    return find()!;
  }

  async function perform(action: StaffAction) {
    const result = await runtime.perform(action);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    return result;
  }

  it("problem → inline-keyboard choices → ticket number → Easter Monday closed-hours message → technician reply → close and feedback", async () => {
    const { userId } = await knownCustomer();

    api.enqueueText("Non capisco come si fa il reso nel programma, la funzione non va", { id: userId });
    const category = await botSays(userId, "Uso del software");
    expect(labels(category)).toEqual(["Sì", "No, è altro"]);

    // The customer taps "Sì" on the phone: a callback query, not a typed message.
    const press = api.pressButton("Sì", userId);
    const pressId = (press.callback_query as { id: string }).id;
    const canWork = await botSays(userId, "Riesci comunque a lavorare");
    await eventually(
      () => api.callsOf("answerCallbackQuery").some((call) => call.params.callback_query_id === pressId),
      "the button press to be answered",
    );
    await eventually(() => api.sentTo(userId)[0]?.reply_markup === undefined, "the keyboard to be removed");
    expect(
      api
        .callsOf("editMessageReplyMarkup")
        .some(
          (call) => call.params.message_id === category.message_id && Number(call.params.chat_id) === userId,
        ),
    ).toBe(true);
    // Gone from the phone, so the same choice cannot be pressed twice.
    expect(() => api.pressButton("Sì", userId)).toThrow(/no visible button/);

    expect(labels(canWork)).toEqual(["Sì, riesco a lavorare", "No, sono bloccato"]);
    api.pressButton("No, sono bloccato", userId);

    // As the phone shows it: non-breaking hyphens, so the number never breaks across lines.
    const opened = await botSays(userId, /LT\u20112027\u2011\d{5}/);
    const ticket = asciiTicketNumbers(/LT\u20112027\u2011\d{5}/.exec(opened.text ?? "")![0]);
    await botSays(userId, "copia di sicurezza");
    await botSays(userId, "Pasquetta");
    await botSays(userId, "domani, martedì 30 marzo, alle 09:00");
    await eventually(
      () => api.sentTo(userId)[1]?.reply_markup === undefined,
      "the second keyboard to be removed",
    );
    expect(await runtime.getTicket(ticket)).toMatchObject({
      status: "open",
      channel: "telegram",
      chatId: String(userId),
      blocking: true,
      category: "software-usage",
    });

    // A technician takes it and writes from the desk; the customer reads it on Telegram.
    await store.upsertTechnician(t.db, { name: "marco" });
    await perform({ type: "claim", ticket, by: { name: "marco" } });
    await botSays(userId, "marco");
    await perform({ type: "reply", ticket, by: { name: "marco" }, text: "Ti chiamo tra 5 minuti" });
    await botSays(userId, "Ti chiamo tra 5 minuti");

    await perform({
      type: "close",
      ticket,
      by: { name: "marco" },
      minutes: 70,
      resolution: "reinstallato driver",
    });
    await botSays(userId, "reinstallato driver");
    const rating = await botSays(userId, "da 1 a 5");
    expect(labels(rating)).toHaveLength(5);
    expect(await runtime.getTicket(ticket)).toMatchObject({ status: "closed" });

    api.pressButton("5", userId);
    await botSays(userId, "commento");
    api.enqueueText("ottimo servizio", { id: userId });
    await botSays(userId, "Grazie per il tuo riscontro");
    const recorded = await rowsOf(
      t.db,
      "Feedback",
      `"ticketId" IN (SELECT "id" FROM "Ticket" WHERE "number" = ?)`,
      ticket,
    );
    expect(recorded.map(({ rating: stars, comment }) => ({ stars, comment }))).toEqual([
      { stars: 5, comment: "ottimo servizio" },
    ]);
    const tickets = await rowsOf(t.db, "Ticket", `"channel" = 'telegram' AND "chatId" = ?`, String(userId));
    expect(tickets.map((row) => row.number)).toEqual([ticket]);
  });

  it("a deep link /start CODE links the Telegram user to the customer, who is then served as known", async () => {
    const userId = nextUser++;
    // A fixed code with digits, as most generated codes have (a digit once made it a "problem").
    const code = "K7P2QX";
    await store.createCustomers(t.db, [
      { code, company: "Ferramenta Bianchi", phone: null, language: "it", plans: ["standard"] },
    ]);
    const customer = (await store.findCustomerByCode(t.db, code))!;
    api.enqueueText(`/start ${code}`, { id: userId });
    await botSays(userId, "Come posso aiutarti?");
    const identity = await rowOf(
      t.db,
      "ChannelIdentity",
      `"channel" = 'telegram' AND "externalId" = ?`,
      String(userId),
    );
    expect(identity?.customerId).toBe(customer.id);
    api.enqueueText("Non capisco come si fa il reso nel programma, la funzione non va", { id: userId });
    await botSays(userId, "Uso del software");
    // /start opens the menu, and the problem goes straight to triage: no "who are you" questions.
    expect(texts(api.sentTo(userId))).toEqual([
      "Come posso aiutarti?",
      "Sembra un problema di: Uso del software e formazione. È corretto?",
    ]);
  });

  it("a 429 from Telegram while replying is waited out: the reply arrives once, nothing is lost", async () => {
    const { userId } = await knownCustomer();
    const sendsBefore = api.callsOf("sendMessage").length;
    api.failNext("sendMessage", { retryAfter: 1 });
    api.enqueueText("Non capisco come si fa il reso nel programma, la funzione non va", { id: userId });
    await botSays(userId, "Uso del software");
    await settle(api);
    expect(texts(api.sentTo(userId))).toEqual([
      "Sembra un problema di: Uso del software e formazione. È corretto?",
    ]);
    // One refused with 429, one delivered.
    expect(api.callsOf("sendMessage").length - sendsBefore).toBe(2);
  });

  it("an update delivered twice gets one reply, and a redelivered ticket-opening press opens one ticket", async () => {
    const { userId } = await knownCustomer();

    // Same update_id twice, as after a crash before Telegram saw the offset confirmed.
    api.enqueueTwice({
      message: api.privateMessage(
        { text: "Non capisco come si fa il reso nel programma, la funzione non va" },
        { id: userId },
      ),
    });
    await botSays(userId, "Uso del software");
    await settle(api);
    expect(texts(api.sentTo(userId))).toEqual([
      "Sembra un problema di: Uso del software e formazione. È corretto?",
    ]);

    api.pressButton("Sì", userId);
    await botSays(userId, "Riesci comunque a lavorare");
    // The press that opens the ticket arrives twice with the same update_id.
    const press = api.pressButton("No, sono bloccato", userId);
    api.enqueueUpdate(press);
    await botSays(userId, "martedì 30 marzo");
    await settle(api);

    const sent = texts(api.sentTo(userId));
    expect(sent.filter((text) => /LT\u20112027\u2011\d{5}/.test(text))).toHaveLength(1);
    expect(sent.filter((text) => text.includes("Pasquetta"))).toHaveLength(1);
    expect(sent.filter((text) => text.includes("Riesci comunque a lavorare"))).toHaveLength(1);
    const tickets = await rowsOf(t.db, "Ticket", `"channel" = 'telegram' AND "chatId" = ?`, String(userId));
    expect(tickets).toHaveLength(1);
    // Both copies of the press were answered, so the phone stops its spinner either way.
    const pressId = (press.callback_query as { id: string }).id;
    expect(
      api.callsOf("answerCallbackQuery").filter((call) => call.params.callback_query_id === pressId).length,
    ).toBeGreaterThanOrEqual(1);
  });
});

describe("Telegram through the whole app (startApp, like npm start with only a Telegram token)", () => {
  let api: FakeTelegramApi;
  let app: App | undefined;
  let database: { url: string; drop(): Promise<void> };
  let dataDir: string;

  beforeEach(async () => {
    api = await FakeTelegramApi.start({ token: APP_TOKEN });
    database = await createEmptyDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "sportello-telegram-app-"));
    app = undefined;
  });

  afterEach(async () => {
    await app?.stop();
    await api.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(extra: Record<string, string> = {}): Promise<App> {
    const rawEnv: Record<string, string | undefined> = {
      TELEGRAM_BOT_TOKEN: api.token,
      TELEGRAM_API_ROOT: api.apiRoot,
      DATABASE_URL: database.url,
      PORT: "0",
      SPORTELLO_DATA_DIR: dataDir,
      ...extra,
    };
    // A working Tuesday morning, so the replies do not depend on when the suite runs.
    app = await startApp(loadConfig(rawEnv), createLogger({ level: "silent" }), {
      clock: new SimulatedClock("2027-03-30T10:00:00+02:00"),
    });
    return app;
  }

  async function health(
    url: string,
  ): Promise<{ status: string; channels: Record<string, { status: string }> }> {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    return (await response.json()) as { status: string; channels: Record<string, { status: string }> };
  }

  it.each(TELEGRAM_DRIVER_NAMES)(
    "long polling via %s: /health shows Telegram and web connected and WhatsApp off; a message gets a reply; stops cleanly",
    async (driver) => {
      const running = await start({ TELEGRAM_DRIVER: driver });
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(running.url).not.toMatch(/:0$/);

      const report = await health(running.url);
      expect(report.status).toBe("ok");
      expect(report.channels.telegram).toMatchObject({
        status: "connected",
        detail: expect.stringContaining(`via ${driver} (long polling)`),
      });
      expect(report.channels.web).toMatchObject({ status: "connected" });
      const whatsapp = report.channels.whatsapp;
      expect(whatsapp === undefined || whatsapp.status === "off").toBe(true);

      const userId = 6_200_001;
      api.enqueueText("Buongiorno, la stampante non stampa più", { id: userId });
      await eventually(() => api.sentTo(userId).length > 0, "a reply on Telegram");
      const stored = await rowsOf(
        running.db,
        "Message",
        `"channel" = 'telegram' AND "chatId" = ? AND "direction" = 'in'`,
        String(userId),
      );
      expect(stored.map((message) => message.text)).toEqual(["Buongiorno, la stampante non stampa più"]);

      await running.stop();
      app = undefined;
      // Stopped means stopped: nobody polls the Bot API any more.
      const polls = api.callsOf("getUpdates").length;
      await api.idle();
      expect(api.callsOf("getUpdates").length).toBe(polls);
    },
  );

  it("webhook mode: a wrong or missing secret is refused with 401 and processes nothing; the right one is answered", async () => {
    const running = await start({
      TELEGRAM_WEBHOOK_URL: "https://bot.example.com/telegram/webhook",
      TELEGRAM_WEBHOOK_SECRET: "s3cret",
    });
    expect(api.webhook).toEqual({ url: "https://bot.example.com/telegram/webhook", secretToken: "s3cret" });
    expect(api.callsOf("getUpdates")).toHaveLength(0);
    expect((await health(running.url)).channels.telegram).toMatchObject({
      status: "connected",
      detail: expect.stringContaining("(webhook)"),
    });

    const userId = 6_300_001;
    let updateId = 900_000;
    const post = async (secret: string | undefined, text: string) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (secret !== undefined) headers["x-telegram-bot-api-secret-token"] = secret;
      const response = await fetch(`${running.url}/telegram/webhook`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          update_id: updateId++,
          message: api.privateMessage({ text }, { id: userId }),
        }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    const inbound = () =>
      countOf(
        running.db,
        "Message",
        `"channel" = 'telegram' AND "chatId" = ? AND "direction" = 'in'`,
        String(userId),
      );

    expect(await post("wrong-secret", "Buongiorno, la stampante non stampa")).toBe(401);
    expect(await post(undefined, "Buongiorno, la stampante non stampa")).toBe(401);
    expect(await inbound()).toBe(0);
    expect(api.sentTo(userId)).toHaveLength(0);

    expect(await post("s3cret", "Buongiorno, la stampante non stampa")).toBe(200);
    expect(await inbound()).toBe(1);
    await eventually(() => api.sentTo(userId).length > 0, "a reply on Telegram");
  });
});

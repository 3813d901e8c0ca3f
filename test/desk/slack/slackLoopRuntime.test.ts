import { afterAll, beforeAll, it } from "vitest";
import { LocalChannel } from "../../../src/channels/local/localChannel.js";
import * as store from "../../../src/data/supportStore.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { loadPolicy } from "../../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../../src/runtime/clock.js";
import { SupportRuntime } from "../../../src/runtime/supportRuntime.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";
import { runSlackLoop } from "./slackLoop.js";

let api: FakeSlackApi;
let t: TestDatabase;

beforeAll(async () => {
  api = await startFakeSlackApi();
  t = await createTestDatabase();
});

afterAll(async () => {
  await api.close();
  await t.drop();
});

it("full loop on the real runtime with a customer on the local channel", async () => {
  const clock = new SimulatedClock("2027-03-30T10:00:00+02:00");
  const channel = new LocalChannel({ as: "whatsapp", now: () => clock.now() });
  const runtime = new SupportRuntime({
    db: t.db,
    policy: loadPolicy("leotron"),
    clock,
    logger: silentLogger,
    channels: [channel],
    offlineTriage: () => ({ category: null }),
    retryDelayMs: () => 1000,
  });
  const phone = "+393331110001";
  const chat = `${phone.slice(1)}@c.us`;
  await store.createCustomer(t.db.prisma, {
    company: "Bar Roma",
    phone,
    language: "it",
    plans: ["standard"],
    verified: true,
  });
  await store.upsertTechnician(t.db.prisma, { name: "Mario Bianchi", identities: { slack: "UMARIO" } });
  await runtime.start();
  let n = 0;
  const say = (text: string) =>
    channel.receive(channel.message(chat, text, { senderId: phone, platformMessageId: `loop-${++n}` }));
  try {
    await runSlackLoop(api, {
      actions: runtime,
      technicianSlackId: "UMARIO",
      connect: (desk) => runtime.addDesk(desk),
      async customerOpensTicket() {
        await say("La stampante non stampa");
        await say("1");
        await say("1");
        const ticket = await t.db.prisma.ticket.findFirst({ where: { chatId: chat } });
        if (!ticket)
          throw new Error(`no ticket opened; the bot said: ${channel.sent.map((m) => m.text).join(" | ")}`);
        await runtime.runDueJobs();
        return ticket.number;
      },
      async customerWrites(_ticket, text) {
        await say(text);
        await runtime.runDueJobs();
      },
      async customerTexts() {
        await runtime.runDueJobs();
        return channel.sent.map((m) => m.text);
      },
      seen: (source, key) => runtime.seen(source, key),
    });
  } finally {
    await runtime.stop();
  }
});

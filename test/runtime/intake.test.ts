import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalChannel } from "../../src/channels/local/localChannel.js";
import * as store from "../../src/data/supportStore.js";
import { silentLogger } from "../../src/observability/logger.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import { SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

describe("intake through the runtime", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  it("opens a ticket for a known customer", async () => {
    const clock = new SimulatedClock("2027-03-29T10:00:00+02:00");
    const channel = new LocalChannel({ as: "whatsapp", now: () => clock.now() });
    const runtime = new SupportRuntime({ db: t.db, policy: loadPolicy("leotron"), clock, logger: silentLogger, channels: [channel] });
    await store.createCustomer(t.db.prisma, { company: "Bar Roma", phone: "+393331234567", language: "it", plans: ["standard"], verified: true });
    await runtime.start();
    const chat = "393331234567@c.us";
    const say = (text: string) => channel.receive(channel.message(chat, text, { senderId: "+393331234567" }));
    await say("Il programma non si apre");
    await say("1");
    await say("2");
    const texts = channel.sent.map((m) => m.text);
    console.log(texts.join("\n---\n"));
    await runtime.stop();
  });
});

import { afterAll, beforeAll, it } from "vitest";
import * as store from "../../../src/data/supportStore.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createHarness, type Harness } from "../../support/harness.js";
import { rowOf } from "../../support/rows.js";
import { runSlackLoop } from "./slackLoop.js";

let api: FakeSlackApi;
let h: Harness;

beforeAll(async () => {
  api = await startFakeSlackApi();
  h = await createHarness({
    policy: "leotron",
    channels: ["whatsapp"],
    offlineTriage: () => ({ category: null }),
    retryDelayMs: () => 1000,
    start: false,
  });
});

afterAll(async () => {
  await api.close();
  await h.stop();
});

it("full loop on the real runtime with a customer on the local channel", async () => {
  const { runtime } = h;
  const customer = await h.customer({ phone: "+393331110001", company: "Bar Roma" });
  await store.upsertTechnician(h.db, { name: "Mario Bianchi", identities: { slack: "UMARIO" } });
  await runtime.start();
  await runSlackLoop(api, {
    actions: runtime,
    technicianSlackId: "UMARIO",
    connect: (desk) => runtime.addDesk(desk),
    async customerOpensTicket() {
      await customer.say("La stampante non stampa");
      await customer.say("1");
      await customer.say("1");
      const ticket = await rowOf(h.db, "Ticket", `"chatId" = ?`, customer.chatId);
      if (!ticket)
        throw new Error(
          `no ticket opened; the bot said: ${customer
            .sent()
            .map((m) => m.text)
            .join(" | ")}`,
        );
      await runtime.runDueJobs();
      return ticket.number;
    },
    async customerWrites(_ticket, text) {
      await customer.say(text);
      await runtime.runDueJobs();
    },
    async customerTexts() {
      await runtime.runDueJobs();
      return customer.sent().map((m) => m.text);
    },
    seen: (source, key) => runtime.seen(source, key),
  });
});

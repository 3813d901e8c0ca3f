/**
 * A technician's Telegram through the customers' bot (the real grammY adapter against the fake Bot
 * API): linked once with the code the rota shows, then paged with a direct message whose button
 * acknowledges the page. The technician's messages never reach the customer conversation.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTelegramAdapter } from "../../src/channels/telegram/telegramAdapter.js";
import * as store from "../../src/data/supportStore.js";
import { eventually } from "../support/eventually.js";
import { FakeTelegramApi } from "../support/fakeTelegramApi.js";
import { createHarness, type Harness } from "../support/harness.js";

const TECH_CHAT = 880001;
/** Telegram texts carry ticket numbers with non-breaking hyphens (so phones do not wrap them). */
const plain = (text: string | undefined) => (text ?? "").replace(/\u2011/g, "-");

describe("paging a technician on Telegram", () => {
  let api: FakeTelegramApi;
  let h: Harness;

  beforeEach(async () => {
    api = await FakeTelegramApi.start();
    const clock = { now: () => h.clock.now() };
    const telegram = createTelegramAdapter({
      token: api.token,
      driver: "grammy",
      apiRoot: api.apiRoot,
      pollingTimeoutSeconds: 1,
      now: () => clock.now(),
    });
    h = await createHarness({ clock: "2027-03-27T10:00:00+01:00", channels: ["whatsapp", telegram] });
    await store.upsertTechnician(h.db, { name: "giulia" });
  });
  afterEach(async () => {
    await h.stop();
    await api.close();
  });

  it("links with the code, gets the page as a DM and acknowledges it with the button", async () => {
    const [way] = await h.runtime.rota.setWays("giulia", [{ kind: "telegram" }]);
    expect(way?.address).toBeNull();
    expect(way?.linkCode).toMatch(/^pg-[a-z0-9]{10}$/);
    // Setting the ways again keeps the same code until it is used.
    const [again] = await h.runtime.rota.setWays("giulia", [{ kind: "telegram" }]);
    expect(again?.linkCode).toBe(way?.linkCode);

    // The technician opens the bot's deep link (/start CODE).
    api.enqueueText(`/start ${way!.linkCode}`, { id: TECH_CHAT });
    await eventually(
      () => api.sentTo(TECH_CHAT).some((m) => (m.text ?? "").includes("Telegram collegato a giulia")),
      () => `the link confirmation (sent: ${JSON.stringify(api.sentTo(TECH_CHAT).map((m) => m.text))})`,
    );
    const [linked] = await h.runtime.rota.ways("giulia");
    expect(linked).toMatchObject({ kind: "telegram", address: String(TECH_CHAT), linkCode: null });
    // No customer conversation started with the technician.
    expect(h.events.filter((e) => e.type === "customer.registered")).toHaveLength(0);

    await h.runtime.rota.setWeekly([{ technician: "giulia", weekday: "sat", start: "09:00", end: "18:30" }]);
    const customer = await h.customer({ plans: ["standard", "j-system"], company: "Pizzeria Bruno" });
    await customer.say("Il programma J2K non si avvia, non riesco a fare la vendita e la cassa è ferma");
    await customer.say("sì");
    await customer.say("2");
    const number = h.events.find((e) => e.type === "ticket.opened")!.ticket!;
    await eventually(
      () => api.sentTo(TECH_CHAT).some((m) => plain(m.text).includes(number)),
      () => "the page as a Telegram DM",
    );
    const dm = api.sentTo(TECH_CHAT).find((m) => plain(m.text).includes(number))!;
    expect(dm.text).toContain("Pizzeria Bruno");

    api.pressButton("OK, me ne occupo", TECH_CHAT);
    await eventually(
      () => h.events.some((e) => e.type === "oncall.acknowledged"),
      () => "the acknowledgement",
    );
    const [page] = await h.runtime.pager.pages({ ticket: number });
    expect(page).toMatchObject({ status: "acknowledged", ackedBy: "giulia", ackedVia: "telegram" });
    await eventually(
      () => api.sentTo(TECH_CHAT).some((m) => plain(m.text).includes(`Confermato: ${number} è tuo`)),
      () => "the confirmation to the technician",
    );
  });
});

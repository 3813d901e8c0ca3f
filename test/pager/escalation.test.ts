/**
 * The pager's escalation chain on the simulated clock (SQLite, or PostgreSQL with
 * SPORTELLO_TEST_DB=postgres): a blocking J-System ticket on Saturday pages the on-call
 * technician's ways in order (Telegram DM, then SMS through the fake Twilio server), then the
 * backup on the rota (a voice call), then the admins; an acknowledgement from any way stops it;
 * two runtimes on one database page each step once.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import * as store from "../../src/data/supportStore.js";
import { twilioNotifiers } from "../../src/pager/twilioNotifier.js";
import { FAKE_TWILIO, FakeTwilioApi } from "../support/fakeTwilioApi.js";
import { createHarness, type Harness } from "../support/harness.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const SATURDAY = "2027-03-27T10:00:00+01:00";
const GIULIA_TG = "5550001";

describe("pager escalation", () => {
  let twilio: FakeTwilioApi;
  let database: TestDatabase;
  const harnesses: Harness[] = [];

  beforeEach(async () => {
    twilio = await FakeTwilioApi.start();
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.stop();
    await twilio.close();
    await database.drop();
  });

  async function harness(): Promise<Harness> {
    const h = await createHarness({
      database,
      clock: SATURDAY,
      channels: ["whatsapp", "telegram"],
      start: false,
      pagerNotifiers: twilioNotifiers(
        {
          accountSid: FAKE_TWILIO.accountSid,
          authToken: FAKE_TWILIO.authToken,
          from: FAKE_TWILIO.from,
          apiUrl: twilio.url,
        },
        () => "https://sportello.example.it",
      ),
    });
    h.local("whatsapp").start(h.runtime.handleInbound);
    h.local("telegram").start(h.runtime.handleInbound);
    harnesses.push(h);
    return h;
  }

  /** giulia on call on Saturdays (Telegram, then SMS), marco her backup (a call), anna the admin. */
  async function staff(h: Harness) {
    for (const name of ["giulia", "marco"]) await store.upsertTechnician(h.db, { name });
    const anna = await store.upsertTechnician(h.db, { name: "anna" });
    await createStaffAccessStore(h.db).setRole(anna.id, "admin");
    await h.runtime.rota.setWays("giulia", [
      { kind: "telegram", address: GIULIA_TG },
      { kind: "sms", address: "+39 333 000 0001" },
    ]);
    await h.runtime.rota.setWays("marco", [{ kind: "voice", address: "+393330000002" }]);
    await h.runtime.rota.setWeekly([
      { technician: "giulia", weekday: "sat", start: "00:00", end: "24:00", position: 0 },
      { technician: "marco", weekday: "sat", start: "00:00", end: "24:00", position: 1 },
    ]);
  }

  async function blockingTicket(h: Harness): Promise<string> {
    const customer = await h.customer({ plans: ["standard", "j-system"], company: "Bar Roma" });
    await customer.say("Il programma J2K non si avvia, non riesco a fare la vendita e la cassa è ferma");
    await customer.say("sì");
    await customer.say("2");
    await h.runDueJobs();
    const opened = h.events.find((e) => e.type === "ticket.opened");
    expect(opened, "a ticket was opened").toBeDefined();
    return opened!.ticket!;
  }

  const pages = (h: Harness) =>
    h.events
      .filter((e) => e.type === "oncall.paged")
      .map((e) => ({ ...(e.payload as Record<string, unknown>) }));

  async function advance(h: Harness, minutes: number) {
    h.clock.advance(minutes * 60_000);
    await h.runDueJobs();
  }

  it("nobody acknowledges: each way of the on-call technician, then the backup, then the admins", async () => {
    const h = await harness();
    await staff(h);
    const number = await blockingTicket(h);

    // Step 0: giulia's first way, a Telegram message with an acknowledge button.
    expect(pages(h)).toEqual([{ technician: "giulia", repeat: 0, via: "telegram", who: "on-call" }]);
    const dm = h.local("telegram").sent.filter((m) => m.chatId === GIULIA_TG);
    expect(dm).toHaveLength(1);
    expect(dm[0]!.text).toContain(number);
    expect(dm[0]!.text).toContain("Bar Roma");
    expect(dm[0]!.choices?.[0]?.id).toMatch(/^pager-ack:/);

    // 14 minutes later nothing new; at 15 minutes her second way, an SMS through Twilio.
    await advance(h, 14);
    expect(twilio.requests).toHaveLength(0);
    await advance(h, 1);
    expect(twilio.of("Messages")).toHaveLength(1);
    expect(twilio.of("Messages")[0]!.params).toMatchObject({ To: "+393330000001", From: FAKE_TWILIO.from });
    expect(twilio.of("Messages")[0]!.params.Body).toContain(number);

    // Then the next person on the rota: marco is called (TwiML with a press-1 gather).
    await advance(h, 15);
    const calls = twilio.of("Calls");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params.To).toBe("+393330000002");
    expect(calls[0]!.params.Twiml).toContain("<Gather");
    expect(calls[0]!.params.Twiml).toContain("https://sportello.example.it/twilio/pager/gather?page=");

    // Finally the admins (anna has no ways: the desks).
    await advance(h, 15);
    expect(pages(h).map((p) => `${p.repeat}:${p.technician}:${p.via}:${p.who}`)).toEqual([
      "0:giulia:telegram:on-call",
      "1:giulia:sms:on-call",
      "2:marco:voice:rota",
      "3:anna:desk:admins",
    ]);

    // Every attempt is on the page, visible to the board.
    const [page] = await h.runtime.pager.pages({ ticket: number });
    expect(page?.status).toBe("open");
    expect(page?.attempts.map((a) => `${a.technician}:${a.kind}:${a.outcome}`)).toEqual([
      "giulia:telegram:sent",
      "giulia:sms:sent",
      "marco:voice:sent",
      "anna:desk:sent",
    ]);
    expect(page?.attempts[2]?.ref).toBe(calls[0]!.sid);

    // An answer "ok" from giulia's Telegram acknowledges it; the chain stops.
    await h
      .local("telegram")
      .receive(
        h.local("telegram").message(GIULIA_TG, "ok", { senderId: GIULIA_TG, platformMessageId: "tg-ok-1" }),
      );
    expect(h.events.filter((e) => e.type === "oncall.acknowledged").map((e) => e.payload)).toEqual([
      { via: "telegram" },
    ]);
    const before = pages(h).length;
    await advance(h, 120);
    expect(pages(h)).toHaveLength(before);
    const [acked] = await h.runtime.pager.pages({ ticket: number });
    expect(acked).toMatchObject({ status: "acknowledged", ackedBy: "giulia", ackedVia: "telegram" });
    // The answer was not taken for a customer message: no conversation started on that chat.
    expect(
      h
        .local("telegram")
        .sent.filter((m) => m.chatId === GIULIA_TG)
        .at(-1)?.text,
    ).toContain(number);
  });

  it("the acknowledge button stops the chain at its first step; a failing way moves on at once", async () => {
    const h = await harness();
    await staff(h);
    twilio.failing.add("+393330000001");
    const number = await blockingTicket(h);
    const button = h.local("telegram").sent.find((m) => m.chatId === GIULIA_TG)!.choices![0]!;
    await advance(h, 15);
    // The SMS failed (Twilio 400): marco's call follows without waiting.
    expect(pages(h).map((p) => `${p.repeat}:${p.via}${p.failed ? ":failed" : ""}`)).toEqual([
      "0:telegram",
      "1:sms:failed",
      "2:voice",
    ]);
    await h.local("telegram").receive(
      h.local("telegram").message(GIULIA_TG, button.label, {
        senderId: GIULIA_TG,
        platformMessageId: "tg-button-1",
        choice: button.id,
      }),
    );
    await advance(h, 60);
    expect(pages(h)).toHaveLength(3);
    const [page] = await h.runtime.pager.pages({ ticket: number });
    expect(page).toMatchObject({ status: "acknowledged", ackedBy: "giulia" });
  });

  it("the board's acknowledgement ends the page", async () => {
    const h = await harness();
    await staff(h);
    const number = await blockingTicket(h);
    const result = await h.runtime.perform({ type: "ack-page", ticket: number, by: { name: "marco" } });
    expect(result.ok).toBe(true);
    await advance(h, 60);
    expect(pages(h)).toHaveLength(1);
    const [page] = await h.runtime.pager.pages({ ticket: number });
    expect(page).toMatchObject({ status: "acknowledged", ackedBy: "marco", ackedVia: "desk" });
  });

  it("two runtimes on one database page each step once", async () => {
    const a = await harness();
    const b = await harness();
    await staff(a);
    const number = await blockingTicket(a);
    // Both instances run their due jobs at the same moments.
    for (let i = 0; i < 3; i++) {
      a.clock.advance(15 * 60_000);
      b.clock.advance(15 * 60_000);
      await Promise.all([a.runDueJobs(), b.runDueJobs()]);
    }
    const [page] = await a.runtime.pager.pages({ ticket: number });
    expect(page?.attempts.map((x) => `${x.step}:${x.technician}:${x.kind}`)).toEqual([
      "0:giulia:telegram",
      "1:giulia:sms",
      "2:marco:voice",
      "3:anna:desk",
    ]);
    expect(twilio.of("Messages")).toHaveLength(1);
    expect(twilio.of("Calls")).toHaveLength(1);
  });

  it("a channel down for the preset's minutes tells the on-call technician and the admins once, and its recovery once", async () => {
    const h = await harness();
    await staff(h);
    await h.runtime.rota.setWays("anna", [{ kind: "sms", address: "+393330000009" }]);
    const down = [{ component: "channel:whatsapp", ok: false, detail: "logged out" }];
    await h.runtime.pager.watch(down, 10);
    await advance(h, 9);
    await h.runtime.pager.watch(down, 10);
    expect(h.events.filter((e) => e.type === "staff.outage")).toHaveLength(0);
    await advance(h, 1);
    await h.runtime.pager.watch(down, 10);
    await advance(h, 5);
    await h.runtime.pager.watch(down, 10);
    expect(h.events.filter((e) => e.type === "staff.outage").map((e) => e.payload)).toEqual([
      { component: "channel:whatsapp", detail: "logged out", recovered: false },
    ]);
    const dm = h.local("telegram").sent.filter((m) => m.chatId === GIULIA_TG);
    expect(dm.map((m) => m.text)).toEqual([
      expect.stringContaining("channel:whatsapp non funziona da 10 minuti"),
    ]);
    expect(twilio.of("Messages").map((m) => m.params.To)).toEqual(["+393330000009"]);

    const up = [{ component: "channel:whatsapp", ok: true, detail: "connected" }];
    await h.runtime.pager.watch(up, 10);
    await h.runtime.pager.watch(up, 10);
    expect(
      h.events
        .filter((e) => e.type === "staff.outage")
        .map((e) => (e.payload as { recovered: boolean }).recovered),
    ).toEqual([false, true]);
    expect(
      h
        .local("telegram")
        .sent.filter((m) => m.chatId === GIULIA_TG)
        .at(-1)?.text,
    ).toContain("funziona di nuovo");
    expect(twilio.of("Messages")).toHaveLength(2);
  });

  it("two runtimes watching one database tell an outage once, and its recovery once", async () => {
    const a = await harness();
    const b = await harness();
    await staff(a);
    const both = [a, b];
    const watchBoth = (states: { component: string; ok: boolean; detail: string }[]) =>
      Promise.all(both.map((h) => h.runtime.pager.watch(states, 10)));
    const told = () =>
      both.flatMap((h) =>
        h.events
          .filter((e) => e.type === "staff.outage")
          .map((e) => (e.payload as { recovered: boolean }).recovered),
      );
    const dms = () =>
      both.flatMap((h) =>
        h
          .local("telegram")
          .sent.filter((m) => m.chatId === GIULIA_TG)
          .map((m) => m.text),
      );
    const down = [{ component: "channel:whatsapp", ok: false, detail: "logged out" }];
    await watchBoth(down);
    for (const h of both) h.clock.advance(10 * 60_000);
    // Both instances find it down for 10 minutes at the same moment, twice.
    await watchBoth(down);
    await watchBoth(down);
    expect(told()).toEqual([false]);
    expect(dms()).toEqual([expect.stringContaining("channel:whatsapp non funziona da 10 minuti")]);

    const up = [{ component: "channel:whatsapp", ok: true, detail: "connected" }];
    await watchBoth(up);
    await watchBoth(up);
    expect(told()).toEqual([false, true]);
    expect(dms()).toHaveLength(2);
    expect(dms()[1]).toContain("funziona di nuovo");
  });
});

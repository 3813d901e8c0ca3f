/**
 * Twilio's webhooks for the pager over HTTP, signed as Twilio signs them: the key pressed on a
 * page call acknowledges the page, an SMS "ok" from the technician's phone does too, and a
 * request with a bad signature is refused (403) without acting.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as store from "../../src/data/supportStore.js";
import { createRenderer } from "../../src/i18n/renderer.js";
import { twilioNotifiers } from "../../src/pager/twilioNotifier.js";
import { registerTwilioRoutes } from "../../src/server/twilioRoutes.js";
import { FAKE_TWILIO, FakeTwilioApi, signedRequest } from "../support/fakeTwilioApi.js";
import { createHarness, type Harness } from "../support/harness.js";
import { startWebStack, type WebStack } from "../support/webStack.js";

const PUBLIC = "https://support.example.it";

describe("Twilio webhooks of the pager", () => {
  let twilio: FakeTwilioApi;
  let h: Harness;
  let web: WebStack;

  beforeEach(async () => {
    twilio = await FakeTwilioApi.start();
    h = await createHarness({
      clock: "2027-03-27T10:00:00+01:00",
      channels: ["whatsapp"],
      start: false,
      pagerNotifiers: twilioNotifiers(
        {
          accountSid: FAKE_TWILIO.accountSid,
          authToken: FAKE_TWILIO.authToken,
          from: FAKE_TWILIO.from,
          apiUrl: twilio.url,
        },
        () => PUBLIC,
      ),
    });
    h.local("whatsapp").start(h.runtime.handleInbound);
    const renderer = createRenderer(h.policy);
    web = await startWebStack({
      publicUrl: PUBLIC,
      listen: false,
      routes: [
        (scope) =>
          registerTwilioRoutes(scope, {
            authToken: FAKE_TWILIO.authToken,
            publicUrl: PUBLIC,
            pager: h.runtime.pager,
            render: renderer.render,
            language: "it",
          }),
      ],
    });
    await store.upsertTechnician(h.db, { name: "giulia" });
    await h.runtime.rota.setWays("giulia", [
      { kind: "voice", address: "+393330000001" },
      { kind: "sms", address: "+393330000001" },
    ]);
    await h.runtime.rota.setWeekly([{ technician: "giulia", weekday: "sat", start: "00:00", end: "24:00" }]);
  });
  afterEach(async () => {
    await web.close();
    await h.stop();
    await twilio.close();
  });

  async function page(): Promise<{ number: string; pageId: string }> {
    const customer = await h.customer({ plans: ["standard", "j-system"] });
    await customer.say("Il programma J2K non si avvia, non riesco a fare la vendita e la cassa è ferma");
    await customer.say("sì");
    await customer.say("2");
    await h.runDueJobs();
    const number = h.events.find((e) => e.type === "ticket.opened")!.ticket!;
    const [p] = await h.runtime.pager.pages({ ticket: number });
    return { number, pageId: p!.id };
  }

  const post = (path: string, params: Record<string, string>, signature?: string) => {
    const signed = signedRequest(`${PUBLIC}${path}`, params);
    return web.server.app.inject({
      method: "POST",
      url: path,
      headers: {
        ...signed.headers,
        host: "support.example.it",
        ...(signature !== undefined ? { "x-twilio-signature": signature } : {}),
      },
      payload: signed.payload,
    });
  };

  it("key 1 on the page call acknowledges the page; TwiML says so", async () => {
    const { number, pageId } = await page();
    const call = twilio.of("Calls")[0]!;
    expect(call.params.Twiml).toContain(`/twilio/pager/gather?page=${pageId}`);
    const path = `/twilio/pager/gather?page=${encodeURIComponent(pageId)}`;

    // A forged request (wrong signature) changes nothing.
    const forged = await post(path, { CallSid: call.sid, Digits: "1" }, "bm90LXR3aWxpbw==");
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: "twilio-signature-invalid" });
    // Another key does not acknowledge.
    const two = await post(path, { CallSid: call.sid, Digits: "2" });
    expect(two.body).toContain("Nessuna conferma");
    expect((await h.runtime.pager.pages({ ticket: number }))[0]?.status).toBe("open");

    const res = await post(path, {
      CallSid: call.sid,
      Digits: "1",
      From: FAKE_TWILIO.from,
      To: "+393330000001",
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/xml");
    expect(res.body).toContain("<Say");
    expect(res.body).toContain("Confermato");
    const [acked] = await h.runtime.pager.pages({ ticket: number });
    expect(acked).toMatchObject({ status: "acknowledged", ackedBy: "giulia", ackedVia: "voice" });
  });

  it("an SMS 'ok' from the technician's phone acknowledges; one from a stranger does not", async () => {
    const { number } = await page();
    const stranger = await post("/twilio/sms", { From: "+393339999999", Body: "ok", MessageSid: "SM1" });
    expect(stranger.statusCode).toBe(200);
    expect((await h.runtime.pager.pages({ ticket: number }))[0]?.status).toBe("open");
    const res = await post("/twilio/sms", { From: "+393330000001", Body: "OK", MessageSid: "SM2" });
    expect(res.body).toContain("<Message>");
    expect(res.body).toContain(number);
    expect((await h.runtime.pager.pages({ ticket: number }))[0]).toMatchObject({
      status: "acknowledged",
      ackedVia: "sms",
    });
  });
});

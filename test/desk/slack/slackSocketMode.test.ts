import { afterAll, beforeAll, expect, it } from "vitest";
import { createSlackDesk } from "../../../src/desk/slack/slackDesk.js";
import { ACTION } from "../../../src/desk/slack/ticketCard.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createFakeStaffActions } from "../../support/fakeStaffActions.js";
import { buttonPayload, eventBody } from "./slackRequests.js";

let api: FakeSlackApi;

beforeAll(async () => {
  api = await startFakeSlackApi();
});

afterAll(async () => {
  await api.close();
});

it("in Socket Mode the desk connects through apps.connections.open, acks envelopes and acts once per event_id", async () => {
  const staff = createFakeStaffActions([{ id: "t1", name: "Mario Bianchi", slackUserId: "UMARIO" }]);
  const seen = new Set<string>();
  const desk = createSlackDesk({
    botToken: "xoxb-socket",
    appToken: "xapp-1-socket",
    staffChannel: "CSTAFF",
    apiUrl: api.apiUrl,
    seen: async (source, key) => {
      if (seen.has(`${source}:${key}`)) return true;
      seen.add(`${source}:${key}`);
      return false;
    },
  });
  await desk.start(staff);
  try {
    const open = api.callsTo("apps.connections.open");
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe("xapp-1-socket");
    expect(api.socketMode.connections()).toBe(1);
    expect(desk.address()).toBeNull();

    const ticket = staff.addTicket();
    await desk.notify({ type: "ticket.opened", ticket });
    const ref = staff.tickets.get(ticket.number)!.deskRefs.slack as { channel: string; ts: string };

    // A click arrives as an `interactive` envelope.
    api.socketMode.push({
      envelope_id: "env-claim",
      type: "interactive",
      accepts_response_payload: false,
      payload: buttonPayload({
        actionId: ACTION.claim,
        value: ticket.number,
        user: "UMARIO",
        channel: "CSTAFF",
        messageTs: ref.ts,
      }),
    });
    await api.socketMode.ackFor("env-claim");
    await desk.idle();
    expect(staff.tickets.get(ticket.number)?.assignee?.name).toBe("Mario Bianchi");

    // A thread reply, then Slack's retry of the same event on a new envelope.
    const { body } = eventBody(
      {
        type: "message",
        channel: "CSTAFF",
        user: "UMARIO",
        text: "Arrivo",
        ts: "1790002000.000001",
        thread_ts: ref.ts,
      },
      "EvSOCKET001",
    );
    for (const [envelope, retry] of [
      ["env-msg-1", 0],
      ["env-msg-2", 1],
    ] as const) {
      api.socketMode.push({
        envelope_id: envelope,
        type: "events_api",
        accepts_response_payload: false,
        retry_attempt: retry,
        retry_reason: retry ? "timeout" : "",
        payload: JSON.parse(body),
      });
      await api.socketMode.ackFor(envelope);
      await desk.idle();
    }
    expect(staff.performed.filter((a) => a.type === "reply")).toEqual([
      {
        type: "reply",
        ticket: ticket.number,
        by: { desk: "slack", externalId: "UMARIO" },
        text: "Arrivo",
        origin: "slack",
      },
    ]);
  } finally {
    await desk.stop();
  }
});

import Fastify from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mountSlackDeskOnFastify } from "../../../src/desk/slack/fastifyMount.js";
import { createSlackDesk } from "../../../src/desk/slack/slackDesk.js";
import { ACTION } from "../../../src/desk/slack/ticketCard.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createFakeStaffActions } from "../../support/fakeStaffActions.js";
import { buttonPayload, postInteraction, SIGNING_SECRET, signedPost } from "./slackRequests.js";

let api: FakeSlackApi;

beforeAll(async () => {
  api = await startFakeSlackApi();
});

afterAll(async () => {
  await api.close();
});

it("the desk's endpoint mounted on a Fastify server verifies signatures and handles clicks", async () => {
  const staff = createFakeStaffActions([{ id: "t1", name: "Mario Bianchi", slackUserId: "UMARIO" }]);
  const desk = createSlackDesk({
    botToken: "xoxb-fastify",
    signingSecret: SIGNING_SECRET,
    staffChannel: "CSTAFF",
    apiUrl: api.apiUrl,
    seen: async () => false,
  });
  const fastify = Fastify();
  // A JSON route elsewhere on the same server keeps its normal body parsing.
  fastify.post("/other", async (request) => ({ echoed: request.body }));
  await mountSlackDeskOnFastify(fastify, desk);
  await desk.start(staff);
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  try {
    const address = fastify.server.address() as { port: number };
    const base = `http://127.0.0.1:${address.port}`;
    const ticket = staff.addTicket();
    await desk.notify({ type: "ticket.opened", ticket });
    const ref = staff.tickets.get(ticket.number)!.deskRefs.slack as { channel: string; ts: string };

    const forged = await postInteraction(
      `${base}/slack/events`,
      buttonPayload({
        actionId: ACTION.claim,
        value: ticket.number,
        user: "UMARIO",
        channel: "CSTAFF",
        messageTs: ref.ts,
      }),
      { secret: "wrong" },
    );
    expect(forged.status).toBe(401);

    const ok = await postInteraction(
      `${base}/slack/events`,
      buttonPayload({
        actionId: ACTION.claim,
        value: ticket.number,
        user: "UMARIO",
        channel: "CSTAFF",
        messageTs: ref.ts,
      }),
    );
    expect(ok.status).toBe(200);
    await desk.idle();
    expect(staff.tickets.get(ticket.number)?.assignee?.name).toBe("Mario Bianchi");

    const challenge = await signedPost(
      `${base}/slack/events`,
      JSON.stringify({ type: "url_verification", challenge: "fst" }),
      "application/json",
    );
    expect(challenge.body).toContain("fst");

    const other = await fetch(`${base}/other`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await other.json()).toEqual({ echoed: { a: 1 } });
  } finally {
    await fastify.close();
    await desk.stop();
  }
});

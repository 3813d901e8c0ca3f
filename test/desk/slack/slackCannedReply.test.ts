/**
 * `/sportello reply NUMBER KEY` on the real Bolt app against the fake Slack Web API: lists the
 * preset's canned replies, sends one filled for the ticket's customer through the reply action
 * (origin slack), and explains an unknown key or ticket.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCannedReplyService } from "../../../src/desk/cannedReplyService.js";
import { createSlackDesk, type SlackDesk } from "../../../src/desk/slack/slackDesk.js";
import { loadCannedReplies } from "../../../src/policy/cannedReplies.js";
import { loadPolicy } from "../../../src/policy/loadPolicy.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createFakeStaffActions, type FakeStaffActions } from "../../support/fakeStaffActions.js";
import { postCommand, SIGNING_SECRET } from "./slackRequests.js";

const MARIO = { id: "tech-1", name: "Mario Bianchi", slackUserId: "UMARIO" };
let api: FakeSlackApi;
let staff: FakeStaffActions;
let desk: SlackDesk;
let url: string;

beforeAll(async () => {
  api = await startFakeSlackApi();
});
afterAll(async () => {
  await api.close();
});
beforeEach(async () => {
  staff = createFakeStaffActions([MARIO]);
  const policy = loadPolicy("leghorn");
  desk = createSlackDesk({
    botToken: "xoxb-test-token",
    signingSecret: SIGNING_SECRET,
    staffChannel: "CSTAFF",
    apiUrl: api.apiUrl,
    seen: async () => false,
    listen: { port: 0, host: "127.0.0.1" },
    cannedReplies: createCannedReplyService({
      policy,
      replies: loadCannedReplies("leghorn"),
      getTicket: (number) => staff.getTicket(number),
      // Tuesday 30 March 2027 at 19:00: closed, LeghornGroup reopens on Wednesday at 09:00.
      now: () => new Date("2027-03-30T19:00:00+02:00"),
    }),
  });
  await desk.start(staff);
  url = `http://127.0.0.1:${desk.address()!.port}${desk.endpoint}`;
});
afterEach(async () => {
  await desk.stop();
});

async function run(text: string) {
  const responseUrl = api.responseUrl();
  const response = await postCommand(url, { text, user: MARIO.slackUserId, responseUrl });
  expect(response.status).toBe(200);
  await desk.idle();
  const id = responseUrl.slice(responseUrl.lastIndexOf("/") + 1);
  return api.responses.filter((r) => r.id === id).map((r) => String(r.body.text));
}

describe("/sportello reply", () => {
  it("lists the canned replies when no key is given", async () => {
    const ticket = staff.addTicket();
    const [answer] = await run(`reply ${ticket.number}`);
    expect(answer).toContain("`sales-rep-first`");
    expect(answer).toContain("`next-opening` — When we reopen");
    expect(staff.performed).toEqual([]);
  });

  it("sends the reply filled for the ticket's customer, in their language", async () => {
    const ticket = staff.addTicket();
    const answers = await run(`reply next-opening ${ticket.number.toLowerCase()}`);
    const reply = staff.performed.find((a) => a.type === "reply");
    expect(reply).toMatchObject({ type: "reply", ticket: ticket.number, origin: "slack" });
    const text = (reply as { text: string }).text;
    expect(text).toBe(
      `Gentile Anna Rossi, il ticket ${ticket.number} è in coda: il supporto riapre domani, mercoledì 31 marzo, alle 09:00.`,
    );
    expect(answers.join("\n")).toContain(`Sent to the customer of ${ticket.number}`);
  });

  it("explains an unknown key, an unknown ticket and a malformed command", async () => {
    const ticket = staff.addTicket();
    expect((await run(`reply ${ticket.number} no-such-reply`)).join("")).toContain(
      "No canned reply `no-such-reply`",
    );
    expect((await run("reply LG-2027-99999 send-media")).join("")).toContain("does not exist");
    expect((await run("reply")).join("")).toContain("/sportello reply LT-2026-00042 KEY");
    expect(staff.performed).toEqual([]);
  });
});

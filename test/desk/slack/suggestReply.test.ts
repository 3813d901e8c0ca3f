/**
 * "Suggest reply" on the Slack card: offered only when the staff actions can draft (AI on), the
 * draft goes ephemerally to the technician who clicked, labelled as not sent, and nothing reaches
 * the customer or the channel. Real Bolt app against the fake Slack Web API.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StaffActions } from "../../../src/desk/port.js";
import { createSlackDesk, type SlackDesk } from "../../../src/desk/slack/slackDesk.js";
import { ACTION } from "../../../src/desk/slack/ticketCard.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createFakeStaffActions, type FakeStaffActions } from "../../support/fakeStaffActions.js";
import { buttonPayload, postInteraction, SIGNING_SECRET } from "./slackRequests.js";

const STAFF = "CSTAFF";
const MARIO = { id: "tech-1", name: "Mario Bianchi", slackUserId: "UMARIO" };
const STRANGER = "USTRANGER";

let api: FakeSlackApi;
let staff: FakeStaffActions;
let desk: SlackDesk | null = null;
let url: string;
/** Tickets a draft was asked for, and the answer to give. */
let asked: string[];
let nextDraft: string | null;

beforeAll(async () => {
  api = await startFakeSlackApi();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.calls.length = 0;
  api.responses.length = 0;
  asked = [];
  nextDraft = null;
  staff = createFakeStaffActions([MARIO]);
});
afterEach(async () => {
  await desk?.stop();
  desk = null;
});

/** The fake staff actions, with reply drafts (AI on) or without (AI off). */
function withDrafts(base: FakeStaffActions): StaffActions {
  return Object.assign(Object.create(base) as FakeStaffActions, {
    async suggestReply(ticket: string) {
      asked.push(ticket);
      return nextDraft;
    },
  });
}

async function startDesk(actions: StaffActions) {
  desk = createSlackDesk({
    botToken: "xoxb-test-token",
    signingSecret: SIGNING_SECRET,
    staffChannel: STAFF,
    apiUrl: api.apiUrl,
    seen: async () => false,
    listen: { port: 0, host: "127.0.0.1" },
    now: () => new Date("2026-11-21T10:00:00Z"),
  });
  await desk.start(actions);
  url = `http://127.0.0.1:${desk.address()!.port}${desk.endpoint}`;
}

async function openTicket() {
  const ticket = staff.addTicket({ description: "La stampante non stampa" });
  await desk!.notify({ type: "ticket.opened", ticket });
  const ref = staff.tickets.get(ticket.number)!.deskRefs.slack as { channel: string; ts: string };
  return { ticket, ref };
}

function buttonIds(blocks: unknown): string[] {
  return (blocks as { type: string; elements?: { action_id?: string }[] }[])
    .filter((b) => b.type === "actions")
    .flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? ""));
}

async function click(ticket: string, ts: string, user = MARIO.slackUserId) {
  const response = await postInteraction(
    url,
    buttonPayload({ actionId: ACTION.suggestReply, value: ticket, user, channel: STAFF, messageTs: ts }),
  );
  expect(response.status).toBe(200);
  await desk!.idle();
}

describe("Slack desk: Suggest reply", () => {
  it("is not on the card when the staff actions cannot draft (AI off)", async () => {
    await startDesk(staff);
    await openTicket();
    const card = api.callsTo("chat.postMessage").at(-1)!;
    expect(buttonIds(card.args.blocks)).not.toContain(ACTION.suggestReply);
    expect(JSON.stringify(card.args.blocks)).not.toContain("Suggest reply");
  });

  it("posts the draft ephemerally to the clicking technician only, labelled as not sent", async () => {
    await startDesk(withDrafts(staff));
    const { ticket, ref } = await openTicket();
    const card = api.callsTo("chat.postMessage").at(-1)!;
    expect(buttonIds(card.args.blocks)).toEqual([
      ACTION.claim,
      ACTION.ask,
      ACTION.suggestReply,
      ACTION.note,
      ACTION.close,
    ]);
    const postsBefore = api.callsTo("chat.postMessage").length;

    nextDraft = "Buongiorno, controlliamo la stampante <!channel> e la richiamiamo entro oggi.";
    await click(ticket.number, ref.ts);
    expect(asked).toEqual([ticket.number]);
    const ephemerals = api.callsTo("chat.postEphemeral");
    expect(ephemerals).toHaveLength(1);
    const shown = ephemerals[0]!.args;
    expect(shown).toMatchObject({ channel: STAFF, user: MARIO.slackUserId });
    const text = String(shown.text);
    expect(text).toContain(`Draft reply for ${ticket.number}`);
    expect(text).toContain("NOT sent to the customer");
    expect(text).toContain("Buongiorno, controlliamo la stampante");
    // Model output is untrusted text: it cannot ping the channel.
    expect(text).not.toContain("<!channel>");
    // Nothing reached the customer, the ticket or the channel.
    expect(staff.performed).toEqual([]);
    expect(staff.toCustomer).toEqual([]);
    expect(api.callsTo("chat.postMessage")).toHaveLength(postsBefore);
  });

  it("stays on the card after a claim and tells the technician when no draft could be made", async () => {
    await startDesk(withDrafts(staff));
    const { ticket, ref } = await openTicket();
    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.claim,
        value: ticket.number,
        user: MARIO.slackUserId,
        channel: STAFF,
        messageTs: ref.ts,
      }),
    );
    await desk!.idle();
    const update = api.callsTo("chat.update").at(-1)!;
    expect(buttonIds(update.args.blocks)).toContain(ACTION.suggestReply);

    const toCustomerAfterClaim = staff.toCustomer.length;
    nextDraft = null;
    await click(ticket.number, ref.ts);
    const shown = api.callsTo("chat.postEphemeral").at(-1)!.args;
    expect(shown).toMatchObject({ channel: STAFF, user: MARIO.slackUserId });
    expect(String(shown.text)).toMatch(/No draft for/);
    expect(staff.toCustomer).toHaveLength(toCustomerAfterClaim);
  });

  it("refuses a non-technician without drafting anything", async () => {
    await startDesk(withDrafts(staff));
    const { ticket, ref } = await openTicket();
    nextDraft = "should never be shown";
    await click(ticket.number, ref.ts, STRANGER);
    expect(asked).toEqual([]);
    const shown = api.callsTo("chat.postEphemeral").at(-1)!.args;
    expect(shown).toMatchObject({ user: STRANGER });
    expect(String(shown.text)).toMatch(/only technicians/i);
  });
});

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/env.js";
import type { TicketView } from "../../../src/desk/port.js";
import { MODAL } from "../../../src/desk/slack/deskModals.js";
import { createSlackDesk, type SlackDesk, SlackDeskError } from "../../../src/desk/slack/slackDesk.js";
import { ACTION } from "../../../src/desk/slack/ticketCard.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createFakeStaffActions, type FakeStaffActions, viewOf } from "../../support/fakeStaffActions.js";
import {
  buttonPayload,
  postCommand,
  postEvent,
  postInteraction,
  SIGNING_SECRET,
  sign,
  signedPost,
  viewPayload,
} from "./slackRequests.js";

const STAFF = "CSTAFF";
const MARIO = { id: "tech-1", name: "Mario Bianchi", slackUserId: "UMARIO" };
const LUCIA = { id: "tech-2", name: "Lucia Verdi", slackUserId: "ULUCIA" };
const STRANGER = "USTRANGER";

let api: FakeSlackApi;
let staff: FakeStaffActions;
let desk: SlackDesk;
let url: string;
let seenKeys: Set<string>;

function memorySeen() {
  seenKeys = new Set();
  return async (source: string, key: string) => {
    const k = `${source}:${key}`;
    if (seenKeys.has(k)) return true;
    seenKeys.add(k);
    return false;
  };
}

async function startDesk(extra: Partial<Parameters<typeof createSlackDesk>[0]> = {}) {
  desk = createSlackDesk({
    botToken: "xoxb-test-token",
    signingSecret: SIGNING_SECRET,
    staffChannel: STAFF,
    apiUrl: api.apiUrl,
    seen: memorySeen(),
    listen: { port: 0, host: "127.0.0.1" },
    now: () => new Date("2026-11-21T10:00:00Z"),
    ...extra,
  });
  await desk.start(staff);
  const address = desk.address();
  if (!address) throw new Error("desk not listening");
  url = `http://127.0.0.1:${address.port}${desk.endpoint}`;
}

/** Opens a ticket through the desk and returns it with its card ref. */
async function openTicket(partial: Partial<TicketView> = {}) {
  const ticket = staff.addTicket(partial);
  await desk.notify({ type: "ticket.opened", ticket });
  const stored = staff.tickets.get(ticket.number)!;
  const ref = stored.deskRefs.slack as { channel: string; ts: string };
  return { ticket: stored, ref };
}

function lastCall(method: string) {
  const calls = api.callsTo(method);
  const call = calls[calls.length - 1];
  if (!call) throw new Error(`no ${method} call`);
  return call;
}

function buttonIds(blocks: unknown): string[] {
  const list = blocks as { type: string; elements?: { action_id?: string }[] }[];
  return list
    .filter((b) => b.type === "actions")
    .flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? ""));
}

beforeAll(async () => {
  api = await startFakeSlackApi();
});

afterAll(async () => {
  await api.close();
});

beforeEach(async () => {
  api.calls.length = 0;
  api.responses.length = 0;
  staff = createFakeStaffActions([MARIO, LUCIA]);
  await startDesk();
});

afterEach(async () => {
  await desk.stop();
});

describe("Slack desk: cards", () => {
  it("starts with auth.test against the configured API URL", () => {
    expect(api.callsTo("auth.test")).toHaveLength(1);
    expect(api.callsTo("auth.test")[0]?.token).toBe("xoxb-test-token");
  });

  it("posts a ticket card with the ticket facts and the four buttons, and stores the card ts", async () => {
    const { ticket, ref } = await openTicket({
      summary: "Printer offline, VPN unstable",
      coverage: { kind: "billable", quotedRateCents: 6000, consent: true },
      openNow: false,
    });
    const post = lastCall("chat.postMessage");
    expect(post.args.channel).toBe(STAFF);
    const json = JSON.stringify(post.args.blocks);
    for (const fact of [
      ticket.number,
      "Rossi &amp; Figli S.r.l.",
      "Anna Rossi",
      "telegram",
      "assist-pro",
      "quoted rate € 60,00/h",
      "customer consented",
      "network",
      "high",
      "blocking",
      "The office printer is offline",
      "printer.jpg",
      "Printer offline, VPN unstable",
      "no (out of hours)",
    ]) {
      expect(json).toContain(fact);
    }
    expect(buttonIds(post.args.blocks)).toEqual([ACTION.claim, ACTION.ask, ACTION.note, ACTION.close]);
    expect(ref).toEqual({ channel: STAFF, ts: expect.stringMatching(/^\d+\.\d+$/) });
  });

  it("updates the card instead of posting a second one when ticket.opened is delivered again", async () => {
    const { ticket } = await openTicket();
    await desk.notify({ type: "ticket.opened", ticket });
    expect(api.callsTo("chat.postMessage")).toHaveLength(1);
    expect(api.callsTo("chat.update")).toHaveLength(1);
  });

  it("never posts a second card for events carrying a snapshot taken before the card existed", async () => {
    const snapshot = staff.addTicket();
    await Promise.all([
      desk.notify({ type: "ticket.opened", ticket: snapshot }),
      desk.notify({ type: "customer.message", ticket: snapshot, text: "altro dettaglio", attachments: [] }),
    ]);
    await desk.notify({ type: "ticket.updated", ticket: snapshot, change: "priority raised" });
    const cards = api.callsTo("chat.postMessage").filter((c) => c.args.thread_ts === undefined);
    expect(cards).toHaveLength(1);
    const ref = staff.tickets.get(snapshot.number)?.deskRefs.slack as { ts: string };
    const threadLines = api.callsTo("chat.postMessage").filter((c) => c.args.thread_ts === ref.ts);
    expect(threadLines.map((c) => String(c.args.text))).toEqual([
      expect.stringContaining("altro dettaglio"),
      expect.stringContaining("priority raised"),
    ]);
  });

  it("ticket.updated refreshes the card and adds a thread line", async () => {
    const { ticket, ref } = await openTicket();
    const closed: TicketView = {
      ...ticket,
      status: "closed",
      assignee: viewOf(MARIO),
      minutes: 45,
      resolution: "Replaced the router",
      charge: {
        covered: false,
        plan: null,
        billedMinutes: 45,
        netCents: 4500,
        vatCents: 990,
        grossCents: 5490,
        currency: "EUR",
      },
    };
    await desk.notify({ type: "ticket.updated", ticket: closed, change: "closed" });
    const update = lastCall("chat.update");
    expect(update.args).toMatchObject({ channel: ref.channel, ts: ref.ts });
    const json = JSON.stringify(update.args.blocks);
    expect(json).toContain("Mario Bianchi");
    expect(json).toContain("€ 54,90");
    expect(json).toContain("Replaced the router");
    expect(buttonIds(update.args.blocks)).toEqual([ACTION.reopen, ACTION.note]);
    const line = lastCall("chat.postMessage");
    expect(line.args.thread_ts).toBe(ref.ts);
    expect(String(line.args.text)).toContain("closed");
  });

  it("neutralises mentions and markup in customer text", async () => {
    const { ticket, ref } = await openTicket();
    const nasty =
      "<!channel> <!here> <!everyone> <@U123ABC> <#C999|general> <https://evil.example|click> @here a & b > c";
    await desk.notify({ type: "customer.message", ticket, text: nasty, attachments: [] });
    const post = lastCall("chat.postMessage");
    expect(post.args.thread_ts).toBe(ref.ts);
    const text = String(post.args.text);
    for (const live of [
      "<!channel>",
      "<!here>",
      "<!everyone>",
      "<@U123ABC>",
      "<#C999",
      "<https://",
      "@here",
    ]) {
      expect(text).not.toContain(live);
    }
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).toContain("&lt;@U123ABC&gt;");
    expect(text).toContain("a &amp; b &gt; c");
    expect(text).not.toMatch(/<[^>]*>/);
  });

  it("neutralises mentions in the card's customer-provided fields", async () => {
    await openTicket({ description: "help <!channel> <@U0BOSS>", summary: "<!here>" });
    const json = JSON.stringify(lastCall("chat.postMessage").args);
    expect(json).not.toContain("<!channel>");
    expect(json).not.toContain("<!here>");
    expect(json).not.toContain("<@U0BOSS>");
  });

  it("lets a Web API 429 propagate from notify with the Retry-After", async () => {
    const ticket = staff.addTicket();
    api.rateLimit("chat.postMessage", 7);
    const error = await desk.notify({ type: "ticket.opened", ticket }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackDeskError);
    expect((error as SlackDeskError).code).toBe("slack-rate-limited");
    expect((error as SlackDeskError).retryAfterMs).toBe(7000);
    expect(staff.tickets.get(ticket.number)?.deskRefs.slack).toBeUndefined();
    // The runtime retries later and this time it goes through.
    await desk.notify({ type: "ticket.opened", ticket });
    expect(staff.tickets.get(ticket.number)?.deskRefs.slack).not.toBeNull();
  });

  it("staff.reply from another desk becomes a thread line", async () => {
    const { ticket, ref } = await openTicket();
    await desk.notify({ type: "staff.reply", ticket, text: "Riavvia il router <!here>", by: "Lucia Verdi" });
    const post = lastCall("chat.postMessage");
    expect(post.args.thread_ts).toBe(ref.ts);
    expect(String(post.args.text)).toContain("Lucia Verdi");
    expect(String(post.args.text)).not.toContain("<!here>");
  });

  it("staff.reply that came from Slack is skipped by its origin; one from the board is posted", async () => {
    const { ticket, ref } = await openTicket();
    const posts = () => api.callsTo("chat.postMessage").length;
    const before = posts();
    // Not remembered as typed here (e.g. another instance of the desk): the origin alone decides.
    await desk.notify({ type: "staff.reply", ticket, text: "Riavvio io", by: "Mario", origin: "slack" });
    expect(posts()).toBe(before);
    await desk.notify({ type: "staff.reply", ticket, text: "Dalla bacheca", by: "Lucia", origin: "board" });
    expect(posts()).toBe(before + 1);
    expect(lastCall("chat.postMessage").args.thread_ts).toBe(ref.ts);
    expect(String(lastCall("chat.postMessage").args.text)).toContain("Dalla bacheca");
  });
});

describe("Slack desk: request verification", () => {
  it("refuses a forged signature with 401 and does nothing", async () => {
    const { ticket, ref } = await openTicket();
    const payload = buttonPayload({
      actionId: ACTION.claim,
      value: ticket.number,
      user: MARIO.slackUserId,
      channel: STAFF,
      messageTs: ref.ts,
    });
    const forged = await postInteraction(url, payload, { secret: "not-the-secret" });
    expect(forged.status).toBe(401);
    const missing = await postInteraction(url, payload, { signature: null });
    expect(missing.status).toBe(401);
    await desk.idle();
    expect(staff.performed).toHaveLength(0);
  });

  it("refuses a replayed request with a stale timestamp with 401", async () => {
    const { ticket, ref } = await openTicket();
    const payload = buttonPayload({
      actionId: ACTION.claim,
      value: ticket.number,
      user: MARIO.slackUserId,
      channel: STAFF,
      messageTs: ref.ts,
    });
    const stale = await postInteraction(url, payload, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await desk.idle();
    expect(staff.performed).toHaveLength(0);
  });

  it("answers Slack's url_verification challenge", async () => {
    const body = JSON.stringify({ token: "legacy", challenge: "abc123", type: "url_verification" });
    const response = await signedPost(url, body, "application/json");
    expect(response.status).toBe(200);
    expect(response.body).toContain("abc123");
  });

  it("acts once when Slack redelivers the same event_id with x-slack-retry-num", async () => {
    const { ticket, ref } = await openTicket();
    const event = {
      type: "message",
      channel: STAFF,
      user: MARIO.slackUserId,
      text: "Arrivo alle 15",
      ts: "1790000100.000001",
      thread_ts: ref.ts,
    };
    const first = await postEvent(url, event, { eventId: "EvSAME0001" });
    expect(first.status).toBe(200);
    await desk.idle();
    const retry = await postEvent(url, event, {
      eventId: "EvSAME0001",
      headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
    });
    expect(retry.status).toBe(200);
    await desk.idle();
    expect(staff.performed.filter((a) => a.type === "reply")).toHaveLength(1);
    expect(staff.toCustomer.filter((m) => m.ticket === ticket.number && m.kind === "reply")).toHaveLength(1);
  });

  it("acts once when the original delivery and Slack's retry arrive together", async () => {
    const { ref } = await openTicket();
    const event = {
      type: "message",
      channel: STAFF,
      user: LUCIA.slackUserId,
      text: "Insieme",
      ts: "1790000101.000001",
      thread_ts: ref.ts,
    };
    const responses = await Promise.all([
      postEvent(url, event, { eventId: "EvTWIN0001" }),
      postEvent(url, event, {
        eventId: "EvTWIN0001",
        headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
      }),
      postEvent(url, event, {
        eventId: "EvTWIN0001",
        headers: { "x-slack-retry-num": "2", "x-slack-retry-reason": "http_timeout" },
      }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await desk.idle();
    expect(staff.performed.filter((a) => a.type === "reply")).toHaveLength(1);
  });

  it("can be mounted on another HTTP server through requestListener", async () => {
    const { createServer } = await import("node:http");
    const other = createSlackDesk({
      botToken: "xoxb-test-token",
      signingSecret: SIGNING_SECRET,
      staffChannel: STAFF,
      apiUrl: api.apiUrl,
      seen: memorySeen(),
    });
    await other.start(staff);
    expect(other.address()).toBeNull();
    const server = createServer((req, res) => other.requestListener?.(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const body = JSON.stringify({ token: "legacy", challenge: "mounted", type: "url_verification" });
      const ok = await signedPost(`http://127.0.0.1:${port}/slack/events`, body, "application/json");
      expect(ok.body).toContain("mounted");
      const forged = await signedPost(`http://127.0.0.1:${port}/slack/events`, body, "application/json", {
        secret: "x",
      });
      expect(forged.status).toBe(401);
      const elsewhere = await fetch(`http://127.0.0.1:${port}/other`);
      expect(elsewhere.status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await other.stop();
    }
  });
});

describe("Slack desk: claim", () => {
  it("a technician's Claim click performs claim and updates the card", async () => {
    const { ticket, ref } = await openTicket();
    const response = await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.claim,
        value: ticket.number,
        user: MARIO.slackUserId,
        channel: STAFF,
        messageTs: ref.ts,
      }),
    );
    expect(response.status).toBe(200);
    await desk.idle();
    expect(staff.performed).toEqual([
      { type: "claim", ticket: ticket.number, by: { desk: "slack", externalId: MARIO.slackUserId } },
    ]);
    const update = lastCall("chat.update");
    expect(update.args).toMatchObject({ channel: STAFF, ts: ref.ts });
    expect(JSON.stringify(update.args.blocks)).toContain("Mario Bianchi");
    expect(buttonIds(update.args.blocks)).not.toContain(ACTION.claim);
  });

  it("refuses a non-technician ephemerally and performs nothing", async () => {
    const { ticket, ref } = await openTicket();
    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.claim,
        value: ticket.number,
        user: STRANGER,
        channel: STAFF,
        messageTs: ref.ts,
      }),
    );
    await desk.idle();
    expect(staff.performed).toHaveLength(0);
    const refusal = lastCall("chat.postEphemeral");
    expect(refusal.args).toMatchObject({ channel: STAFF, user: STRANGER });
    expect(String(refusal.args.text)).toMatch(/only technicians/i);
    expect(staff.tickets.get(ticket.number)?.assignee).toBeNull();
  });

  it("two technicians racing: one claims, the other is told ephemerally it is already claimed", async () => {
    const { ticket, ref } = await openTicket();
    const click = (user: string) =>
      postInteraction(
        url,
        buttonPayload({
          actionId: ACTION.claim,
          value: ticket.number,
          user,
          channel: STAFF,
          messageTs: ref.ts,
        }),
      );
    await Promise.all([click(MARIO.slackUserId), click(LUCIA.slackUserId), click(MARIO.slackUserId)]);
    await desk.idle();
    const owner = staff.tickets.get(ticket.number)?.assignee;
    expect(owner).not.toBeNull();
    const refusals = api.callsTo("chat.postEphemeral");
    expect(refusals).toHaveLength(2);
    for (const r of refusals) expect(String(r.args.text)).toContain("already claimed");
    expect(staff.toCustomer.filter((m) => m.kind === "claimed")).toHaveLength(1);
  });
});

describe("Slack desk: thread relay", () => {
  it("a technician's thread message is relayed to the customer as a reply, Slack escaping undone", async () => {
    const { ticket, ref } = await openTicket();
    await postEvent(url, {
      type: "message",
      channel: STAFF,
      user: MARIO.slackUserId,
      text: "Prova &lt;Ctrl&gt; &amp; riavvia, guida: <https://example.com/guida|la guida> (<@ULUCIA>, <@UOTHER>)",
      ts: "1790000200.000001",
      thread_ts: ref.ts,
    });
    await desk.idle();
    expect(staff.performed).toEqual([
      {
        type: "reply",
        ticket: ticket.number,
        by: { desk: "slack", externalId: MARIO.slackUserId },
        text: "Prova <Ctrl> & riavvia, guida: la guida (https://example.com/guida) (@Lucia Verdi, @Person UOTHER)",
        origin: "slack",
      },
    ]);
  });

  it("`note:` in the thread becomes an internal note and never reaches the customer", async () => {
    const { ticket, ref } = await openTicket();
    await postEvent(url, {
      type: "message",
      channel: STAFF,
      user: LUCIA.slackUserId,
      text: "note: il cliente ha già cambiato il cavo",
      ts: "1790000300.000001",
      thread_ts: ref.ts,
    });
    await desk.idle();
    expect(staff.performed).toEqual([
      {
        type: "note",
        ticket: ticket.number,
        by: { desk: "slack", externalId: LUCIA.slackUserId },
        text: "il cliente ha già cambiato il cavo",
      },
    ]);
    expect(staff.notes).toHaveLength(1);
    expect(staff.toCustomer).toHaveLength(0);
  });

  it("ignores bot posts, edits, top-level messages and non-ticket threads; refuses non-technicians", async () => {
    const { ref } = await openTicket();
    const base = { type: "message", channel: STAFF, ts: "1790000400.000001", thread_ts: ref.ts };
    await postEvent(url, { ...base, user: MARIO.slackUserId, bot_id: "B999", text: "from a bot" });
    await postEvent(url, { ...base, subtype: "message_changed", text: "edited" });
    await postEvent(url, { ...base, user: "UBOT", text: "our own echo" });
    await postEvent(url, { ...base, user: MARIO.slackUserId, text: "top level", thread_ts: undefined });
    await postEvent(url, {
      ...base,
      user: MARIO.slackUserId,
      text: "other thread",
      thread_ts: "1700000000.000009",
    });
    await desk.idle();
    expect(staff.performed).toHaveLength(0);
    // None of these is a ticket-thread post, so none took a durable dedup mark.
    expect(seenKeys.size).toBe(0);
    await postEvent(url, { ...base, user: STRANGER, text: "I am not staff" });
    await desk.idle();
    expect(staff.performed).toHaveLength(0);
    expect(lastCall("chat.postEphemeral").args).toMatchObject({ user: STRANGER, thread_ts: ref.ts });
  });

  it("looks a foreign thread up once, then remembers it is not a ticket", async () => {
    await openTicket();
    let scans = 0;
    const listTickets = staff.listTickets.bind(staff);
    staff.listTickets = async (...args) => {
      scans += 1;
      return listTickets(...args);
    };
    for (const ts of ["1790000450.000001", "1790000450.000002"]) {
      await postEvent(url, {
        type: "message",
        channel: STAFF,
        user: MARIO.slackUserId,
        text: "chiacchiere",
        ts,
        thread_ts: "1700000000.000777",
      });
    }
    await desk.idle();
    expect(scans).toBe(1);
    expect(staff.performed).toHaveLength(0);
  });

  it("downloads files shared in the thread with the bot token and relays them", async () => {
    const { ticket, ref } = await openTicket();
    const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 1, 2, 3]);
    const fileUrl = api.addPrivateFile("report.pdf", bytes, "application/pdf", "xoxb-test-token");
    await postEvent(url, {
      type: "message",
      subtype: "file_share",
      channel: STAFF,
      user: MARIO.slackUserId,
      text: "Ecco il rapporto",
      ts: "1790000500.000001",
      thread_ts: ref.ts,
      files: [
        {
          id: "F1",
          name: "report.pdf",
          mimetype: "application/pdf",
          size: bytes.length,
          url_private: fileUrl,
        },
      ],
    });
    await desk.idle();
    const reply = staff.performed[0];
    expect(reply?.type).toBe("reply");
    if (reply?.type !== "reply") return;
    expect(reply.ticket).toBe(ticket.number);
    expect(reply.text).toBe("Ecco il rapporto");
    expect(reply.attachments).toHaveLength(1);
    expect(reply.attachments?.[0]).toMatchObject({
      kind: "document",
      name: "report.pdf",
      mime: "application/pdf",
    });
    expect([...(reply.attachments?.[0]?.data ?? [])]).toEqual([...bytes]);
  });

  it("finds the ticket of a thread after a restart through listTickets", async () => {
    const { ticket, ref } = await openTicket();
    await desk.stop();
    await startDesk();
    await postEvent(url, {
      type: "message",
      channel: STAFF,
      user: MARIO.slackUserId,
      text: "ciao",
      ts: "1790000600.000001",
      thread_ts: ref.ts,
    });
    await desk.idle();
    expect(staff.performed).toMatchObject([{ type: "reply", ticket: ticket.number, text: "ciao" }]);
  });
});

describe("Slack desk: modals", () => {
  it("Close opens a modal, minutes update the charge preview, submission closes with the minutes", async () => {
    const { ticket, ref } = await openTicket({
      coverage: { kind: "billable" },
      customer: { ...staff.addTicket().customer, plans: [] },
    });
    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.close,
        value: ticket.number,
        user: MARIO.slackUserId,
        channel: STAFF,
        messageTs: ref.ts,
      }),
    );
    await desk.idle();
    const open = lastCall("views.open");
    const view = open.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(view.callback_id).toBe(MODAL.close);
    expect(JSON.stringify(view.blocks)).toContain('"initial_value":"network"');

    const values = {
      minutes: { [MODAL.closeMinutesAction]: { type: "number_input", value: "50" } },
      resolution: { resolution: { type: "plain_text_input", value: "Router sostituito" } },
      category: { category: { type: "plain_text_input", value: "network" } },
      plan: { [MODAL.closePlanAction]: { type: "static_select", selected_option: { value: "__intake__" } } },
    };
    await postInteraction(
      url,
      viewPayload("block_actions", {
        user: MARIO.slackUserId,
        view: { id: "V1", callback_id: MODAL.close, private_metadata: view.private_metadata },
        values,
        action: {
          action_id: MODAL.closeMinutesAction,
          block_id: "minutes",
          type: "number_input",
          value: "50",
        },
      }),
    );
    await desk.idle();
    const update = lastCall("views.update");
    expect(update.args.view_id).toBe("V1");
    // 50 min → 60 billed at € 60/h = € 60,00 net, € 73,20 with VAT (the fake core's numbers).
    expect(JSON.stringify(update.args.view)).toContain("€ 73,20");

    const submitted = await postInteraction(
      url,
      viewPayload("view_submission", {
        user: MARIO.slackUserId,
        view: { id: "V1", callback_id: MODAL.close, private_metadata: view.private_metadata },
        values,
      }),
    );
    expect(submitted.status).toBe(200);
    await desk.idle();
    expect(staff.performed).toEqual([
      {
        type: "close",
        ticket: ticket.number,
        by: { desk: "slack", externalId: MARIO.slackUserId },
        minutes: 50,
        resolution: "Router sostituito",
        category: "network",
      },
    ]);
    const card = lastCall("chat.update");
    expect(card.args.ts).toBe(ref.ts);
    expect(JSON.stringify(card.args.blocks)).toContain("€ 73,20");
    expect(staff.toCustomer.map((m) => m.kind)).toEqual(["outcome", "feedback"]);
  });

  it("with the preset's categories the Close modal offers a select prefilled with the ticket's", async () => {
    staff.listCategories = async () => [
      { key: "network", label: { it: "Rete", en: "Network" } },
      { key: "printers", label: { it: "Stampanti", en: "Printers" } },
      { key: "other", label: { it: "Altro", en: "Other" } },
    ];
    const { ticket, ref } = await openTicket({ category: "network" });
    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.close,
        value: ticket.number,
        user: MARIO.slackUserId,
        channel: STAFF,
        messageTs: ref.ts,
      }),
    );
    await desk.idle();
    const view = lastCall("views.open").args.view as {
      private_metadata: string;
      blocks: { block_id?: string; element?: Record<string, unknown> }[];
    };
    const select = view.blocks.find((b) => b.block_id === "category")?.element;
    expect(select).toMatchObject({
      type: "static_select",
      action_id: "category",
      initial_option: { value: "network", text: { text: "Network" } },
    });
    expect(((select?.options ?? []) as { value: string }[]).map((o) => o.value)).toEqual([
      "network",
      "printers",
      "other",
    ]);

    // The live charge preview keeps the select.
    const values = {
      minutes: { [MODAL.closeMinutesAction]: { type: "number_input", value: "20" } },
      resolution: { resolution: { type: "plain_text_input", value: "Cartuccia sostituita" } },
      category: { category: { type: "static_select", selected_option: { value: "printers" } } },
      plan: { [MODAL.closePlanAction]: { type: "static_select", selected_option: { value: "__intake__" } } },
    };
    await postInteraction(
      url,
      viewPayload("block_actions", {
        user: MARIO.slackUserId,
        view: { id: "V3", callback_id: MODAL.close, private_metadata: view.private_metadata },
        values,
        action: {
          action_id: MODAL.closeMinutesAction,
          block_id: "minutes",
          type: "number_input",
          value: "20",
        },
      }),
    );
    await desk.idle();
    const updated = lastCall("views.update").args.view as {
      blocks: { block_id?: string; element?: unknown }[];
    };
    expect(updated.blocks.find((b) => b.block_id === "category")?.element).toMatchObject({
      type: "static_select",
    });

    await postInteraction(
      url,
      viewPayload("view_submission", {
        user: MARIO.slackUserId,
        view: { id: "V3", callback_id: MODAL.close, private_metadata: view.private_metadata },
        values,
      }),
    );
    await desk.idle();
    expect(staff.performed).toEqual([
      {
        type: "close",
        ticket: ticket.number,
        by: { desk: "slack", externalId: MARIO.slackUserId },
        minutes: 20,
        resolution: "Cartuccia sostituita",
        category: "printers",
      },
    ]);
  });

  it("a close submission without valid minutes is refused inside the ack and performs nothing", async () => {
    const { ticket } = await openTicket();
    const response = await postInteraction(
      url,
      viewPayload("view_submission", {
        user: MARIO.slackUserId,
        view: {
          id: "V9",
          callback_id: MODAL.close,
          private_metadata: JSON.stringify({ ticket: ticket.number }),
        },
        values: {
          minutes: { [MODAL.closeMinutesAction]: { type: "number_input", value: "-5" } },
          resolution: { resolution: { type: "plain_text_input", value: "" } },
        },
      }),
    );
    expect(JSON.parse(response.body)).toMatchObject({
      response_action: "errors",
      errors: { minutes: expect.any(String), resolution: expect.any(String) },
    });
    await desk.idle();
    expect(staff.performed).toHaveLength(0);
  });

  it("Add note and Ask customer modals perform note and ask", async () => {
    const { ticket, ref } = await openTicket();
    for (const [actionId, callbackId, text] of [
      [ACTION.note, MODAL.note, "solo per noi"],
      [ACTION.ask, MODAL.ask, "Che modello di stampante?"],
    ] as const) {
      await postInteraction(
        url,
        buttonPayload({
          actionId,
          value: ticket.number,
          user: LUCIA.slackUserId,
          channel: STAFF,
          messageTs: ref.ts,
        }),
      );
      await desk.idle();
      const view = lastCall("views.open").args.view as { callback_id: string; private_metadata: string };
      expect(view.callback_id).toBe(callbackId);
      await postInteraction(
        url,
        viewPayload("view_submission", {
          user: LUCIA.slackUserId,
          view: { id: "V2", callback_id: callbackId, private_metadata: view.private_metadata },
          values: { text: { text: { type: "plain_text_input", value: text } } },
        }),
      );
      await desk.idle();
    }
    expect(staff.performed).toEqual([
      {
        type: "note",
        ticket: ticket.number,
        by: { desk: "slack", externalId: LUCIA.slackUserId },
        text: "solo per noi",
      },
      {
        type: "ask",
        ticket: ticket.number,
        by: { desk: "slack", externalId: LUCIA.slackUserId },
        text: "Che modello di stampante?",
        origin: "slack",
      },
    ]);
    expect(staff.toCustomer.map((m) => m.text)).toEqual(["Che modello di stampante?"]);
  });

  it("Authorize asks the sales representative; Reopen reopens a closed ticket", async () => {
    const { ticket, ref } = await openTicket({ status: "awaiting-authorization" });
    expect(buttonIds(lastCall("chat.postMessage").args.blocks)).toEqual([ACTION.authorize, ACTION.note]);
    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.authorize,
        value: ticket.number,
        user: MARIO.slackUserId,
        channel: STAFF,
        messageTs: ref.ts,
      }),
    );
    await desk.idle();
    const view = lastCall("views.open").args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(MODAL.authorize);
    await postInteraction(
      url,
      viewPayload("view_submission", {
        user: MARIO.slackUserId,
        view: { id: "V3", callback_id: MODAL.authorize, private_metadata: view.private_metadata },
        values: { text: { text: { type: "plain_text_input", value: "Giorgio Neri" } } },
      }),
    );
    await desk.idle();
    expect(staff.tickets.get(ticket.number)).toMatchObject({ status: "open", salesRep: "Giorgio Neri" });

    staff.tickets.set(ticket.number, { ...staff.tickets.get(ticket.number)!, status: "closed" });
    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.reopen,
        value: ticket.number,
        user: MARIO.slackUserId,
        channel: STAFF,
        messageTs: ref.ts,
      }),
    );
    await desk.idle();
    expect(staff.performed.map((a) => a.type)).toEqual(["authorize", "reopen"]);
    expect(staff.tickets.get(ticket.number)?.status).toBe("open");
  });
});

describe("Slack desk: /sportello", () => {
  const run = async (text: string, user = MARIO.slackUserId) => {
    const responseUrl = api.responseUrl();
    const response = await postCommand(url, { text, user, responseUrl });
    expect(response.status).toBe(200);
    await desk.idle();
    const id = responseUrl.slice(responseUrl.lastIndexOf("/") + 1);
    const answers = api.responses.filter((r) => r.id === id);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.body.response_type).toBe("ephemeral");
    return String(answers[0]?.body.text);
  };

  it("claim NUMBER claims the ticket and updates the card", async () => {
    const { ticket, ref } = await openTicket();
    expect(await run(`claim ${ticket.number.toLowerCase()}`)).toContain(`You claimed ${ticket.number}`);
    expect(staff.tickets.get(ticket.number)?.assignee?.id).toBe(MARIO.id);
    expect(lastCall("chat.update").args.ts).toBe(ref.ts);
    expect(await run(`claim ${ticket.number}`, LUCIA.slackUserId)).toContain("already claimed");
  });

  it("refuses non-technicians", async () => {
    const { ticket } = await openTicket();
    expect(await run(`claim ${ticket.number}`, STRANGER)).toMatch(/only technicians/i);
    expect(staff.performed).toHaveLength(0);
  });

  it("tickets [open|mine|today] and ticket NUMBER answer ephemerally", async () => {
    const { ticket } = await openTicket();
    staff.addTicket({
      number: "LT-2026-00043",
      status: "closed",
      customer: { ...ticket.customer, company: "Bar Sport" },
    });
    const open = await run("tickets");
    expect(open).toContain(ticket.number);
    expect(open).not.toContain("LT-2026-00043");
    expect(await run("tickets mine")).toContain("No tickets (mine)");
    await run(`claim ${ticket.number}`);
    expect(await run("tickets mine")).toContain(ticket.number);
    const one = await run(`ticket ${ticket.number}`);
    expect(one).toContain("Anna Rossi");
    expect(one).toContain("The office printer is offline");
    expect(await run("ticket LT-2026-99999")).toContain("does not exist");
    expect(await run("tickets yesterday")).toContain("/sportello tickets");
  });

  it("oncall shows the rota and oncall set stores a shift in Europe/Rome", async () => {
    expect(await run("oncall")).toContain("Nobody is on call");
    const set = await run(`oncall set <@${LUCIA.slackUserId}|lucia> 2026-11-28 2026-11-29`);
    expect(set).toContain(`<@${LUCIA.slackUserId}>`);
    expect(staff.shifts).toHaveLength(1);
    // Midnight in Rome (UTC+1 in November) and the end of the 29th.
    expect(staff.shifts[0]).toMatchObject({
      startsAt: "2026-11-27T23:00:00.000Z",
      endsAt: "2026-11-29T23:00:00.000Z",
    });
    const rota = await run("oncall");
    expect(rota).toContain("Lucia Verdi");
    expect(rota).toContain("28/11/2026 00:00");
    expect(await run(`oncall set <@${STRANGER}> 2026-11-28 2026-11-29`)).toContain("not a technician");
  });

  it("unknown subcommands get the help", async () => {
    const help = await run("frobnicate");
    expect(help).toContain("unknown command");
    expect(help).toContain("/sportello claim");
    expect(await run("")).toContain("/sportello oncall set");
  });
});

describe("Slack desk: on-call and escalation", () => {
  it("a page DMs the on-call technician, mentions them with the contact and weekend line, and Acknowledge performs ack-page", async () => {
    const { ticket } = await openTicket();
    await desk.notify({
      type: "oncall.paged",
      ticket,
      technician: viewOf(LUCIA),
      onCallLine: "+39 0586 000111",
      repeat: 0,
    });
    expect(lastCall("conversations.open").args.users).toBe(LUCIA.slackUserId);
    const posts = api.callsTo("chat.postMessage");
    const dm = posts.find((p) => p.args.channel === `D${LUCIA.slackUserId}`);
    expect(dm).toBeDefined();
    expect(buttonIds(dm?.args.blocks)).toEqual([ACTION.ackPage]);
    const inChannel = posts[posts.length - 1]!;
    expect(inChannel.args.channel).toBe(STAFF);
    expect(String(inChannel.args.text)).toContain(`<@${LUCIA.slackUserId}>`);
    const channelJson = JSON.stringify(inChannel.args.blocks);
    expect(channelJson).toContain("+393331234567");
    expect(channelJson).toContain("+39 0586 000111");

    await desk.notify({
      type: "oncall.paged",
      ticket,
      technician: viewOf(LUCIA),
      onCallLine: "+39 0586 000111",
      repeat: 1,
    });
    expect(String(lastCall("chat.postMessage").args.text)).toContain("reminder 1");

    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.ackPage,
        value: ticket.number,
        user: LUCIA.slackUserId,
        channel: `D${LUCIA.slackUserId}`,
        messageTs: "1790000700.000001",
      }),
    );
    await desk.idle();
    expect(staff.pageAcks).toEqual([{ ticket: ticket.number, by: LUCIA.name }]);
    expect(String(lastCall("chat.update").args.text)).toContain("acknowledged");
  });

  it("an escalation goes to the escalation channel when configured", async () => {
    await desk.stop();
    await startDesk({ escalationChannel: "CESCAL" });
    const { ticket } = await openTicket();
    await desk.notify({ type: "ticket.escalated", ticket, afterServiceMinutes: 120 });
    const post = lastCall("chat.postMessage");
    expect(post.args.channel).toBe("CESCAL");
    expect(String(post.args.text)).toContain(ticket.number);
    expect(String(post.args.text)).toContain("<!here>");
  });
});

describe("Slack desk: construction", () => {
  it("builds the App in Socket Mode when an app token is given", async () => {
    const { SocketModeReceiver } = await import("@slack/bolt");
    const socket = createSlackDesk({
      botToken: "xoxb-test-token",
      appToken: "xapp-1-test",
      staffChannel: STAFF,
      apiUrl: api.apiUrl,
      seen: memorySeen(),
    });
    expect(socket.mode).toBe("socket");
    expect(socket.appOptions).toMatchObject({
      socketMode: true,
      appToken: "xapp-1-test",
      token: "xoxb-test-token",
    });
    expect(socket.appOptions.clientOptions?.slackApiUrl).toBe(api.apiUrl);
    expect(socket.receiver).toBeInstanceOf(SocketModeReceiver);
    expect(socket.requestListener).toBeUndefined();
    // The socket client's own Web API calls (apps.connections.open) use the same base URL.
    const socketClient = (socket.receiver as InstanceType<typeof SocketModeReceiver>).client as unknown as {
      webClient: { slackApiUrl: string; token?: string };
    };
    expect(socketClient.webClient.slackApiUrl).toBe(api.apiUrl);
  });

  it("reads its options from SLACK_* variables and is off without a bot token or staff channel", () => {
    expect(loadConfig({ SLACK_STAFF_CHANNEL: STAFF }).slack).toBeNull();
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "sec" })).toThrow(
      /SLACK_STAFF_CHANNEL/,
    );
    expect(
      loadConfig({
        SLACK_BOT_TOKEN: "xoxb-1",
        SLACK_SIGNING_SECRET: "sec",
        SLACK_STAFF_CHANNEL: STAFF,
        SLACK_APP_TOKEN: "xapp-1",
        SLACK_API_URL: "https://slack-gov.com/api/",
        SLACK_ESCALATION_CHANNEL: "CESC",
      }).slack,
    ).toEqual({
      botToken: "xoxb-1",
      signingSecret: "sec",
      staffChannel: STAFF,
      appToken: "xapp-1",
      apiUrl: "https://slack-gov.com/api/",
      escalationChannel: "CESC",
    });
  });

  it("refuses HTTP mode without a signing secret", () => {
    expect(() => createSlackDesk({ botToken: "xoxb", staffChannel: STAFF, seen: memorySeen() })).toThrow(
      /SIGNING_SECRET/,
    );
  });

  it("signs like Slack (sanity check of the test helper against a known vector)", () => {
    // Example from Slack's "Verifying requests" documentation.
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(sign(body, 1531420618, "8f742231b10e8888abcd99yyyzzz85a5")).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });
});

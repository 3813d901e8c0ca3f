/**
 * The full Slack loop, written against a harness so it runs with the in-memory fake now and with
 * the real runtime later: customer → card → claim → thread reply relayed → customer message in the
 * thread → close modal with the charge preview → customer gets the outcome and the feedback question.
 */
import { expect } from "vitest";
import type { StaffActions, StaffDesk } from "../../../src/desk/port.js";
import { MODAL } from "../../../src/desk/slack/deskModals.js";
import { createSlackDesk } from "../../../src/desk/slack/slackDesk.js";
import { ACTION } from "../../../src/desk/slack/ticketCard.js";
import { eventually } from "../../support/eventually.js";
import type { FakeSlackApi } from "../../support/fakeSlackApi.js";
import { buttonPayload, postEvent, postInteraction, SIGNING_SECRET, viewPayload } from "./slackRequests.js";

export interface SlackLoopHarness {
  actions: StaffActions;
  /** Slack user id of a seeded technician. */
  technicianSlackId: string;
  /** Routes the runtime's desk events to this desk (the runtime's publisher). */
  connect(desk: StaffDesk): void;
  /** A customer opens a ticket on their channel; resolves with its number. */
  customerOpensTicket(): Promise<string>;
  /** The customer writes again on the open ticket. */
  customerWrites(ticket: string, text: string): Promise<void>;
  /** Everything the customer has received so far, oldest first. */
  customerTexts(): Promise<string[]>;
  /** Durable dedup used by the desk. */
  seen(source: string, key: string): Promise<boolean>;
}

/** Runs the loop; the caller owns the fake API and the harness, the loop owns the desk. */
export async function runSlackLoop(
  api: FakeSlackApi,
  harness: SlackLoopHarness,
  staffChannel = "CSTAFF",
): Promise<void> {
  const desk = createSlackDesk({
    botToken: "xoxb-loop",
    signingSecret: SIGNING_SECRET,
    staffChannel,
    apiUrl: api.apiUrl,
    seen: (source, key) => harness.seen(source, key),
    listen: { port: 0, host: "127.0.0.1" },
  });
  harness.connect(desk);
  await desk.start(harness.actions);
  try {
    const url = `http://127.0.0.1:${desk.address()!.port}${desk.endpoint}`;
    const tech = harness.technicianSlackId;

    // 1. Customer opens a ticket → a card with buttons lands in the staff channel.
    const number = await harness.customerOpensTicket();
    const card = await eventually(
      () =>
        api
          .callsTo("chat.postMessage")
          .find(
            (c) =>
              c.args.channel === staffChannel && JSON.stringify(c.args.blocks ?? "").includes(ACTION.claim),
          ),
      "the ticket card",
    );
    expect(JSON.stringify(card.args.blocks)).toContain(number);
    const ref = await eventually(async () => {
      const t = await harness.actions.getTicket(number);
      return t?.deskRefs.slack && typeof t.deskRefs.slack.ts === "string"
        ? (t.deskRefs.slack as { channel: string; ts: string })
        : undefined;
    }, "the card ref");

    // 2. Claim → the customer hears about it.
    const before = (await harness.customerTexts()).length;
    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.claim,
        value: number,
        user: tech,
        channel: ref.channel,
        messageTs: ref.ts,
      }),
    );
    await desk.idle();
    expect((await harness.actions.getTicket(number))?.assignee?.identities.slack).toBe(tech);
    await eventually(
      async () => ((await harness.customerTexts()).length > before ? true : undefined),
      "the claim notice to the customer",
    );

    // 3. Thread reply → relayed to the customer; `note:` stays internal.
    await postEvent(url, {
      type: "message",
      channel: ref.channel,
      user: tech,
      text: "Riavvia il router, per favore",
      ts: "1790001000.000001",
      thread_ts: ref.ts,
    });
    await postEvent(url, {
      type: "message",
      channel: ref.channel,
      user: tech,
      text: "note: segreto interno",
      ts: "1790001000.000002",
      thread_ts: ref.ts,
    });
    await desk.idle();
    await eventually(
      async () =>
        (await harness.customerTexts()).some((t) => t.includes("Riavvia il router, per favore"))
          ? true
          : undefined,
      "the reply at the customer",
    );
    expect((await harness.customerTexts()).some((t) => t.includes("segreto interno"))).toBe(false);
    // The runtime's staff.reply echo of a reply typed in this thread is not posted again.
    await harness.customerTexts();
    await desk.idle();
    const echoes = api
      .callsTo("chat.postMessage")
      .filter(
        (c) => c.args.thread_ts === ref.ts && String(c.args.text).includes("Riavvia il router, per favore"),
      );
    expect(echoes).toHaveLength(0);

    // 4. Customer writes → the message lands in the thread, neutralised.
    await harness.customerWrites(number, "Fatto <!channel>, ora funziona");
    const inThread = await eventually(
      () =>
        api
          .callsTo("chat.postMessage")
          .find((c) => c.args.thread_ts === ref.ts && String(c.args.text).includes("ora funziona")),
      "the customer message in the thread",
    );
    expect(String(inThread.args.text)).not.toContain("<!channel>");

    // 5. Close modal with a charge preview, then submission → outcome and feedback question.
    await postInteraction(
      url,
      buttonPayload({
        actionId: ACTION.close,
        value: number,
        user: tech,
        channel: ref.channel,
        messageTs: ref.ts,
      }),
    );
    await desk.idle();
    const modal = api.callsTo("views.open").at(-1)?.args.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(modal.callback_id).toBe(MODAL.close);
    const values = {
      minutes: { [MODAL.closeMinutesAction]: { type: "number_input", value: "30" } },
      resolution: { resolution: { type: "plain_text_input", value: "Router riavviato, linea stabile" } },
      category: { category: { type: "plain_text_input", value: "" } },
      plan: { [MODAL.closePlanAction]: { type: "static_select", selected_option: { value: "__intake__" } } },
    };
    await postInteraction(
      url,
      viewPayload("block_actions", {
        user: tech,
        view: { id: "VLOOP", callback_id: MODAL.close, private_metadata: modal.private_metadata },
        values,
        action: {
          action_id: MODAL.closeMinutesAction,
          block_id: "minutes",
          type: "number_input",
          value: "30",
        },
      }),
    );
    await desk.idle();
    expect(JSON.stringify(api.callsTo("views.update").at(-1)?.args.view)).toContain("Charge for 30 min");
    const beforeClose = (await harness.customerTexts()).length;
    await postInteraction(
      url,
      viewPayload("view_submission", {
        user: tech,
        view: { id: "VLOOP", callback_id: MODAL.close, private_metadata: modal.private_metadata },
        values,
      }),
    );
    await desk.idle();
    const closed = await harness.actions.getTicket(number);
    expect(closed).toMatchObject({ status: "closed", minutes: 30 });
    const after = await eventually(async () => {
      const texts = await harness.customerTexts();
      return texts.length >= beforeClose + 2 ? texts.slice(beforeClose) : undefined;
    }, "the outcome and the feedback question");
    expect(after.some((t) => t.includes("Router riavviato, linea stabile"))).toBe(true);
    await eventually(
      () =>
        api
          .callsTo("chat.update")
          .find((c) => c.args.ts === ref.ts && JSON.stringify(c.args.blocks).includes(ACTION.reopen)),
      "the card showing the result",
    );
  } finally {
    await desk.stop();
  }
}

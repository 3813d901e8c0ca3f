/**
 * Slack → runtime for the card's buttons: claim, reopen, acknowledge a page and ask for a reply
 * draft act at once; close, ask, note and authorize open their modal (see `deskModals`). Also
 * keeps the Close modal's charge preview live while minutes or plan change.
 */
import type { BlockAction, types } from "@slack/bolt";
import type { TicketView } from "../port.js";
import type { DeskContext, Tell } from "./deskContext.js";
import {
  askModal,
  authorizeModal,
  CLOSE_LIVE_ACTIONS,
  closeModal,
  decodeMetadata,
  MODAL,
  type ModalMetadata,
  noteModal,
  parseMinutes,
  stateBilling,
  statePlan,
  stateValue,
  type ViewStateValues,
} from "./deskModals.js";
import { callSlack } from "./slackDeskError.js";
import { by, deskRefOf } from "./slackDeskRefs.js";
import { mention, safeText } from "./slackText.js";
import { ACTION } from "./ticketCard.js";

/** Who clicked which ticket's button, where. */
interface Click {
  ticket: string;
  user: string;
  channel: string | undefined;
  messageTs: string | undefined;
  triggerId: string;
  tell: Tell;
}

/** Registers the card's buttons and the Close modal's live preview on the desk's Bolt app. */
export function registerButtons(ctx: DeskContext): void {
  const { app, client } = ctx;

  /** Button handlers: ack first, then resolve who clicked and what. */
  const onButton = (actionId: string, work: (click: Click) => Promise<void>) => {
    app.action<BlockAction>(actionId, async ({ ack, body }) => {
      await ack();
      const action = body.actions[0];
      const ticket = action && "value" in action ? String(action.value ?? "") : "";
      const user = body.user.id;
      const channel = body.channel?.id ?? body.container?.channel_id;
      const messageTs = body.message?.ts ?? body.container?.message_ts;
      const tell = (text: string) => ctx.ephemeral(channel, user, text);
      await ctx.safely(
        `${actionId} on ${ticket}`,
        () => work({ ticket, user, channel, messageTs, triggerId: body.trigger_id, tell }),
        tell,
      );
    });
  };

  /** Opens a modal about the clicked ticket for a technician. */
  const withTicketModal = async (
    click: Click,
    build: (ticket: TicketView, meta: ModalMetadata) => types.ModalView,
  ) => {
    if (!(await ctx.technician(click.user, click.tell))) return;
    const ticket = await ctx.staff().getTicket(click.ticket);
    if (!ticket) {
      await click.tell(`Ticket ${safeText(click.ticket, 60)} does not exist.`);
      return;
    }
    const ref = deskRefOf(ticket);
    const meta: ModalMetadata = {
      ticket: ticket.number,
      ...(ref
        ? { channel: ref.channel, ts: ref.ts }
        : click.channel && click.messageTs
          ? { channel: click.channel, ts: click.messageTs }
          : {}),
    };
    await callSlack("views.open", () =>
      client.views.open({ trigger_id: click.triggerId, view: build(ticket, meta) }),
    );
  };

  onButton(ACTION.claim, async ({ ticket, user, tell }) => {
    await ctx.act({ type: "claim", ticket, by: by(user) }, user, tell);
  });
  onButton(ACTION.reopen, async ({ ticket, user, tell }) => {
    await ctx.act({ type: "reopen", ticket, by: by(user) }, user, tell);
  });
  onButton(ACTION.ackPage, async ({ ticket, user, channel, messageTs, tell }) => {
    const result = await ctx.act({ type: "ack-page", ticket, by: by(user) }, user, tell);
    if (result?.ok && channel && messageTs) {
      const text = `Page for ${ticket} acknowledged by ${mention(user)}`;
      await callSlack("chat.update", () =>
        client.chat.update({
          channel,
          ts: messageTs,
          text,
          blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
        }),
      );
    }
  });
  // A draft is shown to the clicking technician only (ephemeral) and never reaches the customer:
  // sending stays a deliberate reply in the ticket's thread.
  onButton(ACTION.suggestReply, async ({ ticket, user, tell }) => {
    if (!(await ctx.technician(user, tell))) return;
    const suggest = ctx.staff().suggestReply;
    if (!suggest) {
      await tell("Reply drafts are not available (AI assist is off).");
      return;
    }
    const draft = await suggest.call(ctx.staff(), ticket);
    if (!draft) {
      await tell(
        `No draft for ${safeText(ticket, 60)} right now (the AI gave no usable answer). Write the reply yourself or try again later.`,
      );
      return;
    }
    await tell(
      `*Draft reply for ${safeText(ticket, 60)} — NOT sent to the customer.* Only you can see it. Check and edit it, then post it in the ticket's thread to send it.\n>>> ${safeText(draft, 2600)}`,
    );
  });
  onButton(ACTION.close, async (click) => {
    const [categories, packages] = await Promise.all([ctx.categoryChoices(), ctx.packageChoices()]);
    await withTicketModal(click, (t, meta) =>
      closeModal(t, meta, undefined, undefined, categories, packages),
    );
  });
  onButton(ACTION.ask, (click) => withTicketModal(click, askModal));
  onButton(ACTION.note, (click) => withTicketModal(click, noteModal));
  onButton(ACTION.authorize, (click) => withTicketModal(click, authorizeModal));

  // Live charge preview: minutes or plan changed inside the Close modal.
  for (const live of CLOSE_LIVE_ACTIONS) {
    app.action<BlockAction>(live, async ({ ack, body }) => {
      await ack();
      const view = body.view;
      if (!view) return;
      await ctx.safely("updating the charge preview", async () => {
        const meta = decodeMetadata(view.private_metadata);
        if (!meta) return;
        const ticket = await ctx.staff().getTicket(meta.ticket);
        if (!ticket) return;
        const values = view.state?.values as ViewStateValues | undefined;
        const minutes = parseMinutes(stateValue(values, "minutes", MODAL.closeMinutesAction));
        const billing = stateBilling(values);
        const charge =
          minutes === null || billing === null
            ? undefined
            : await ctx.staff().previewCharge(ticket.number, minutes, statePlan(values), billing);
        const [categories, packages] = await Promise.all([ctx.categoryChoices(), ctx.packageChoices()]);
        await callSlack("views.update", () =>
          client.views.update({
            view_id: view.id,
            hash: view.hash,
            view: closeModal(ticket, meta, charge, minutes ?? undefined, categories, packages),
          }),
        );
      });
    });
  }
}

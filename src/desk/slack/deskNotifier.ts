/**
 * Runtime → Slack: renders the runtime's {@link DeskEvent}s as card posts and refreshes, thread
 * messages, on-call pages and escalations. Events about one ticket are rendered one after the
 * other, so two events never post two cards.
 */
import type { types } from "@slack/bolt";
import type { DeskEvent } from "../port.js";
import type { DeskContext } from "./deskContext.js";
import { callSlack } from "./slackDeskError.js";
import { DESK, SLACK_ORIGIN } from "./slackDeskRefs.js";
import { mention, safeText } from "./slackText.js";
import { ACTION, contactLine, formatCharge, STATUS_LABEL } from "./ticketCard.js";
import { eraseTicket } from "./ticketErasure.js";

/** The desk's `notify`: queues the event behind the ticket's earlier ones and renders it. */
export function createNotifier(ctx: DeskContext): (event: DeskEvent) => Promise<void> {
  /** Notifications about one ticket run one after the other. */
  const queues = new Map<string, Promise<unknown>>();
  return (event) => {
    ctx.staff();
    const key = event.ticket.number;
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => render(ctx, event));
    queues.set(key, run);
    const cleanup = () => {
      if (queues.get(key) === run) queues.delete(key);
    };
    run.then(cleanup, cleanup);
    return run;
  };
}

async function render(ctx: DeskContext, event: DeskEvent): Promise<void> {
  ctx.threads.remember(event.ticket);
  switch (event.type) {
    case "ticket.opened":
      await ctx.ensureCard(event.ticket);
      return;
    case "ticket.updated": {
      const { ref, created } = await ctx.ensureCard(event.ticket);
      // A fresh card already shows the change.
      if (created) return;
      const t = event.ticket;
      const bits = [`_${safeText(event.change, 200)}_`, STATUS_LABEL[t.status]];
      if (t.assignee) bits.push(`assignee ${safeText(t.assignee.name, 80)}`);
      if (t.minutes !== null) bits.push(`${t.minutes} min`);
      if (t.charge) bits.push(formatCharge(t.charge));
      await ctx.postThread(ref, bits.join(" · "));
      return;
    }
    case "customer.message": {
      const { ref } = await ctx.ensureCard(event.ticket);
      const who = safeText(event.ticket.customer.contactName ?? event.ticket.customer.company, 120);
      const files = event.attachments.length
        ? `\n_Attachments: ${event.attachments.map((a) => `${a.kind}${a.name ? ` ${safeText(a.name, 80)}` : ""}`).join(", ")}_`
        : "";
      await ctx.postThread(ref, `*${who}* (customer): ${safeText(event.text || "—", 3500)}${files}`);
      return;
    }
    case "staff.reply": {
      // The runtime tells every desk, this one included: a reply typed in the thread is already
      // there. The origin says so; the remembered text covers runtimes that do not pass it on.
      const echo = ctx.ownReplies.consume(event.ticket.number, event.text);
      if (event.origin === SLACK_ORIGIN || echo) return;
      const { ref } = await ctx.ensureCard(event.ticket);
      await ctx.postThread(
        ref,
        `*${safeText(event.by, 80)}* replied to the customer: ${safeText(event.text, 3500)}`,
      );
      return;
    }
    case "oncall.paged":
      await page(ctx, event);
      return;
    case "ticket.erased":
      await eraseTicket(ctx, event.ticket);
      return;
    case "ticket.escalated": {
      const t = event.ticket;
      const channel = ctx.options.escalationChannel ?? ctx.options.staffChannel;
      const hours = Math.round((event.afterServiceMinutes / 60) * 10) / 10;
      await callSlack("chat.postMessage", () =>
        ctx.client.chat.postMessage({
          channel,
          text: `<!here> ${t.number} is still unclaimed after ${event.afterServiceMinutes} service minutes (${hours} h): ${safeText(t.customer.company, 120)} · ${t.priority}${t.blocking ? " · blocking" : ""}`,
        }),
      );
      return;
    }
  }
}

/** Pages the on-call technician by DM (when their Slack account is linked) and in the staff channel. */
async function page(ctx: DeskContext, event: Extract<DeskEvent, { type: "oncall.paged" }>): Promise<void> {
  const t = event.ticket;
  const reminder = event.repeat > 0 ? ` (reminder ${event.repeat})` : "";
  const details = [
    `*${t.number}* · ${t.priority}${t.blocking ? " · blocking" : ""}`,
    `Customer: ${contactLine(t)}`,
    event.onCallLine ? `On-call line: ${safeText(event.onCallLine, 60)}` : null,
    `Description: ${safeText(t.description, 600)}`,
  ]
    .filter(Boolean)
    .join("\n");
  /** `text` is the notification text; `headline` opens the section (the DM's is bold). */
  const pageMessage = (channel: string, text: string, headline = text) =>
    callSlack("chat.postMessage", () =>
      ctx.client.chat.postMessage({ channel, text, blocks: pageBlocks(headline, details, t.number) }),
    );
  const slackUserId = event.technician?.identities[DESK] ?? null;
  if (slackUserId) {
    const dm = await callSlack("conversations.open", () =>
      ctx.client.conversations.open({ users: slackUserId }),
    );
    const dmChannel = dm.channel?.id;
    if (dmChannel) {
      const text = `On-call page${reminder}: ${t.number}`;
      await pageMessage(dmChannel, text, `*${text}*`);
    }
  }
  const who = slackUserId
    ? mention(slackUserId)
    : event.technician
      ? `${safeText(event.technician.name, 80)} (no Slack account linked) <!here>`
      : "<!here> nobody is on call right now —";
  await pageMessage(ctx.options.staffChannel, `${who} on-call page${reminder} for ${t.number}`);
}

/** A page: headline, details and the Acknowledge button. */
function pageBlocks(headline: string, details: string, ticket: string): types.KnownBlock[] {
  return [
    { type: "section", text: { type: "mrkdwn", text: `${headline}\n${details}`, verbatim: true } },
    {
      type: "actions",
      elements: [
        {
          type: "button",
          text: { type: "plain_text", text: "Acknowledge" },
          action_id: ACTION.ackPage,
          value: ticket,
          style: "primary",
        },
      ],
    },
  ];
}

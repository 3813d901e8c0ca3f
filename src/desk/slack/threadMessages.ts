/**
 * Slack → runtime for messages typed in a ticket's thread: a technician's message (and its files)
 * is a reply to the customer, `note: …` an internal note; other people's messages stay in Slack.
 */
import type { DeskContext } from "./deskContext.js";
import { by, SLACK_ORIGIN } from "./slackDeskRefs.js";
import { downloadSlackFiles, type SlackFileLike } from "./slackFileDownload.js";
import { slackToPlain } from "./staffWording.js";

/** Loose view of a `message` event; Bolt's union is too narrow to read subtypes generically. */
interface MessageEventLike {
  type: "message";
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: SlackFileLike[];
}

/** Message subtypes that are still a person's post (`file_share`: a post with files). */
const USER_POST_SUBTYPES = new Set([undefined, "file_share", "thread_broadcast"]);

/** Listens to thread messages on the desk's Bolt app. */
export function registerThreadMessages(ctx: DeskContext): void {
  const { app } = ctx;
  app.event("message", async ({ event, body }) => {
    const m = event as unknown as MessageEventLike;
    if (!USER_POST_SUBTYPES.has(m.subtype) || m.bot_id || !m.user) return;
    if (!m.thread_ts || m.thread_ts === m.ts) return;
    await ctx.safely("relaying the thread message", async () => {
      const number = await ctx.threads.ticketFor(m.channel, m.thread_ts!, () =>
        ctx.staff().listTickets("open"),
      );
      if (!number) return;
      // Slack redelivers with the same event_id when our ack was late or lost; the durable mark
      // is only taken for ticket-thread messages, so ordinary channel chatter costs no write.
      const eventId = (body as { event_id?: unknown }).event_id;
      if (typeof eventId === "string" && (await ctx.seenOnce(eventId))) {
        app.logger.debug(`slack desk: dropping redelivered event ${eventId}`);
        return;
      }
      const user = m.user!;
      const tell = (text: string) => ctx.ephemeral(m.channel, user, text, m.thread_ts);
      const raw = m.text ?? "";
      const noteMatch = /^\s*note:\s*/i.exec(raw);
      if (noteMatch) {
        const text = slackToPlain(raw.slice(noteMatch[0].length), await mentionedNames(ctx, raw)).trim();
        await ctx.act({ type: "note", ticket: number, by: by(user), text }, user, tell);
        return;
      }
      const tech = await ctx.staff().findTechnician(by(user));
      if (!tech) {
        await tell("Only technicians' thread messages reach the customer; yours stays in Slack.");
        return;
      }
      const { attachments, problems } = await downloadSlackFiles(m.files ?? [], {
        botToken: ctx.options.botToken,
        maxFileBytes: ctx.maxFileBytes,
        warn: (message, error) => app.logger.warn(message, error),
      });
      if (problems.length) await tell(`Not sent to the customer: ${problems.join(", ")}.`);
      const text = slackToPlain(raw, await mentionedNames(ctx, raw)).trim();
      if (!text && attachments.length === 0) return;
      await ctx.act(
        {
          type: "reply",
          ticket: number,
          by: by(user),
          text,
          ...(attachments.length ? { attachments } : {}),
          origin: SLACK_ORIGIN,
        },
        user,
        tell,
      );
    });
  });
}

/** Names for the `<@U…>` mentions in a message: technicians by their name, others via users.info. */
async function mentionedNames(ctx: DeskContext, raw: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const [, id] of raw.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)) {
    if (!id || names.has(id)) continue;
    const tech = await ctx.staff().findTechnician(by(id));
    if (tech) {
      names.set(id, tech.name);
      continue;
    }
    try {
      const info = await ctx.client.users.info({ user: id });
      const name = info.user?.profile?.display_name || info.user?.real_name || info.user?.name;
      if (name) names.set(id, name);
    } catch (error) {
      ctx.app.logger.warn(`slack desk: users.info ${id} failed`, error);
    }
  }
  return names;
}

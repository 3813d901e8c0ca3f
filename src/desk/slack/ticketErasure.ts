/**
 * A customer's erasure, on Slack: the desk removes what it posted about one of their tickets.
 * The card is redrawn from the anonymised ticket (number, status, minutes and charge stay, as
 * they do on the ticket); the bot's lines in the card's thread (the customer's messages, replies
 * relayed from the board) and its escalation and on-call page messages about the ticket in the
 * staff and escalation channels are deleted. Technicians' own messages in the thread stay: a bot
 * token may delete only the bot's messages (the README says so). Pages sent by direct message to
 * the on-call technician are not searched, nor channels the bot cannot read.
 */
import type { TicketView } from "../port.js";
import type { DeskContext } from "./deskContext.js";
import { callSlack, SlackDeskError } from "./slackDeskError.js";
import { type CardRef, deskRefOf } from "./slackDeskRefs.js";

/** Messages read per Web API call, and at most this many calls per listing. */
const PAGE_SIZE = 200;
const MAX_PAGES = 50;
/** Channel messages are searched from this long before the card (a page may precede it). */
const BEFORE_CARD_SECONDS = 3600;

/** The fields of a Slack message this module reads. */
interface SlackMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
}

/** One page of a Web API listing. */
interface Listing {
  messages?: SlackMessage[];
  response_metadata?: { next_cursor?: string };
}

/** Who the desk posts as (`auth.test`), asked once per desk. */
const identities = new WeakMap<DeskContext, Promise<{ userId?: string; botId?: string }>>();

function identity(ctx: DeskContext) {
  let known = identities.get(ctx);
  if (!known) {
    known = callSlack("auth.test", () => ctx.client.auth.test()).then((r) => ({
      ...(r.user_id ? { userId: r.user_id } : {}),
      ...(r.bot_id ? { botId: r.bot_id } : {}),
    }));
    // A failed lookup is asked again next time.
    known.catch(() => identities.delete(ctx));
    identities.set(ctx, known);
  }
  return known;
}

/** Every message of a paginated listing (at most {@link MAX_PAGES} pages). */
async function listAll(what: string, page: (cursor?: string) => Promise<Listing>): Promise<SlackMessage[]> {
  const out: SlackMessage[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const r = await callSlack(what, () => page(cursor));
    out.push(...(r.messages ?? []));
    cursor = r.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return out;
}

/** Slack's error code (`message_not_found`, `not_in_channel`, …) behind a desk error, if any. */
function slackErrorCode(error: unknown): string | undefined {
  const cause = (error instanceof SlackDeskError ? error.cause : undefined) as
    | { data?: { error?: string } }
    | undefined;
  return cause?.data?.error;
}

/** Deletes one of the bot's messages; one already gone counts as deleted (the job may run twice). */
async function deleteMessage(ctx: DeskContext, channel: string, ts: string): Promise<void> {
  try {
    await callSlack("chat.delete", () => ctx.client.chat.delete({ channel, ts }));
  } catch (error) {
    if (slackErrorCode(error) !== "message_not_found") throw error;
  }
}

/**
 * The channel's messages since `oldest`; none when the bot cannot read it (an escalation channel
 * it posts to without being a member, or one deleted since), said in the log.
 */
async function channelHistory(ctx: DeskContext, channel: string, oldest: string): Promise<SlackMessage[]> {
  try {
    return await listAll("conversations.history", (cursor) =>
      ctx.client.conversations.history({ channel, oldest, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
    );
  } catch (error) {
    const code = slackErrorCode(error);
    if (code !== "not_in_channel" && code !== "channel_not_found") throw error;
    ctx.app.logger.warn(
      `slack desk: cannot read ${channel} (${code}) to remove an erased customer's messages`,
    );
    return [];
  }
}

/** Removes what the desk posted about `ticket`, the anonymised view of an erased customer's ticket. */
export async function eraseTicket(ctx: DeskContext, ticket: TicketView): Promise<void> {
  const card: CardRef | null = deskRefOf(ticket) ?? ctx.threads.card(ticket.number) ?? null;
  if (!card) return;
  const me = await identity(ctx);
  const own = (m: SlackMessage): m is SlackMessage & { ts: string } =>
    typeof m.ts === "string" &&
    m.ts !== card.ts &&
    ((me.botId !== undefined && m.bot_id === me.botId) || (me.userId !== undefined && m.user === me.userId));

  await ctx.updateCard(ticket, card);
  const thread = await listAll("conversations.replies", (cursor) =>
    ctx.client.conversations.replies({
      channel: card.channel,
      ts: card.ts,
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    }),
  );
  for (const m of thread.filter(own)) await deleteMessage(ctx, card.channel, m.ts);

  // Escalations and pages are channel messages of their own that name the ticket.
  const oldest = String(Math.max(0, Math.floor(Number(card.ts)) - BEFORE_CARD_SECONDS));
  const channels = new Set([
    ctx.options.staffChannel,
    ctx.options.escalationChannel ?? ctx.options.staffChannel,
  ]);
  for (const channel of channels) {
    for (const m of (await channelHistory(ctx, channel, oldest)).filter(own)) {
      if (m.text?.includes(ticket.number)) await deleteMessage(ctx, channel, m.ts);
    }
  }
}

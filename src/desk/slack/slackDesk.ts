/**
 * The Slack staff desk: a real Bolt app (HTTP on one endpoint, or Socket Mode) that posts ticket
 * cards in the staff channel, turns buttons, modals, thread messages and `/sportello` into
 * {@link StaffAction}s, and renders the runtime's {@link DeskEvent}s.
 *
 * Every Slack request is acknowledged first and worked on after (Slack wants an answer within
 * 3 seconds). Event redeliveries are dropped through the injected durable `seen` function keyed by
 * `event_id`; clicks and commands are never redelivered by Slack, and double clicks or two
 * technicians racing are settled by the runtime (`already-claimed`).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ListenOptions } from "node:net";
import {
  App,
  type AppOptions,
  type BlockAction,
  type Logger as BoltLogger,
  HTTPReceiver,
  LogLevel,
  type Receiver,
  type SocketModeReceiver,
  type types,
  type webApi,
} from "@slack/bolt";
import { attachmentKindOf } from "../../channels/attachmentKind.js";
import type { OutboundAttachment } from "../../channels/port.js";
import type { CannedReplyService } from "../cannedReplyService.js";
import type {
  DeskEvent,
  StaffAction,
  StaffActionResult,
  StaffActions,
  StaffDesk,
  TechnicianRef,
  TicketView,
} from "../port.js";
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
  stateCategory,
  statePlan,
  stateValue,
  type ViewStateValues,
} from "./deskModals.js";
import { escapeSlackText, mention, safeText } from "./slackText.js";
import { parseSportelloCommand, SPORTELLO_HELP } from "./sportelloCommand.js";
import { describeFailure, slackToPlain } from "./staffWording.js";

export { describeFailure, slackToPlain };

import {
  ACTION,
  cardText,
  formatCharge,
  formatWhen,
  STATUS_LABEL,
  ticketCardBlocks,
  ticketLine,
} from "./ticketCard.js";
import { Inflight, TrackingHTTPReceiver, TrackingSocketModeReceiver } from "./trackingReceivers.js";

/** Durable de-duplication: resolves true when `(source, key)` was already processed, and marks it. */
export type SeenFunction = (source: string, key: string) => Promise<boolean>;

export interface SlackDeskOptions {
  /** `SLACK_BOT_TOKEN` (xoxb-…). */
  botToken: string;
  /** `SLACK_SIGNING_SECRET`; required in HTTP mode. */
  signingSecret?: string;
  /** `SLACK_STAFF_CHANNEL`: channel id where ticket cards are posted. */
  staffChannel: string;
  /** `SLACK_ESCALATION_CHANNEL`: where unclaimed tickets escalate (default: the staff channel). */
  escalationChannel?: string;
  /** `SLACK_APP_TOKEN` (xapp-…): when set the desk uses Socket Mode instead of HTTP. */
  appToken?: string;
  /** `SLACK_API_URL`: Web API base, e.g. GovSlack or a fake; must end with `/api/`. */
  apiUrl?: string;
  /** Durable dedup of event redeliveries (the DB `ProcessedDelivery` table in production). */
  seen: SeenFunction;
  /** HTTP mode: listen on an own server (tests: `{ port: 0, host: "127.0.0.1" }`). Omit to mount {@link SlackDesk.requestListener} elsewhere. */
  listen?: { port: number; host?: string };
  /** Path of the single endpoint for events, interactivity and commands. */
  endpoint?: string;
  /** Slash command name. */
  command?: string;
  /** Zone for dates shown to staff and typed in `/sportello oncall set`. */
  timeZone?: string;
  /** Clock for the on-call rota window; defaults to the system clock. */
  now?: () => Date;
  /** Bolt log level (default `error`). */
  logLevel?: LogLevel;
  /** Where Bolt and the desk log (see `boltLoggerFrom` for pino); Bolt's console logger when omitted. */
  logger?: BoltLogger;
  /** Largest file copied from a technician's thread message to the customer. */
  maxFileBytes?: number;
  /** The preset's canned replies, for `/sportello reply NUMBER KEY`. */
  cannedReplies?: CannedReplyService;
}

/** The Slack desk, a {@link StaffDesk} with the Slack-specific handles. */
export interface SlackDesk extends StaffDesk {
  readonly mode: "http" | "socket";
  readonly app: App;
  /** The options the Bolt App was built with (inspectable: socket mode, tokens, API URL). */
  readonly appOptions: AppOptions;
  readonly receiver: HTTPReceiver | SocketModeReceiver;
  /** Path that takes events, interactivity and commands (HTTP mode). */
  readonly endpoint: string;
  /**
   * Node request listener (HTTP mode) to mount the endpoint on another server. It reads and
   * verifies the raw body itself, so the host server must not consume the body first.
   */
  readonly requestListener: RequestListener | undefined;
  /** Where the desk's own HTTP server listens, once started with `listen`. */
  address(): { host: string; port: number } | null;
  /** Resolves once every Slack request received so far has been fully handled. */
  idle(): Promise<void>;
}

/** Errors from the desk carry stable codes; `retryAfterMs` when Slack rate-limited us. */
export class SlackDeskError extends Error {
  readonly code: "slack-config" | "slack-rate-limited" | "slack-api-error" | "slack-not-started";
  readonly retryAfterMs: number | undefined;
  constructor(
    code: SlackDeskError["code"],
    message: string,
    options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "SlackDeskError";
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Reads the desk options from `SLACK_*` environment variables; null when Slack is not configured. */
export function slackDeskOptionsFromEnv(
  env: Record<string, string | undefined>,
  seen: SeenFunction,
): SlackDeskOptions | null {
  const botToken = env.SLACK_BOT_TOKEN;
  const staffChannel = env.SLACK_STAFF_CHANNEL;
  if (!botToken || !staffChannel) return null;
  return {
    botToken,
    staffChannel,
    seen,
    ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
    ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    ...(env.SLACK_ESCALATION_CHANNEL ? { escalationChannel: env.SLACK_ESCALATION_CHANNEL } : {}),
  };
}

const DEDUP_SOURCE = "slack-event";
/** `origin` of the replies and questions typed on this desk (and of their `staff.reply` echo). */
export const SLACK_ORIGIN = "slack";
const ROTA_DAYS = 14;

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
  files?: {
    id?: string;
    name?: string;
    title?: string;
    mimetype?: string;
    size?: number;
    url_private?: string;
  }[];
}

/** Message subtypes that are still a person's post (`file_share`: a post with files). */
const USER_POST_SUBTYPES = new Set([undefined, "file_share", "thread_broadcast"]);

/** This desk's name: the key of its references and of technicians' Slack identities. */
const DESK = "slack";

function deskRefOf(ticket: TicketView): { channel: string; ts: string } | null {
  const ref = ticket.deskRefs?.[DESK];
  return ref && typeof ref.channel === "string" && typeof ref.ts === "string"
    ? { channel: ref.channel, ts: ref.ts }
    : null;
}

/** Creates the Slack desk; nothing connects or listens until {@link StaffDesk.start}. */
export function createSlackDesk(options: SlackDeskOptions): SlackDesk {
  const zone = options.timeZone ?? "Europe/Rome";
  const endpoint = options.endpoint ?? "/slack/events";
  const commandName = options.command ?? "/sportello";
  const now = options.now ?? (() => new Date());
  const maxFileBytes = options.maxFileBytes ?? 25 * 1024 * 1024;
  const logLevel = options.logLevel ?? LogLevel.ERROR;
  const inflight = new Inflight();
  if (options.logger) options.logger.setLevel(logLevel);
  const logging = options.logger ? { logger: options.logger } : { logLevel };
  const mode: "http" | "socket" = options.appToken ? "socket" : "http";

  const clientOptions: webApi.WebClientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    // A rate-limited or failed call must surface so the runtime retries the notification durably,
    // instead of the WebClient sleeping inside notify() for minutes.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  };

  let receiver: TrackingHTTPReceiver | TrackingSocketModeReceiver;
  if (mode === "socket") {
    receiver = new TrackingSocketModeReceiver(
      {
        appToken: options.appToken!,
        ...logging,
        // The socket client opens its connection with apps.connections.open: same API base (GovSlack).
        ...(options.apiUrl ? { installerOptions: { clientOptions: { slackApiUrl: options.apiUrl } } } : {}),
      },
      inflight,
    );
  } else {
    if (!options.signingSecret) {
      throw new SlackDeskError(
        "slack-config",
        "SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN)",
      );
    }
    receiver = new TrackingHTTPReceiver(
      { signingSecret: options.signingSecret, endpoints: endpoint, ...logging, processBeforeResponse: false },
      inflight,
    );
  }

  const appOptions: AppOptions = {
    token: options.botToken,
    receiver: receiver as Receiver,
    clientOptions,
    ...logging,
    // auth.test runs in start(), not in the constructor.
    deferInitialization: true,
    ...(mode === "socket"
      ? { socketMode: true, appToken: options.appToken }
      : { signingSecret: options.signingSecret }),
  };
  const app = new App(appOptions);
  const client = app.client;

  let actions: StaffActions | null = null;
  let listening: { host: string; port: number } | null = null;
  let started = false;
  /** `channel:ts` of a card → ticket number; refilled from `listTickets("open")` after a restart. */
  const threads = new Map<string, string>();
  /** Dedup checks run one at a time: the store's check-then-insert expects serialised callers. */
  let seenChain: Promise<unknown> = Promise.resolve();
  const seenOnce = (eventId: string): Promise<boolean> => {
    const run = seenChain.catch(() => undefined).then(() => options.seen(DEDUP_SOURCE, eventId));
    seenChain = run;
    return run;
  };
  /** Threads already found not to belong to an open ticket (bounded). */
  const notTickets = new Set<string>();
  /** Latest card ref known per ticket number. */
  const cards = new Map<string, { channel: string; ts: string }>();
  /**
   * Replies and questions sent from this desk, until the runtime's `staff.reply` echo comes back
   * (bounded: echoes that never come must not pile up).
   */
  const ownReplies: string[] = [];
  const ownReplyKey = (ticket: string, text: string) => `${ticket}\n${text.trim()}`;
  const rememberOwnReply = (ticket: string, text: string) => {
    ownReplies.push(ownReplyKey(ticket, text));
    if (ownReplies.length > 200) ownReplies.shift();
  };
  const consumeOwnReply = (ticket: string, text: string): boolean => {
    const index = ownReplies.indexOf(ownReplyKey(ticket, text));
    if (index < 0) return false;
    ownReplies.splice(index, 1);
    return true;
  };
  const forgetOwnReply = (action: StaffAction) => {
    if (action.type === "reply" || action.type === "ask") consumeOwnReply(action.ticket, action.text);
  };
  /** Notifications about one ticket run one after the other, so two events never post two cards. */
  const queues = new Map<string, Promise<unknown>>();

  const staff = (): StaffActions => {
    if (!actions) throw new SlackDeskError("slack-not-started", "the Slack desk is not started");
    return actions;
  };
  /** The preset's categories for the Close modal's select; undefined: free text (older runtimes). */
  const categoryChoices = async () => (actions?.listCategories ? await actions.listCategories() : undefined);
  const packageChoices = async () => (actions?.listPackages ? await actions.listPackages() : []);
  /** The card offers reply drafts only when the staff actions can make them (AI on). */
  const cardOptions = () => ({ suggestReply: typeof actions?.suggestReply === "function" });
  const remember = (ticket: TicketView) => {
    const ref = deskRefOf(ticket);
    if (!ref) return;
    threads.set(`${ref.channel}:${ref.ts}`, ticket.number);
    cards.set(ticket.number, ref);
  };

  const ticketForThread = async (channel: string, threadTs: string): Promise<string | null> => {
    const key = `${channel}:${threadTs}`;
    const known = threads.get(key);
    if (known) return known;
    if (notTickets.has(key)) return null;
    for (const ticket of await staff().listTickets("open")) remember(ticket);
    const found = threads.get(key) ?? null;
    if (!found) {
      // A message's ts never becomes a card's ts later, so "not a ticket thread" stays true.
      notTickets.add(key);
      if (notTickets.size > 1000) notTickets.delete(notTickets.values().next().value!);
    }
    return found;
  };

  /** Calls the Web API, turning its failures into {@link SlackDeskError}s. */
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number; message?: string };
      if (e.code === "slack_webapi_rate_limited_error") {
        throw new SlackDeskError("slack-rate-limited", `Slack rate-limited ${what}`, {
          retryAfterMs: (e.retryAfter ?? 1) * 1000,
          cause: error,
        });
      }
      throw new SlackDeskError("slack-api-error", `Slack ${what} failed: ${e.message ?? String(error)}`, {
        cause: error,
      });
    }
  };

  const ephemeral = async (channel: string | undefined, user: string, text: string, threadTs?: string) => {
    if (!channel) return;
    await call("chat.postEphemeral", () =>
      client.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) }),
    );
  };

  const postThread = async (ref: { channel: string; ts: string }, text: string) => {
    await call("chat.postMessage", () =>
      client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text }),
    );
  };

  /**
   * Posts the card (or refreshes it when the ticket already has one) and returns its ref. Events
   * may carry a snapshot taken before the card existed, so a missing ref is looked up again
   * (memory, then the runtime) before a second card could be posted.
   */
  const ensureCard = async (
    ticket: TicketView,
  ): Promise<{ ref: { channel: string; ts: string }; created: boolean }> => {
    let existing = deskRefOf(ticket) ?? cards.get(ticket.number) ?? null;
    if (!existing) {
      const fresh = await staff().getTicket(ticket.number);
      existing = fresh ? deskRefOf(fresh) : null;
    }
    if (existing) {
      await updateCard(ticket, existing);
      return { ref: existing, created: false };
    }
    const posted = await call("chat.postMessage", () =>
      client.chat.postMessage({
        channel: options.staffChannel,
        text: cardText(ticket),
        blocks: ticketCardBlocks(ticket, zone, cardOptions()),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    const ref = { channel: String(posted.channel ?? options.staffChannel), ts: String(posted.ts) };
    cards.set(ticket.number, ref);
    threads.set(`${ref.channel}:${ref.ts}`, ticket.number);
    await staff().setDeskRef(ticket.number, DESK, ref);
    return { ref, created: true };
  };

  const updateCard = async (ticket: TicketView, ref = deskRefOf(ticket) ?? cards.get(ticket.number)) => {
    if (!ref) return;
    remember(ticket);
    await call("chat.update", () =>
      client.chat.update({
        channel: ref.channel,
        ts: ref.ts,
        text: cardText(ticket),
        blocks: ticketCardBlocks(ticket, zone, cardOptions()),
      }),
    );
  };

  const contactLine = (ticket: TicketView): string => {
    const c = ticket.customer;
    const parts = [c.contactName, c.phone, c.email]
      .filter((v): v is string => !!v)
      .map((v) => safeText(v, 120));
    return `${safeText(c.company, 120)}${parts.length ? ` — ${parts.join(" · ")}` : ""}`;
  };

  // ------------------------------------------------------------------ notify (runtime → Slack)

  const notify = (event: DeskEvent): Promise<void> => {
    staff();
    const key = event.ticket.number;
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => render(event));
    queues.set(key, run);
    const cleanup = () => {
      if (queues.get(key) === run) queues.delete(key);
    };
    run.then(cleanup, cleanup);
    return run;
  };

  const render = async (event: DeskEvent): Promise<void> => {
    remember(event.ticket);
    switch (event.type) {
      case "ticket.opened":
        await ensureCard(event.ticket);
        return;
      case "ticket.updated": {
        const { ref, created } = await ensureCard(event.ticket);
        // A fresh card already shows the change.
        if (created) return;
        const t = event.ticket;
        const bits = [`_${safeText(event.change, 200)}_`, STATUS_LABEL[t.status]];
        if (t.assignee) bits.push(`assignee ${safeText(t.assignee.name, 80)}`);
        if (t.minutes !== null) bits.push(`${t.minutes} min`);
        if (t.charge) bits.push(formatCharge(t.charge));
        await postThread(ref, bits.join(" · "));
        return;
      }
      case "customer.message": {
        const { ref } = await ensureCard(event.ticket);
        const who = safeText(event.ticket.customer.contactName ?? event.ticket.customer.company, 120);
        const files = event.attachments.length
          ? `\n_Attachments: ${event.attachments.map((a) => `${a.kind}${a.name ? ` ${safeText(a.name, 80)}` : ""}`).join(", ")}_`
          : "";
        await postThread(ref, `*${who}* (customer): ${safeText(event.text || "—", 3500)}${files}`);
        return;
      }
      case "staff.reply": {
        // The runtime tells every desk, this one included: a reply typed in the thread is already
        // there. The origin says so; the remembered text covers runtimes that do not pass it on.
        const echo = consumeOwnReply(event.ticket.number, event.text);
        if (event.origin === SLACK_ORIGIN || echo) return;
        const { ref } = await ensureCard(event.ticket);
        await postThread(
          ref,
          `*${safeText(event.by, 80)}* replied to the customer: ${safeText(event.text, 3500)}`,
        );
        return;
      }
      case "oncall.paged":
        await page(event);
        return;
      case "ticket.escalated": {
        const t = event.ticket;
        const channel = options.escalationChannel ?? options.staffChannel;
        const hours = Math.round((event.afterServiceMinutes / 60) * 10) / 10;
        await call("chat.postMessage", () =>
          client.chat.postMessage({
            channel,
            text: `<!here> ${t.number} is still unclaimed after ${event.afterServiceMinutes} service minutes (${hours} h): ${safeText(t.customer.company, 120)} · ${t.priority}${t.blocking ? " · blocking" : ""}`,
          }),
        );
        return;
      }
    }
  };

  const page = async (event: Extract<DeskEvent, { type: "oncall.paged" }>) => {
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
    const ackButton: types.KnownBlock = {
      type: "actions",
      elements: [
        {
          type: "button",
          text: { type: "plain_text", text: "Acknowledge" },
          action_id: ACTION.ackPage,
          value: t.number,
          style: "primary",
        },
      ],
    };
    const slackUserId = event.technician?.identities[DESK] ?? null;
    if (slackUserId) {
      const dm = await call("conversations.open", () => client.conversations.open({ users: slackUserId }));
      const dmChannel = dm.channel?.id;
      if (dmChannel) {
        const text = `On-call page${reminder}: ${t.number}`;
        await call("chat.postMessage", () =>
          client.chat.postMessage({
            channel: dmChannel,
            text,
            blocks: [
              { type: "section", text: { type: "mrkdwn", text: `*${text}*\n${details}`, verbatim: true } },
              ackButton,
            ],
          }),
        );
      }
    }
    const who = slackUserId
      ? mention(slackUserId)
      : event.technician
        ? `${safeText(event.technician.name, 80)} (no Slack account linked) <!here>`
        : "<!here> nobody is on call right now —";
    const channelText = `${who} on-call page${reminder} for ${t.number}`;
    await call("chat.postMessage", () =>
      client.chat.postMessage({
        channel: options.staffChannel,
        text: channelText,
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: `${channelText}\n${details}`, verbatim: true } },
          ackButton,
        ],
      }),
    );
  };

  // ------------------------------------------------------------------ Slack → StaffActions

  const by = (slackUserId: string): TechnicianRef => ({ desk: DESK, externalId: slackUserId });

  /** Performs an action for a Slack user after checking they are a technician. */
  const act = async (
    action: StaffAction,
    user: string,
    reply: (text: string) => Promise<void>,
  ): Promise<StaffActionResult | null> => {
    const tech = await staff().findTechnician(by(user));
    if (!tech) {
      await reply(
        "Only technicians can act on tickets. Ask an admin to link your Slack account to a technician.",
      );
      return null;
    }
    if (action.type === "reply" || action.type === "ask") rememberOwnReply(action.ticket, action.text);
    const result = await staff().perform(action);
    if (!result.ok) forgetOwnReply(action);
    if (!result.ok) await reply(describeFailure(result, action.ticket));
    // Notes and page acks change nothing the card shows.
    else if (action.type !== "note" && action.type !== "ack-page") await updateCard(result.ticket);
    return result;
  };

  /** Runs work after the ack; failures are logged and, when possible, shown to the clicker. */
  const safely = async (what: string, work: () => Promise<void>, tell?: (text: string) => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      app.logger.error(`slack desk: ${what} failed`, error);
      if (tell) await tell(`Sorry, ${what} failed; try again.`).catch(() => undefined);
    }
  };

  app.event("message", async ({ event, body }) => {
    const m = event as unknown as MessageEventLike;
    if (!USER_POST_SUBTYPES.has(m.subtype) || m.bot_id || !m.user) return;
    if (!m.thread_ts || m.thread_ts === m.ts) return;
    await safely("relaying the thread message", async () => {
      const number = await ticketForThread(m.channel, m.thread_ts!);
      if (!number) return;
      // Slack redelivers with the same event_id when our ack was late or lost; the durable mark
      // is only taken for ticket-thread messages, so ordinary channel chatter costs no write.
      const eventId = (body as { event_id?: unknown }).event_id;
      if (typeof eventId === "string" && (await seenOnce(eventId))) {
        app.logger.debug(`slack desk: dropping redelivered event ${eventId}`);
        return;
      }
      const user = m.user!;
      const tell = (text: string) => ephemeral(m.channel, user, text, m.thread_ts);
      const raw = m.text ?? "";
      const noteMatch = /^\s*note:\s*/i.exec(raw);
      if (noteMatch) {
        const text = slackToPlain(raw.slice(noteMatch[0].length), await mentionedNames(raw)).trim();
        await act({ type: "note", ticket: number, by: by(user), text }, user, tell);
        return;
      }
      const tech = await staff().findTechnician(by(user));
      if (!tech) {
        await tell("Only technicians' thread messages reach the customer; yours stays in Slack.");
        return;
      }
      const { attachments, problems } = await downloadFiles(m.files ?? []);
      if (problems.length) await tell(`Not sent to the customer: ${problems.join(", ")}.`);
      const text = slackToPlain(raw, await mentionedNames(raw)).trim();
      if (!text && attachments.length === 0) return;
      await act(
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

  /** Names for the `<@U…>` mentions in a message: technicians by their name, others via users.info. */
  const mentionedNames = async (raw: string): Promise<Map<string, string>> => {
    const names = new Map<string, string>();
    for (const [, id] of raw.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)) {
      if (!id || names.has(id)) continue;
      const tech = await staff().findTechnician(by(id));
      if (tech) {
        names.set(id, tech.name);
        continue;
      }
      try {
        const info = await client.users.info({ user: id });
        const name = info.user?.profile?.display_name || info.user?.real_name || info.user?.name;
        if (name) names.set(id, name);
      } catch (error) {
        app.logger.warn(`slack desk: users.info ${id} failed`, error);
      }
    }
    return names;
  };

  /**
   * Files shared in the thread are private (`url_private` needs the bot token), so the desk
   * downloads them here and hands the bytes to the runtime; a channel adapter could not fetch them.
   */
  const downloadFiles = async (files: NonNullable<MessageEventLike["files"]>) => {
    const attachments: OutboundAttachment[] = [];
    const problems: string[] = [];
    for (const file of files) {
      const name = file.name ?? file.title ?? "file";
      if (!file.url_private) {
        problems.push(`${escapeSlackText(name)} (no download link)`);
        continue;
      }
      if (file.size !== undefined && file.size > maxFileBytes) {
        problems.push(`${escapeSlackText(name)} (too large)`);
        continue;
      }
      try {
        const response = await fetch(file.url_private, {
          headers: { authorization: `Bearer ${options.botToken}` },
          redirect: "manual",
        });
        const type = response.headers.get("content-type") ?? "";
        // Slack answers an unauthorised download with a redirect to an HTML login page.
        if (response.status !== 200 || (type.startsWith("text/html") && file.mimetype !== "text/html")) {
          throw new Error(`HTTP ${response.status}`);
        }
        const data = new Uint8Array(await response.arrayBuffer());
        if (data.byteLength > maxFileBytes) throw new Error("too large");
        const mime = file.mimetype ?? (type || undefined);
        attachments.push({ kind: attachmentKindOf(mime), name, data, ...(mime ? { mime } : {}) });
      } catch (error) {
        app.logger.warn(`slack desk: could not download ${name}`, error);
        problems.push(`${escapeSlackText(name)} (download failed)`);
      }
    }
    return { attachments, problems };
  };

  /** Button handlers: ack first, then resolve who clicked and what. */
  const onButton = (
    actionId: string,
    work: (ctx: {
      ticket: string;
      user: string;
      channel: string | undefined;
      messageTs: string | undefined;
      triggerId: string;
      tell: (text: string) => Promise<void>;
    }) => Promise<void>,
  ) => {
    app.action<BlockAction>(actionId, async ({ ack, body }) => {
      await ack();
      const action = body.actions[0];
      const ticket = action && "value" in action ? String(action.value ?? "") : "";
      const user = body.user.id;
      const channel = body.channel?.id ?? body.container?.channel_id;
      const messageTs = body.message?.ts ?? body.container?.message_ts;
      const tell = (text: string) => ephemeral(channel, user, text);
      await safely(
        `${actionId} on ${ticket}`,
        () => work({ ticket, user, channel, messageTs, triggerId: body.trigger_id, tell }),
        tell,
      );
    });
  };

  const withTicketModal = async (
    ctx: {
      ticket: string;
      user: string;
      channel: string | undefined;
      messageTs: string | undefined;
      triggerId: string;
      tell: (text: string) => Promise<void>;
    },
    build: (ticket: TicketView, meta: ModalMetadata) => types.ModalView,
  ) => {
    const tech = await staff().findTechnician(by(ctx.user));
    if (!tech) {
      await ctx.tell(
        "Only technicians can act on tickets. Ask an admin to link your Slack account to a technician.",
      );
      return;
    }
    const ticket = await staff().getTicket(ctx.ticket);
    if (!ticket) {
      await ctx.tell(`Ticket ${safeText(ctx.ticket, 60)} does not exist.`);
      return;
    }
    const ref = deskRefOf(ticket);
    const meta: ModalMetadata = {
      ticket: ticket.number,
      ...(ref
        ? { channel: ref.channel, ts: ref.ts }
        : ctx.channel && ctx.messageTs
          ? { channel: ctx.channel, ts: ctx.messageTs }
          : {}),
    };
    await call("views.open", () =>
      client.views.open({ trigger_id: ctx.triggerId, view: build(ticket, meta) }),
    );
  };

  onButton(ACTION.claim, async ({ ticket, user, tell }) => {
    await act({ type: "claim", ticket, by: by(user) }, user, tell);
  });
  onButton(ACTION.reopen, async ({ ticket, user, tell }) => {
    await act({ type: "reopen", ticket, by: by(user) }, user, tell);
  });
  onButton(ACTION.ackPage, async ({ ticket, user, channel, messageTs, tell }) => {
    const result = await act({ type: "ack-page", ticket, by: by(user) }, user, tell);
    if (result?.ok && channel && messageTs) {
      const text = `Page for ${ticket} acknowledged by ${mention(user)}`;
      await call("chat.update", () =>
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
    const tech = await staff().findTechnician(by(user));
    if (!tech) {
      await tell(
        "Only technicians can act on tickets. Ask an admin to link your Slack account to a technician.",
      );
      return;
    }
    const suggest = staff().suggestReply;
    if (!suggest) {
      await tell("Reply drafts are not available (AI assist is off).");
      return;
    }
    const draft = await suggest.call(staff(), ticket);
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
  onButton(ACTION.close, async (ctx) => {
    const [categories, packages] = await Promise.all([categoryChoices(), packageChoices()]);
    await withTicketModal(ctx, (t, meta) => closeModal(t, meta, undefined, undefined, categories, packages));
  });
  onButton(ACTION.ask, (ctx) => withTicketModal(ctx, askModal));
  onButton(ACTION.note, (ctx) => withTicketModal(ctx, noteModal));
  onButton(ACTION.authorize, (ctx) => withTicketModal(ctx, authorizeModal));

  // Live charge preview: minutes or plan changed inside the Close modal.
  for (const live of CLOSE_LIVE_ACTIONS) {
    app.action<BlockAction>(live, async ({ ack, body }) => {
      await ack();
      const view = body.view;
      if (!view) return;
      await safely("updating the charge preview", async () => {
        const meta = decodeMetadata(view.private_metadata);
        if (!meta) return;
        const ticket = await staff().getTicket(meta.ticket);
        if (!ticket) return;
        const values = view.state?.values as ViewStateValues | undefined;
        const minutes = parseMinutes(stateValue(values, "minutes", MODAL.closeMinutesAction));
        const billing = stateBilling(values);
        const charge =
          minutes === null || billing === null
            ? undefined
            : await staff().previewCharge(ticket.number, minutes, statePlan(values), billing);
        const [categories, packages] = await Promise.all([categoryChoices(), packageChoices()]);
        await call("views.update", () =>
          client.views.update({
            view_id: view.id,
            hash: view.hash,
            view: closeModal(ticket, meta, charge, minutes ?? undefined, categories, packages),
          }),
        );
      });
    });
  }

  app.view(MODAL.close, async ({ ack, body, view }) => {
    const values = view.state.values as ViewStateValues;
    const minutes = parseMinutes(stateValue(values, "minutes", MODAL.closeMinutesAction));
    const resolution = stateValue(values, "resolution", "resolution");
    const billing = stateBilling(values);
    if (minutes === null || !resolution || billing === null) {
      // Validation errors must travel in the ack itself; this is quick and needs no I/O.
      await ack({
        response_action: "errors",
        errors: {
          ...(minutes === null ? { minutes: "Type the minutes spent as a whole number (0 or more)." } : {}),
          ...(!resolution ? { resolution: "Describe the resolution for the customer." } : {}),
          ...(billing === null ? { km: "Kilometres and per-diem days are whole numbers (0 or more)." } : {}),
        },
      });
      return;
    }
    await ack();
    const meta = decodeMetadata(view.private_metadata);
    if (!meta) return;
    const user = body.user.id;
    const tell = (text: string) => ephemeral(meta.channel, user, text, meta.ts);
    await safely(
      `closing ${meta.ticket}`,
      async () => {
        const category = stateCategory(values);
        const plan = statePlan(values);
        const result = await act(
          {
            type: "close",
            ticket: meta.ticket,
            by: by(user),
            minutes,
            resolution,
            ...(category ? { category } : {}),
            ...(plan ? { plan } : {}),
            ...(billing ? { billing } : {}),
          },
          user,
          tell,
        );
        if (result?.ok) {
          const charge = result.charge ?? result.ticket.charge;
          await tell(`${meta.ticket} closed: ${minutes} min${charge ? `, ${formatCharge(charge)}` : ""}.`);
        }
      },
      tell,
    );
  });

  const textModalSubmit = (
    callbackId: string,
    toAction: (ticket: string, user: string, text: string) => StaffAction,
    done: string,
  ) => {
    app.view(callbackId, async ({ ack, body, view }) => {
      const text = stateValue(view.state.values as ViewStateValues, "text", "text");
      if (!text) {
        await ack({ response_action: "errors", errors: { text: "This cannot be empty." } });
        return;
      }
      await ack();
      const meta = decodeMetadata(view.private_metadata);
      if (!meta) return;
      const user = body.user.id;
      const tell = (t: string) => ephemeral(meta.channel, user, t, meta.ts);
      await safely(
        `${callbackId} on ${meta.ticket}`,
        async () => {
          const result = await act(toAction(meta.ticket, user, text), user, tell);
          if (result?.ok && meta.channel && meta.ts) {
            await postThread(
              { channel: meta.channel, ts: meta.ts },
              `${mention(user)} ${done}: ${safeText(text, 2800)}`,
            );
          }
        },
        tell,
      );
    });
  };
  textModalSubmit(
    MODAL.ask,
    (ticket, user, text) => ({ type: "ask", ticket, by: by(user), text, origin: SLACK_ORIGIN }),
    "asked the customer",
  );
  textModalSubmit(
    MODAL.note,
    (ticket, user, text) => ({ type: "note", ticket, by: by(user), text }),
    "added an internal note",
  );
  textModalSubmit(
    MODAL.authorize,
    (ticket, user, text) => ({ type: "authorize", ticket, by: by(user), salesRep: text }),
    "recorded the authorization by sales representative",
  );

  // ------------------------------------------------------------------ /sportello

  app.command(commandName, async ({ ack, command, respond }) => {
    await ack();
    const say = async (text: string) => {
      await respond({ response_type: "ephemeral", text });
    };
    await safely(
      `${commandName} ${command.text}`,
      async () => {
        const parsed = parseSportelloCommand(command.text ?? "", zone);
        if (parsed.kind === "help") {
          await say(`${parsed.problem ? `${safeText(parsed.problem, 200)}.\n\n` : ""}${SPORTELLO_HELP}`);
          return;
        }
        const user = command.user_id;
        const tech = await staff().findTechnician(by(user));
        if (!tech) {
          await say(
            "Only technicians can use /sportello. Ask an admin to link your Slack account to a technician.",
          );
          return;
        }
        switch (parsed.kind) {
          case "claim": {
            const result = await act({ type: "claim", ticket: parsed.ticket, by: by(user) }, user, say);
            if (result?.ok) await say(`You claimed ${parsed.ticket}.`);
            return;
          }
          case "tickets": {
            const list = await staff().listTickets(parsed.filter, by(user));
            const shown = list.slice(0, 40).map(ticketLine);
            const more = list.length > 40 ? `\n…and ${list.length - 40} more` : "";
            await say(
              list.length
                ? `*Tickets (${parsed.filter})*\n${shown.join("\n")}${more}`
                : `No tickets (${parsed.filter}).`,
            );
            return;
          }
          case "reply": {
            const canned = options.cannedReplies;
            const keys = canned?.keys("en") ?? [];
            if (!canned || keys.length === 0) {
              await say("No canned replies are configured for this preset.");
              return;
            }
            if (parsed.key === null) {
              await say(
                `*Canned replies* (\`${commandName} reply ${safeText(parsed.ticket, 60)} KEY\`)\n${keys.map((k) => `• \`${k.key}\` — ${safeText(k.title, 120)}`).join("\n")}`,
              );
              return;
            }
            const rendered = await canned.render(parsed.ticket, parsed.key, tech.name);
            if (!rendered) {
              const known = keys.some((k) => k.key === parsed.key);
              await say(
                known
                  ? `Ticket ${safeText(parsed.ticket, 60)} does not exist.`
                  : `No canned reply \`${safeText(parsed.key, 60)}\`: try \`${commandName} reply ${safeText(parsed.ticket, 60)}\` for the list.`,
              );
              return;
            }
            const result = await act(
              { type: "reply", ticket: parsed.ticket, by: by(user), text: rendered.text, origin: "slack" },
              user,
              say,
            );
            if (result?.ok)
              await say(`Sent to the customer of ${parsed.ticket}: ${safeText(rendered.text, 1500)}`);
            return;
          }
          case "ticket": {
            const ticket = await staff().getTicket(parsed.ticket);
            if (!ticket) {
              await say(`Ticket ${safeText(parsed.ticket, 60)} does not exist.`);
              return;
            }
            const lines = [
              ticketLine(ticket),
              `Customer: ${contactLine(ticket)}`,
              `Opened ${formatWhen(ticket.createdAt, zone)} on ${ticket.channel}`,
              `Description: ${safeText(ticket.description, 1500)}`,
            ];
            if (ticket.minutes !== null) lines.push(`Minutes: ${ticket.minutes}`);
            if (ticket.charge) lines.push(`Charge: ${formatCharge(ticket.charge)}`);
            if (ticket.resolution) lines.push(`Resolution: ${safeText(ticket.resolution, 1000)}`);
            await say(lines.join("\n"));
            return;
          }
          case "oncall": {
            const from = now();
            const to = new Date(from.getTime() + ROTA_DAYS * 24 * 3600 * 1000);
            const shifts = await staff().listOnCall(from, to);
            const lines = shifts.map(
              (s) =>
                `• ${formatWhen(s.startsAt, zone)} → ${formatWhen(s.endsAt, zone)} — ${safeText(s.technician.name, 80)}${s.technician.identities[DESK] ? ` (${mention(s.technician.identities[DESK])})` : ""}`,
            );
            await say(
              lines.length
                ? `*On-call rota, next ${ROTA_DAYS} days* (${zone})\n${lines.join("\n")}`
                : `Nobody is on call in the next ${ROTA_DAYS} days. Set a shift with \`${commandName} oncall set @user FROM TO\`.`,
            );
            return;
          }
          case "oncall-set": {
            const result = await staff().setOnCall(by(user), {
              technician: by(parsed.slackUserId),
              startsAt: parsed.startsAt,
              endsAt: parsed.endsAt,
            });
            if (!result.ok) {
              await say(
                result.code === "not-technician"
                  ? `${mention(parsed.slackUserId)} is not a technician: ${safeText(result.message, 200)}`
                  : `Could not set the shift: ${safeText(result.message, 200)}`,
              );
              return;
            }
            await say(
              `On call: ${mention(parsed.slackUserId)} from ${formatWhen(parsed.startsAt.toISOString(), zone)} to ${formatWhen(parsed.endsAt.toISOString(), zone)}.`,
            );
            return;
          }
        }
      },
      say,
    );
  });

  app.error(async (error) => {
    app.logger.error("slack desk: unhandled error", error);
  });

  const desk: SlackDesk = {
    name: DESK,
    mode,
    app,
    appOptions,
    receiver,
    endpoint,
    requestListener:
      receiver instanceof HTTPReceiver
        ? (req: IncomingMessage, res: ServerResponse) => {
            try {
              receiver.requestListener(req, res);
            } catch {
              // Anything but the endpoint (HTTPReceiverDeferredRequestError): not ours.
              if (!res.headersSent) res.writeHead(404).end();
            }
          }
        : undefined,
    address: () => listening,
    idle: () => inflight.idle(),
    async start(staffActions) {
      if (started) return;
      actions = staffActions;
      await app.init();
      if (receiver instanceof TrackingSocketModeReceiver) {
        await receiver.start();
      } else if (options.listen) {
        const listen: ListenOptions = { port: options.listen.port, host: options.listen.host ?? "0.0.0.0" };
        const server = await receiver.start(listen);
        const address = server.address();
        listening =
          address && typeof address === "object"
            ? { host: address.address, port: address.port }
            : { host: listen.host!, port: listen.port! };
      }
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      if (receiver instanceof TrackingSocketModeReceiver || listening) await receiver.stop();
      listening = null;
      await inflight.idle();
    },
    notify,
  };
  return desk;
}

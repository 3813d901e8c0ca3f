/**
 * What the Slack desk's handlers share: the Bolt app and its Web API client, the staff actions
 * once started, the memory of cards and own replies, and the few Slack calls every handler makes
 * (ephemeral answers, thread posts, posting or refreshing a ticket's card, performing an action
 * for a technician).
 */
import type { App, webApi } from "@slack/bolt";
import type { StaffAction, StaffActionResult, StaffActions, TechnicianView, TicketView } from "../port.js";
import { CardThreads } from "./cardThreads.js";
import { OwnReplies } from "./ownReplies.js";
import { callSlack, SlackDeskError } from "./slackDeskError.js";
import type { SlackDeskOptions } from "./slackDeskOptions.js";
import { by, type CardRef, DESK, deskRefOf } from "./slackDeskRefs.js";
import { describeFailure } from "./staffWording.js";
import { cardText, ticketCardBlocks } from "./ticketCard.js";

const DEDUP_SOURCE = "slack-event";

/** Answer to a Slack user who is not linked to a technician. */
export const NOT_A_TECHNICIAN =
  "Only technicians can act on tickets. Ask an admin to link your Slack account to a technician.";

/** Sends a short answer to the Slack user being served. */
export type Tell = (text: string) => Promise<void>;

/** The desk options with their defaults applied. */
export interface DeskSettings {
  readonly options: SlackDeskOptions;
  readonly zone: string;
  readonly commandName: string;
  readonly now: () => Date;
  readonly maxFileBytes: number;
}

/** The state and helpers shared by the desk's handlers (see the module comment). */
export interface DeskContext extends DeskSettings {
  readonly app: App;
  readonly client: webApi.WebClient;
  readonly threads: CardThreads;
  readonly ownReplies: OwnReplies;
  setActions(actions: StaffActions): void;
  /** The staff actions; throws `slack-not-started` before `start`. */
  staff(): StaffActions;
  /** The preset's categories for the Close modal's select; undefined: free text (older runtimes). */
  categoryChoices(): Promise<Awaited<ReturnType<NonNullable<StaffActions["listCategories"]>>> | undefined>;
  /** The preset's packages for the Close modal. */
  packageChoices(): Promise<Awaited<ReturnType<NonNullable<StaffActions["listPackages"]>>>>;
  /** True (and marks it) when Slack already delivered the event `eventId`. */
  seenOnce(eventId: string): Promise<boolean>;
  /** An ephemeral message to `user` in `channel` (nothing without a channel). */
  ephemeral(channel: string | undefined, user: string, text: string, threadTs?: string): Promise<void>;
  /** A message in the thread of a card. */
  postThread(ref: CardRef, text: string): Promise<void>;
  /** Posts the ticket's card, or refreshes it when it exists; `created` says which. */
  ensureCard(ticket: TicketView): Promise<{ ref: CardRef; created: boolean }>;
  /** Refreshes the ticket's card, when it has one. */
  updateCard(ticket: TicketView, ref?: CardRef): Promise<void>;
  /** The technician linked to a Slack user; tells them otherwise and resolves null. */
  technician(user: string, tell: Tell): Promise<TechnicianView | null>;
  /** Performs an action for a Slack user after checking they are a technician. */
  act(action: StaffAction, user: string, reply: Tell): Promise<StaffActionResult | null>;
  /** Runs work after the ack; failures are logged and, when possible, shown to the clicker. */
  safely(what: string, work: () => Promise<void>, tell?: Tell): Promise<void>;
}

/** Builds the shared context of a desk around its Bolt app. */
export function createDeskContext(app: App, options: SlackDeskOptions): DeskContext {
  const client = app.client;
  const zone = options.timeZone ?? "Europe/Rome";
  const threads = new CardThreads();
  const ownReplies = new OwnReplies();
  let actions: StaffActions | null = null;
  /** Dedup checks run one at a time: the store's check-then-insert expects serialised callers. */
  let seenChain: Promise<unknown> = Promise.resolve();

  const staff = (): StaffActions => {
    if (!actions) throw new SlackDeskError("slack-not-started", "the Slack desk is not started");
    return actions;
  };
  /** The card offers reply drafts only when the staff actions can make them (AI on). */
  const cardOptions = () => ({ suggestReply: typeof actions?.suggestReply === "function" });

  const updateCard = async (ticket: TicketView, ref = deskRefOf(ticket) ?? threads.card(ticket.number)) => {
    if (!ref) return;
    threads.remember(ticket);
    await callSlack("chat.update", () =>
      client.chat.update({
        channel: ref.channel,
        ts: ref.ts,
        text: cardText(ticket),
        blocks: ticketCardBlocks(ticket, zone, cardOptions()),
      }),
    );
  };

  const technician = async (user: string, tell: Tell) => {
    const tech = await staff().findTechnician(by(user));
    if (!tech) await tell(NOT_A_TECHNICIAN);
    return tech;
  };

  return {
    options,
    zone,
    commandName: options.command ?? "/sportello",
    now: options.now ?? (() => new Date()),
    maxFileBytes: options.maxFileBytes ?? 25 * 1024 * 1024,
    app,
    client,
    threads,
    ownReplies,
    setActions: (staffActions) => {
      actions = staffActions;
    },
    staff,
    categoryChoices: async () => (actions?.listCategories ? await actions.listCategories() : undefined),
    packageChoices: async () => (actions?.listPackages ? await actions.listPackages() : []),
    seenOnce(eventId) {
      const run = seenChain.catch(() => undefined).then(() => options.seen(DEDUP_SOURCE, eventId));
      seenChain = run;
      return run;
    },
    async ephemeral(channel, user, text, threadTs) {
      if (!channel) return;
      await callSlack("chat.postEphemeral", () =>
        client.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) }),
      );
    },
    async postThread(ref, text) {
      await callSlack("chat.postMessage", () =>
        client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text }),
      );
    },
    // Events may carry a snapshot taken before the card existed, so a missing ref is looked up
    // again (memory, then the runtime) before a second card could be posted.
    async ensureCard(ticket) {
      let existing = deskRefOf(ticket) ?? threads.card(ticket.number) ?? null;
      if (!existing) {
        const fresh = await staff().getTicket(ticket.number);
        existing = fresh ? deskRefOf(fresh) : null;
      }
      if (existing) {
        await updateCard(ticket, existing);
        return { ref: existing, created: false };
      }
      const posted = await callSlack("chat.postMessage", () =>
        client.chat.postMessage({
          channel: options.staffChannel,
          text: cardText(ticket),
          blocks: ticketCardBlocks(ticket, zone, cardOptions()),
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      const ref = { channel: String(posted.channel ?? options.staffChannel), ts: String(posted.ts) };
      threads.set(ticket.number, ref);
      await staff().setDeskRef(ticket.number, DESK, ref);
      return { ref, created: true };
    },
    updateCard,
    technician,
    async act(action, user, reply) {
      if (!(await technician(user, reply))) return null;
      ownReplies.remember(action);
      const result = await staff().perform(action);
      if (!result.ok) ownReplies.forget(action);
      if (!result.ok) await reply(describeFailure(result, action.ticket));
      // Notes and page acks change nothing the card shows.
      else if (action.type !== "note" && action.type !== "ack-page") await updateCard(result.ticket);
      return result;
    },
    async safely(what, work, tell) {
      try {
        await work();
      } catch (error) {
        app.logger.error(`slack desk: ${what} failed`, error);
        if (tell) await tell(`Sorry, ${what} failed; try again.`).catch(() => undefined);
      }
    },
  };
}

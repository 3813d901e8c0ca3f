/**
 * What sportello sends by e-mail beside the conversation, and the one-time links in it:
 *
 * - a ticket awaiting authorization (LeghornGroup) sends the sales representative an e-mail
 *   with Authorize / Decline links and the ticket summary; the links are also shown to staff
 *   (a note on the board, a line on the desks) to forward when the rep has no address;
 * - every close sends the customer a summary by e-mail (outcome, minutes, coverage, charge with
 *   VAT) with a one-time feedback link, whatever channel the ticket came from (preset switch
 *   `feedback.emailSummary`); an e-mail ticket gets it in its own thread;
 * - a charge beyond the free first minutes is reported to the rep.
 */
import type { Language, Params } from "../../flows/intents.js";
import { emailChatId, ticketThreadKey } from "../channels/email/threading.js";
import { type ChannelName, capabilitiesOf } from "../channels/port.js";
import type { StoreTx as Tx } from "../data/database.js";
import * as links from "../data/linkStore.js";
import * as store from "../data/supportStore.js";
import { notifyDesks } from "./deskNotifications.js";
import type { HandOffs } from "./handOffs.js";
import { appendToMailTurn } from "./mailNotices.js";
import {
  type AfterCommit,
  type Effects,
  inChatTransaction,
  queueOutbound,
  type RuntimeContext,
  recordEvent,
} from "./runtimeContext.js";
import type { ChatRef } from "./runtimeTypes.js";
import type { TicketExecutor } from "./ticketExecutor.js";

const DAY_MS = 86_400_000;
/** How long a rep's authorize/decline link and a feedback link stay valid. */
export const AUTHORIZE_LINK_DAYS = 14;
export const FEEDBACK_LINK_DAYS = 30;

const baseUrl = (ctx: RuntimeContext) =>
  (ctx.options.publicUrl?.() ?? "http://127.0.0.1:3000").replace(/\/+$/, "");

const languageOf = (ctx: RuntimeContext, value: string | null | undefined): Language =>
  value === "it" || value === "en" ? value : ctx.policy.defaultLanguage;

/** Queues an e-mail that starts its own thread (a subject of its own) to an address. */
async function queueMail(
  ctx: RuntimeContext,
  tx: Tx,
  fx: Effects,
  m: { to: string; thread: string; subject: string; text: string; kind: string; ticketId: string },
): Promise<void> {
  const chat: ChatRef = { channel: "email", chatId: emailChatId(m.to, m.thread) };
  await queueOutbound(tx, fx, {
    channel: chat.channel,
    chatId: chat.chatId,
    text: m.text,
    body: { kind: m.kind, subject: m.subject },
    at: ctx.clock.now(),
    ticketId: m.ticketId,
  });
}

const emailOn = (ctx: RuntimeContext) => ctx.channels.has("email");

/** A ticket entered awaiting-authorization (or got its rep's name): the rep gets the links. */
export async function requestAuthorization(
  ctx: RuntimeContext,
  tx: Tx,
  fx: Effects,
  number: string,
): Promise<void> {
  const ticket = await store.findTicket(tx, number);
  if (ticket?.status !== "awaiting-authorization") return;
  const customer = await store.getCustomer(tx, ticket.customerId);
  const rep = await links.salesRepForCustomer(tx, ticket.customerId, ticket.salesRep);
  const now = ctx.clock.now();
  const token = await links.createActionToken(tx, {
    purpose: "authorize",
    ticketId: ticket.id,
    recipient: rep?.email ?? null,
    expiresAt: new Date(now.getTime() + AUTHORIZE_LINK_DAYS * DAY_MS),
  });
  const link = `${baseUrl(ctx)}/rep/${token}`;
  const authorizeLink = `${link}?do=authorize`;
  const declineLink = `${link}?do=decline`;
  const emailed = Boolean(rep?.email && emailOn(ctx));
  if (rep?.email && emailed) {
    const language = ctx.policy.defaultLanguage;
    const params: Params = {
      rep: rep.name,
      customer: customer?.company ?? "?",
      number,
      openedAt: { $dateTime: ticket.createdAt.toISOString() },
      summary: ticket.description.slice(0, 1500),
      authorizeLink,
      declineLink,
      hours: ctx.policy.sla.callbackWithinHours ?? 24,
    };
    await queueMail(ctx, tx, fx, {
      to: rep.email,
      thread: ticketThreadKey("r", number),
      subject: ctx.renderer.render("mail.rep.authorizeSubject", params, language),
      text: ctx.renderer.render("mail.rep.authorizeBody", params, language),
      kind: "mail.rep.authorize",
      ticketId: ticket.id,
    });
  }
  const who = rep ? `${rep.name}${rep.email ? ` <${rep.email}>` : ""}` : (ticket.salesRep ?? "not known yet");
  const text = `Sales representative: ${who}. ${emailed ? "Authorization e-mail sent; links" : "Forward these one-time links"}: authorize ${authorizeLink} — decline ${declineLink}`;
  await recordEvent(ctx, tx, fx, {
    ticketId: ticket.id,
    ticket: number,
    type: "ticket.authorization-requested",
    actor: null,
    payload: { salesRep: rep?.name ?? ticket.salesRep, emailed },
  });
  // Staff see the links (board note, desk line) to forward them when the rep has no e-mail.
  await recordEvent(ctx, tx, fx, {
    ticketId: ticket.id,
    ticket: number,
    type: "ticket.note",
    actor: "sportello",
    payload: { text },
  });
  await notifyDesks(ctx, tx, fx, { event: "ticket.updated", ticket: number, change: text });
}

/** After a close: the summary to the customer and the cost report to the rep. */
export async function afterClose(ctx: RuntimeContext, tx: Tx, fx: Effects, number: string): Promise<void> {
  const ticket = await store.findTicket(tx, number);
  if (ticket?.status !== "closed" || !emailOn(ctx)) return;
  const customer = await store.getCustomer(tx, ticket.customerId);
  const now = ctx.clock.now();
  const coverage = JSON.parse(ticket.coverage) as Record<string, unknown>;
  const charge = (coverage.charge ?? {}) as { plan?: string | null; covered?: boolean };
  const planKey =
    typeof charge.plan === "string" ? charge.plan : typeof coverage.plan === "string" ? coverage.plan : null;
  const gross = ticket.chargeGrossCents ?? 0;
  if (ctx.policy.feedback.emailSummary && customer?.email) {
    const language = languageOf(ctx, customer.language);
    const planLabel = planKey
      ? (ctx.policy.plans.find((p) => p.key === planKey)?.label[language] ?? planKey)
      : null;
    const r = (key: string, params?: Params) => ctx.renderer.render(`mail.summary.${key}`, params, language);
    const lines = [
      r("greeting", { name: customer.contactName ?? customer.company }),
      r("closed", { number, closedAt: { $dateTime: (ticket.closedAt ?? now).toISOString() } }),
      "",
      r("outcome", { resolution: ticket.resolution ?? "" }),
      r("minutes", { minutes: ticket.minutes ?? 0 }),
      gross > 0
        ? r("charge", {
            net: { $money: ticket.chargeNetCents ?? 0 },
            vat: { $money: ticket.chargeVatCents ?? 0 },
            gross: { $money: gross },
          })
        : planLabel
          ? r("covered", { plan: planLabel })
          : r("coveredNoPlan"),
    ];
    if (ctx.policy.feedback.enabled) {
      const token = await links.createActionToken(tx, {
        purpose: "feedback",
        ticketId: ticket.id,
        recipient: customer.email,
        expiresAt: new Date(now.getTime() + FEEDBACK_LINK_DAYS * DAY_MS),
      });
      lines.push("", r("feedback", { link: `${baseUrl(ctx)}/feedback/${token}` }));
    }
    lines.push("", r("signature"));
    const text = lines.join("\n");
    if (capabilitiesOf(ticket.channel).mailThreads) {
      // In the ticket's own thread, in the same e-mail as the close message.
      await appendToMailTurn(
        tx,
        fx,
        { channel: ticket.channel as ChannelName, chatId: ticket.chatId },
        text,
        { kind: "mail.summary" },
        now,
        ticket.id,
      );
    } else {
      await queueMail(ctx, tx, fx, {
        to: customer.email,
        thread: ticketThreadKey("t", number),
        subject: r("subject", { number }),
        text,
        kind: "mail.summary",
        ticketId: ticket.id,
      });
    }
  }
  // Costs beyond the free first minutes are communicated to the sales representative.
  if (gross > 0 && ctx.policy.intake.requireSalesRepAuthorization) {
    const rep = await links.salesRepForCustomer(tx, ticket.customerId, ticket.salesRep);
    if (rep?.email) {
      const language = ctx.policy.defaultLanguage;
      const params: Params = {
        rep: rep.name,
        customer: customer?.company ?? "?",
        number,
        minutes: ticket.minutes ?? 0,
        free: ctx.policy.charges.freeMinutes,
        net: { $money: ticket.chargeNetCents ?? 0 },
        vat: { $money: ticket.chargeVatCents ?? 0 },
        gross: { $money: gross },
        resolution: ticket.resolution ?? "",
      };
      await queueMail(ctx, tx, fx, {
        to: rep.email,
        thread: ticketThreadKey("r", number),
        subject: ctx.renderer.render("mail.rep.costSubject", params, language),
        text: ctx.renderer.render("mail.rep.costBody", params, language),
        kind: "mail.rep.cost",
        ticketId: ticket.id,
      });
    }
  }
}

/** What a link page shows. */
export interface LinkInfo {
  purpose: links.LinkPurpose;
  number: string;
  company: string;
  summary: string;
  language: Language;
  /** "open" while usable; else why not. */
  state: "open" | "used" | "expired" | "handled";
  outcome: string | null;
}

export type LinkResult =
  | { ok: true; number: string; outcome: string }
  | { ok: false; code: "invalid-link" | "link-used" | "link-expired" | "invalid-input"; outcome?: string };

/** The one-time links' actions: a rep authorizes or declines, a customer rates. */
export class MailLinks {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly tickets: TicketExecutor,
    private readonly handOffs: HandOffs,
    private readonly afterCommit: AfterCommit,
  ) {}

  info = async (token: string): Promise<LinkInfo | null> => {
    const db = this.ctx.db;
    const link = await links.findActionToken(db, token);
    if (!link) return null;
    const ticket = await store.findTicketById(db, link.ticketId);
    if (!ticket) return null;
    const customer = await store.getCustomer(db, ticket.customerId);
    const state = link.usedAt
      ? "used"
      : link.expiresAt < this.ctx.clock.now()
        ? "expired"
        : link.purpose === "authorize" && ticket.status !== "awaiting-authorization"
          ? "handled"
          : "open";
    return {
      purpose: link.purpose,
      number: ticket.number,
      company: customer?.company ?? "",
      summary: ticket.description.slice(0, 600),
      language:
        link.purpose === "feedback"
          ? languageOf(this.ctx, customer?.language)
          : this.ctx.policy.defaultLanguage,
      state,
      outcome: link.outcome ?? (state === "handled" ? ticket.status : null),
    };
  };

  /** The rep's decision; works once, and only while the ticket awaits authorization. */
  decide = async (token: string, decision: "authorize" | "decline"): Promise<LinkResult> => {
    const { ctx } = this;
    const link = await links.findActionToken(ctx.db, token);
    if (link?.purpose !== "authorize") return { ok: false, code: "invalid-link" };
    const row = await store.findTicketById(ctx.db, link.ticketId);
    if (!row) return { ok: false, code: "invalid-link" };
    const chat: ChatRef = { channel: row.channel as ChatRef["channel"], chatId: row.chatId };
    const { value, fx } = await inChatTransaction(ctx, chat, async (tx, fx): Promise<LinkResult> => {
      const now = ctx.clock.now();
      const fresh = await links.findActionToken(tx, token);
      if (!fresh || fresh.usedAt)
        return { ok: false, code: "link-used", outcome: fresh?.outcome ?? undefined };
      if (fresh.expiresAt < now) return { ok: false, code: "link-expired" };
      const ticket = await store.findTicket(tx, row.number);
      if (ticket?.status !== "awaiting-authorization")
        return { ok: false, code: "link-used", outcome: ticket?.status ?? "closed" };
      const outcome = decision === "authorize" ? "authorized" : "declined";
      if (!(await links.useActionToken(tx, fresh.id, outcome, now))) return { ok: false, code: "link-used" };
      const rep = await links.salesRepForCustomer(tx, ticket.customerId, ticket.salesRep);
      const repName = rep?.name ?? ticket.salesRep ?? "sales representative";
      if (decision === "decline") {
        await this.tickets.run(tx, ticket, { type: "decline", salesRep: repName }, fx);
        await this.handOffs.run(tx, fx);
        return { ok: true, number: ticket.number, outcome };
      }
      await this.tickets.run(
        tx,
        ticket,
        {
          type: "authorize",
          technician: { id: `salesrep:${rep?.id ?? ""}`, name: repName },
          salesRep: repName,
          // As when staff authorize: the SLA timers and the callback promise run from now.
          at: now.toISOString(),
        },
        fx,
      );
      await this.handOffs.run(tx, fx);
      return { ok: true, number: ticket.number, outcome };
    });
    await this.afterCommit(fx);
    return value;
  };

  /** The customer's rating from the feedback page; lands where the in-chat rating does. */
  rate = async (token: string, rating: number, comment: string | null): Promise<LinkResult> => {
    const { ctx } = this;
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) return { ok: false, code: "invalid-input" };
    const link = await links.findActionToken(ctx.db, token);
    if (link?.purpose !== "feedback") return { ok: false, code: "invalid-link" };
    const row = await store.findTicketById(ctx.db, link.ticketId);
    if (!row) return { ok: false, code: "invalid-link" };
    const chat: ChatRef = { channel: row.channel as ChatRef["channel"], chatId: row.chatId };
    const { value, fx } = await inChatTransaction(ctx, chat, async (tx, fx): Promise<LinkResult> => {
      const now = ctx.clock.now();
      if (link.expiresAt < now) return { ok: false, code: "link-expired" };
      if (!(await links.useActionToken(tx, link.id, `rated ${rating}`, now)))
        return { ok: false, code: "link-used" };
      const text = comment?.trim().slice(0, 2000) || null;
      await store.recordFeedback(tx, { ticketId: row.id, rating, comment: text, at: now });
      await recordEvent(ctx, tx, fx, {
        ticketId: row.id,
        ticket: row.number,
        type: "feedback.recorded",
        actor: "customer",
        payload: { rating, comment: text, via: "email-link" },
      });
      await notifyDesks(ctx, tx, fx, {
        event: "ticket.updated",
        ticket: row.number,
        change: `feedback ${rating}/5`,
      });
      return { ok: true, number: row.number, outcome: `rated ${rating}` };
    });
    await this.afterCommit(fx);
    return value;
  };
}

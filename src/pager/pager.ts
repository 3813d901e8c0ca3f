/**
 * The pager: a ticket that needs a person now is paged step by step along the
 * escalation chain (src/pager/chain.ts) until someone acknowledges it. Each step is a durable
 * `pager.step` job: it first moves the page's step in the database (only one pass, on one
 * instance, wins), schedules the next step after the preset's `sla.pageRepeatMinutes`, then
 * reaches the step's people (desks in the transaction; Telegram, WhatsApp, e-mail, SMS, calls
 * through the notifiers) and records every attempt on the page and the ticket's history.
 * Channel and desk outages are told apart, once each way round (outageWatch.ts).
 */

import type { StoreTx } from "../data/database.js";
import type { ContactKind, PageRow } from "../data/pagerStore.js";
import * as pagerStore from "../data/pagerStore.js";
import * as rotaStore from "../data/rotaStore.js";
import * as store from "../data/supportStore.js";
import type { TicketView } from "../desk/port.js";
import { notifyDesks } from "../runtime/deskNotifications.js";
import { type JobPayload, scheduleJob } from "../runtime/jobs.js";
import {
  type AfterCommit,
  type Effects,
  newEffects,
  type RuntimeContext,
  recordEvent,
} from "../runtime/runtimeContext.js";
import { type ChainStep, escalationChain, type Reach, type Reachable } from "./chain.js";
import { ACK_CHOICE_PREFIX, type Notifier, type PageMessage } from "./notifier.js";
import { type ComponentState, OutageWatch } from "./outageWatch.js";
import { onCallAt } from "./rota.js";

/** The key of a page's pending step job. */
export const stepKey = (pageId: string) => `pager.step:${pageId}`;

/** Words that acknowledge a page when a technician replies with them (any way). */
const ACK_WORDS = /^\s*(ok|okay|ack|ricevuto|preso|presa)\s*[.!]*\s*$/i;

/** A link code as the board and the CLI show it ("pg-" and 8 letters or digits). */
const LINK_CODE = /^\s*(?:\/start\s+|\/link\s+)?(pg-[a-z0-9]{6,})\s*$/i;

/** Could this message be for the pager (cheap test before any database read)? */
export function mayBeForPager(text: string, choice: string | undefined): boolean {
  if (choice?.startsWith(ACK_CHOICE_PREFIX)) return true;
  return text.length <= 40 && (ACK_WORDS.test(text) || LINK_CODE.test(text));
}

/** How an answer reached the pager. */
export type AckVia = ContactKind | "board" | "slack" | "claim" | "cli";

export class Pager {
  private readonly notifiers = new Map<string, Notifier>();
  /** Tells staff of channel and desk outages. */
  readonly outages: OutageWatch;

  constructor(
    private readonly ctx: RuntimeContext,
    notifiers: Notifier[],
    private readonly afterCommit: AfterCommit,
    private readonly ticketView: (number: string) => Promise<TicketView | null>,
  ) {
    for (const n of notifiers) this.notifiers.set(n.kind, n);
    this.outages = new OutageWatch(
      ctx,
      {
        peopleNow: (tx) => this.peopleNow(tx),
        notifier: (kind) => this.notifiers.get(kind),
        forKind: (message, kind) => this.forKind(message, kind),
      },
      afterCommit,
    );
  }

  /** Adds a notifier after construction (one per kind; the last wins). */
  addNotifier(notifier: Notifier): void {
    this.notifiers.set(notifier.kind, notifier);
  }

  /** Whether a way can be used now (desk always; the others when their notifier can send). */
  canReach(kind: ContactKind): boolean {
    if (kind === "desk") return true;
    const n = this.notifiers.get(kind);
    return n !== undefined && (n.available?.() ?? true);
  }

  /** Starts paging about a ticket (in the caller's transaction), unless a page of it is open. */
  async pageTicket(tx: StoreTx, fx: Effects, number: string): Promise<void> {
    if (await pagerStore.openPageOfTicket(tx, number)) return;
    const id = await pagerStore.createPage(tx, {
      subject: "ticket",
      ticket: number,
      text: "",
      at: this.ctx.clock.now(),
    });
    await this.scheduleStep(tx, id, 0, this.ctx.clock.now());
    fx.jobsDue = true;
  }

  private scheduleStep(tx: StoreTx, pageId: string, step: number, dueAt: Date): Promise<void> {
    return scheduleJob(tx, { kind: "pager.step", key: stepKey(pageId), dueAt, payload: { pageId, step } });
  }

  /** The people on the rota now (in order, then the next turn's) and the admins, with their usable ways. */
  async peopleNow(tx: StoreTx): Promise<{ rota: Reachable[]; admins: Reachable[] }> {
    const now = this.ctx.clock.now();
    const [weekly, shifts, admins] = await Promise.all([
      rotaStore.weeklySlots(tx),
      rotaStore.shiftsBetween(
        tx,
        new Date(now.getTime() - 8 * 86_400_000),
        new Date(now.getTime() + 8 * 86_400_000),
      ),
      pagerStore.activeAdmins(tx),
    ]);
    const rota = onCallAt(this.ctx.policy.timezone, now, weekly, shifts);
    const people = [...rota.now, ...(rota.next ? [rota.next.person] : [])];
    const reachable = async (p: { id: string; name: string }): Promise<Reachable | null> => {
      const member = await pagerStore.findMember(tx, { id: p.id });
      if (!member) return null;
      const contacts = (await pagerStore.contactsOf(tx, p.id)).filter((c) => this.canReach(c.kind));
      return { id: member.id, name: member.name, phone: member.phone, contacts };
    };
    const list = async (ps: { id: string; name: string }[]) =>
      (await Promise.all(ps.map(reachable))).filter((r): r is Reachable => r !== null);
    return { rota: await list(people), admins: await list(admins) };
  }

  /**
   * The phones to ring for a call to the on-call line, in order: each person on the rota now (then
   * the next turn's) with their first voice way, else their phone on record.
   */
  async phonesNow(): Promise<{ name: string; phone: string }[]> {
    const { rota } = await this.ctx.db.transaction((tx) => this.peopleNow(tx));
    return rota.flatMap((p) => {
      const phone = p.contacts.find((c) => c.kind === "voice" && c.address)?.address ?? p.phone;
      return phone ? [{ name: p.name, phone }] : [];
    });
  }

  /** The chain of a page now: the rota at this instant, then the admins. */
  async chainNow(tx: StoreTx): Promise<ChainStep[]> {
    const { rota, admins } = await this.peopleNow(tx);
    return escalationChain(rota, admins);
  }

  /** Outage watching (outageWatch.ts): see {@link OutageWatch.watch}. */
  watch(states: ComponentState[], afterMinutes: number): Promise<void> {
    return this.outages.watch(states, afterMinutes);
  }

  /** Runs a due `pager.step` job. */
  step = async (job: JobPayload<"pager.step">): Promise<void> => {
    const { ctx } = this;
    const now = ctx.clock.now();
    const { sla } = ctx.policy;
    // Claim the step (one pass on one instance wins) and schedule the next, in one transaction.
    const claimed = await ctx.db.transaction(async (tx) => {
      const page = await pagerStore.findPage(tx, job.pageId);
      if (page?.status !== "open" || page.step !== job.step) return null;
      if (page.ticket) {
        const ticket = await store.findTicket(tx, page.ticket);
        if (ticket?.status !== "open") {
          await pagerStore.endPage(tx, page.id, "ended", null);
          return null;
        }
      }
      const chain = await this.chainNow(tx);
      if (job.step >= chain.length * (1 + sla.pageMaxRepeats)) {
        await pagerStore.endPage(tx, page.id, "exhausted", null);
        return null;
      }
      if (!(await pagerStore.advancePage(tx, page.id, job.step, job.step + 1))) return null;
      await this.scheduleStep(
        tx,
        page.id,
        job.step + 1,
        new Date(now.getTime() + sla.pageRepeatMinutes * 60_000),
      );
      return { page, step: chain[job.step % chain.length]! };
    });
    if (!claimed) return;
    const { page, step } = claimed;
    const message = await this.messageOf(page);
    // Reach everyone of the step (network), then record what happened.
    const outcomes = await Promise.all(
      step.reach.map(async (reach) => {
        if (reach.kind === "desk") return { reach, ok: true as const, ref: null };
        const notifier = this.notifiers.get(reach.kind);
        try {
          if (!notifier) throw new Error(`${reach.kind} is not configured`);
          const sent = await notifier.send(reach, this.forKind(message, reach.kind));
          return { reach, ok: true as const, ref: sent.ref ?? null };
        } catch (error) {
          return { reach, ok: false as const, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const fx = newEffects();
    await ctx.db.transaction(async (tx) => {
      const ticket = page.ticket ? await store.findTicket(tx, page.ticket) : null;
      for (const o of outcomes) {
        await pagerStore.addAttempt(tx, {
          pageId: page.id,
          step: job.step,
          technicianId: o.reach.technicianId,
          technician: o.reach.technician,
          kind: o.reach.kind,
          address: o.reach.address,
          outcome: o.ok ? "sent" : "failed",
          error: o.ok ? null : o.error,
          ref: o.ok ? o.ref : null,
          at: now,
        });
        await recordEvent(ctx, tx, fx, {
          ticketId: ticket?.id ?? null,
          ticket: page.ticket,
          type: "oncall.paged",
          actor: null,
          payload: {
            technician: o.reach.technicianId ? o.reach.technician : null,
            repeat: job.step,
            via: o.reach.kind,
            who: step.who,
            ...(o.ok ? {} : { failed: o.error }),
          },
        });
        if (o.reach.kind === "desk" && page.ticket)
          await notifyDesks(ctx, tx, fx, {
            event: "oncall.paged",
            ticket: page.ticket,
            repeat: job.step,
            technicianId: o.reach.technicianId,
          });
      }
      // Nobody could be reached this step: the next one runs now rather than after the wait.
      if (outcomes.every((o) => !o.ok)) {
        const fresh = await pagerStore.findPage(tx, page.id);
        if (fresh?.status === "open" && fresh.step === job.step + 1) {
          await this.scheduleStep(tx, page.id, job.step + 1, now);
          fx.jobsDue = true;
        }
      }
    });
    await this.afterCommit(fx);
  };

  /** The page's text in the staff's language. */
  private async messageOf(page: PageRow): Promise<PageMessage> {
    const { ctx } = this;
    const language = ctx.policy.defaultLanguage;
    const r = (key: string, params?: Record<string, string>) => ctx.renderer.render(key, params, language);
    let text = page.text;
    let subject = r("pager.outageSubject");
    if (page.ticket) {
      const ticket = await this.ticketView(page.ticket);
      const summary = (ticket?.summary || ticket?.description || "").replace(/\s+/g, " ").slice(0, 160);
      text = r("pager.ticket", {
        number: page.ticket,
        company: ticket?.customer.company ?? "?",
        phone: ticket?.customer.phone ?? "—",
        summary,
      });
      subject = r("pager.subject", { number: page.ticket });
    }
    return { pageId: page.id, text, subject, ackLabel: r("pager.ackButton"), language };
  }

  /** The message as one kind of way says it (a call asks for a key, an SMS for a reply). */
  forKind(message: PageMessage, kind: ContactKind): PageMessage {
    const r = (key: string) => this.ctx.renderer.render(key, undefined, message.language);
    if (kind === "voice") return { ...message, ackLabel: r("pager.pressOne") };
    if (kind === "sms" || kind === "email")
      return { ...message, text: `${message.text}\n${r("pager.replyOk")}` };
    return message;
  }

  /**
   * Acknowledges an open page (by id, or the open page of a ticket); false when there was none
   * (already acknowledged, given up or never paged).
   */
  async acknowledge(
    target: { pageId: string } | { ticket: string },
    by: { technicianId: string | null; name: string },
    via: AckVia,
  ): Promise<boolean> {
    const { ctx } = this;
    const fx = newEffects();
    const done = await ctx.db.transaction(async (tx) => {
      const page =
        "pageId" in target
          ? await pagerStore.findPage(tx, target.pageId)
          : await pagerStore.openPageOfTicket(tx, target.ticket);
      if (page?.status !== "open") return false;
      if (!(await pagerStore.endPage(tx, page.id, "acknowledged", { by: by.name, via, at: ctx.clock.now() })))
        return false;
      await store.cancelJobs(tx, [
        stepKey(page.id),
        ...(page.ticket ? [`oncall.repage:${page.ticket}`] : []),
      ]);
      const ticket = page.ticket ? await store.findTicket(tx, page.ticket) : null;
      await recordEvent(ctx, tx, fx, {
        ticketId: ticket?.id ?? null,
        ticket: page.ticket,
        type: "oncall.acknowledged",
        actor: by.name,
        payload: { via },
      });
      return true;
    });
    await this.afterCommit(fx);
    return done;
  }

  /**
   * A message from one of a technician's ways (a Telegram or WhatsApp chat, an e-mail, an SMS): a
   * link code, an acknowledge button, or "ok". True when the pager took it (it is then not a
   * customer message); false for anything else.
   */
  async answer(
    kind: ContactKind,
    address: string,
    text: string,
    choice?: string,
  ): Promise<{ handled: boolean; reply?: string }> {
    const { ctx } = this;
    const language = ctx.policy.defaultLanguage;
    const r = (key: string, params?: Record<string, string>) => ctx.renderer.render(key, params, language);
    const code = LINK_CODE.exec(text)?.[1]?.toLowerCase();
    if (code && kind === "telegram") {
      const linked = await ctx.db.transaction(async (tx) => {
        const contact = await pagerStore.contactByLinkCode(tx, code);
        if (contact?.kind !== "telegram") return null;
        await pagerStore.linkContact(tx, contact.id, address);
        return pagerStore.findMember(tx, { id: contact.technicianId });
      });
      if (linked) return { handled: true, reply: r("pager.linked", { name: linked.name }) };
    }
    const kinds: ContactKind[] = kind === "sms" || kind === "voice" ? ["sms", "voice", "whatsapp"] : [kind];
    const members = await ctx.db.session((tx) => pagerStore.membersByContact(tx, kinds, address));
    const member = members[0];
    if (!member) return { handled: false };
    const pageId = choice?.startsWith(ACK_CHOICE_PREFIX) ? choice.slice(ACK_CHOICE_PREFIX.length) : null;
    if (!pageId && !ACK_WORDS.test(text)) return { handled: false };
    const target = pageId
      ? { pageId }
      : await ctx.db.transaction(async (tx) => {
          const page = await pagerStore.openPageReaching(tx, member.id);
          return page ? { pageId: page.id } : null;
        });
    if (!target) return pageId ? { handled: true, reply: r("pager.nothingOpen") } : { handled: false };
    const page = await ctx.db.transaction((tx) => pagerStore.findPage(tx, target.pageId));
    const acked = await this.acknowledge(target, { technicianId: member.id, name: member.name }, kind);
    return {
      handled: true,
      reply: acked
        ? r("pager.acknowledged", { what: page?.ticket ?? page?.text ?? "" })
        : r("pager.nothingOpen"),
    };
  }

  /** The key press of a page call (Twilio <Gather>): "1" acknowledges the page of that call. */
  async callAnswered(pageId: string, callSid: string, digits: string): Promise<boolean> {
    if (digits.trim() !== "1") return false;
    const attempt = await this.ctx.db.transaction((tx) => pagerStore.attemptByRef(tx, callSid));
    if (!attempt || attempt.pageId !== pageId) return false;
    return this.acknowledge(
      { pageId },
      { technicianId: attempt.technicianId, name: attempt.technician },
      "voice",
    );
  }

  /** Pages with their attempts, for the board (a ticket's, or the recent ones). */
  async pages(filter: { ticket: string } | { recent: number }) {
    return this.ctx.db.transaction(async (tx) => {
      const pages =
        "ticket" in filter
          ? await pagerStore.pagesOfTicket(tx, filter.ticket)
          : await pagerStore.recentPages(tx, filter.recent);
      return Promise.all(pages.map(async (p) => ({ ...p, attempts: await pagerStore.attemptsOf(tx, p.id) })));
    });
  }
}

export type { Reach };

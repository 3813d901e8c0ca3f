/**
 * Staff hear about outages (issue 23): a channel or desk down for the preset's minutes tells the
 * on-call technician and the admins once, by their first way that is not the broken one, and
 * its recovery once. The component's open outage page remembers it was told (restart-safe), and
 * the transaction that creates or ends it holds the component's lock (PostgreSQL advisory lock,
 * see `pagerStore.lockOutage`): with several instances watching one database, one tells.
 */
import type { StoreTx } from "../data/database.js";
import type { ContactKind } from "../data/pagerStore.js";
import * as pagerStore from "../data/pagerStore.js";
import { type AfterCommit, newEffects, type RuntimeContext, recordEvent } from "../runtime/runtimeContext.js";
import { type Reach, type Reachable, usableWays } from "./chain.js";
import type { Notifier, PageMessage } from "./notifier.js";

/** What the watch needs of the pager. */
export interface OutagePager {
  /** The people on the rota now (in order) and the admins, with their usable ways. */
  peopleNow(tx: StoreTx): Promise<{ rota: Reachable[]; admins: Reachable[] }>;
  /** The notifier of a way, if configured. */
  notifier(kind: Exclude<ContactKind, "desk">): Notifier | undefined;
  /** The message as one kind of way says it. */
  forKind(message: PageMessage, kind: ContactKind): PageMessage;
}

/** A component's state as the watch is told it. */
export interface ComponentState {
  component: string;
  ok: boolean;
  detail: string;
}

/** Watches the components' states and tells staff of outages and recoveries. */
export class OutageWatch {
  /** When each component was first seen down by this instance (how long it has been down). */
  private readonly downSince = new Map<string, Date>();

  constructor(
    private readonly ctx: RuntimeContext,
    private readonly pager: OutagePager,
    private readonly afterCommit: AfterCommit,
  ) {}

  /**
   * The components' states now (channels, desks): one down for `afterMinutes` is told once
   * ({@link outage}), and its recovery once.
   */
  async watch(states: ComponentState[], afterMinutes: number): Promise<void> {
    const now = this.ctx.clock.now();
    for (const s of states) {
      if (s.ok) {
        this.downSince.delete(s.component);
        await this.outage(s.component, s.detail, false);
        continue;
      }
      const since = this.downSince.get(s.component) ?? now;
      this.downSince.set(s.component, since);
      if (now.getTime() - since.getTime() >= afterMinutes * 60_000)
        await this.outage(s.component, s.detail, true);
    }
  }

  /**
   * A component has been down for a while (`down`) or works again: told once each way round. True
   * when this call told staff; false when there was nothing to tell (already told, by this
   * instance or another).
   */
  async outage(component: string, detail: string, down: boolean): Promise<boolean> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const language = ctx.policy.defaultLanguage;
    const minutes = String(
      Math.max(0, Math.round((now.getTime() - (this.downSince.get(component) ?? now).getTime()) / 60_000)),
    );
    const claimed = await ctx.db.transaction(async (tx) => {
      // One instance at a time decides for a component; the next one sees its page.
      await pagerStore.lockOutage(tx, component);
      const open = (await pagerStore.openPages(tx)).find(
        (p) => p.subject === "outage" && p.text.startsWith(`${component}:`),
      );
      if (down === Boolean(open)) return null;
      let pageId: string;
      if (open) {
        await pagerStore.endPage(tx, open.id, "ended", null);
        pageId = open.id;
      } else {
        pageId = await pagerStore.createPage(tx, {
          subject: "outage",
          ticket: null,
          text: `${component}: ${detail}`,
          at: now,
        });
      }
      const { rota, admins } = await this.pager.peopleNow(tx);
      const people = [...rota.slice(0, 1), ...admins.filter((a) => a.id !== rota[0]?.id)];
      const broken = component.replace(/^(channel|desk):/, "");
      const reach = people.map(
        (p) =>
          usableWays(p).find((w) => w.kind !== broken && !(broken === "slack" && w.kind === "desk")) ??
          ({ technicianId: p.id, technician: p.name, kind: "desk", address: null } satisfies Reach),
      );
      return { pageId, reach };
    });
    if (!claimed) return false;
    const r = (key: string, params?: Record<string, string>) => ctx.renderer.render(key, params, language);
    const text = down
      ? r("pager.outage", { component, minutes, detail })
      : r("pager.recovered", { component });
    const message: PageMessage = {
      pageId: claimed.pageId,
      text,
      subject: r("pager.outageSubject"),
      ackLabel: r("pager.ackButton"),
      language,
    };
    const outcomes = await Promise.all(
      claimed.reach.map(async (reach) => {
        if (reach.kind === "desk") return { reach, error: null, ref: null };
        try {
          const notifier = this.pager.notifier(reach.kind);
          if (!notifier) throw new Error(`${reach.kind} is not configured`);
          const sent = await notifier.send(reach, this.pager.forKind(message, reach.kind));
          return { reach, error: null, ref: sent.ref ?? null };
        } catch (error) {
          return { reach, error: error instanceof Error ? error.message : String(error), ref: null };
        }
      }),
    );
    const fx = newEffects();
    await ctx.db.transaction(async (tx) => {
      for (const o of outcomes)
        await pagerStore.addAttempt(tx, {
          pageId: claimed.pageId,
          step: down ? 0 : 1,
          technicianId: o.reach.technicianId,
          technician: o.reach.technician,
          kind: o.reach.kind,
          address: o.reach.address,
          outcome: o.error ? "failed" : "sent",
          error: o.error,
          ref: o.ref,
          at: now,
        });
      await recordEvent(ctx, tx, fx, {
        ticketId: null,
        ticket: null,
        type: "staff.outage",
        actor: null,
        payload: { component, detail, recovered: !down },
      });
    });
    await this.afterCommit(fx);
    return true;
  }
}

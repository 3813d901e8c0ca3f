/**
 * Read views of tickets for desks and the board: the ticket as desks show it, lists by filter,
 * the transcript, a charge preview, attachments and technicians. Reads only, outside any chat queue.
 */

import { DateTime } from "luxon";
import { z } from "zod";
import type { Language } from "../../flows/intents.js";
import { closeChargeOf } from "../../flows/ticket/closeCharge.js";
import type { ChannelName } from "../channels/port.js";
import { capabilitiesOf, isUnverifiedChat } from "../channels/port.js";
import type { Database, SqlExecutor } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { TranscriptEntry } from "../desk/board/boardQueries.js";
import type {
  ChargeView,
  CloseExtras,
  PackageBilling,
  TechnicianRef,
  TechnicianView,
  TicketFilter,
  TicketView,
} from "../desk/port.js";
import { availability } from "../policy/calendar.js";
import { zoneNamed } from "../policy/zone.js";
import type { RuntimeContext } from "./runtimeContext.js";
import { loadTicketContext } from "./ticketContext.js";

const chargeSchema = z.object({ billedMinutes: z.number(), covered: z.boolean().optional() }).passthrough();
const packageChargeSchema = z.object({
  package: z.string(),
  lines: z.array(
    z.object({ item: z.string(), quantity: z.number(), unitCents: z.number(), cents: z.number() }),
  ),
});

/** The package and its lines of a stored package charge, for desks. */
function packageOfCharge(charge: unknown): Pick<ChargeView, "package" | "lines"> {
  const parsed = packageChargeSchema.safeParse(charge);
  return parsed.success ? { package: parsed.data.package, lines: parsed.data.lines } : {};
}

export type { TechnicianView } from "../desk/port.js";

/** The read side of the StaffActions port. */
export class TicketViews {
  constructor(private readonly ctx: RuntimeContext) {}

  private get db(): Database {
    return this.ctx.db;
  }

  /** Tickets for a desk list: open, unclaimed, mine (needs `by`), created today, or all (newest first). */
  listTickets = async (filter: TicketFilter, by?: TechnicianRef): Promise<TicketView[]> => {
    const db = this.db;
    let rows: store.TicketRow[];
    switch (filter) {
      case "open":
        rows = await store.listTicketRows(db, { statusNot: "closed" });
        break;
      case "unclaimed":
        rows = (await store.listTicketRows(db, { statusNot: "closed", assigneeId: null })).filter(
          (t) => t.status !== "closed",
        );
        break;
      case "mine": {
        const tech = by ? await store.findTechnician(db, by) : null;
        rows = tech ? await store.listTicketRows(db, { statusNot: "closed", assigneeId: tech.id }) : [];
        break;
      }
      case "today": {
        const since = DateTime.fromJSDate(this.ctx.clock.now(), { zone: zoneNamed(this.ctx.policy.timezone) })
          .startOf("day")
          .toJSDate();
        rows = await store.listTicketRows(db, { since });
        break;
      }
      default:
        rows = await store.listTicketRows(db, {});
    }
    return Promise.all(rows.map((r) => this.toView(db, r)));
  };

  /** One ticket by its readable number, or null. */
  getTicket = async (number: string): Promise<TicketView | null> => {
    const row = await store.findTicket(this.db, number);
    if (!row) return null;
    const [view, feedback] = await Promise.all([
      this.toView(this.db, row),
      store.latestFeedback(this.db, row.id),
    ]);
    return { ...view, feedback: feedback ? { ...feedback, at: feedback.at.toISOString() } : null };
  };

  /** Transcript of a ticket, staff replies and internal notes included (for the board). */
  transcript = async (number: string): Promise<TranscriptEntry[]> => {
    const row = await store.findTicket(this.db, number);
    if (!row) return [];
    const messages = await store.transcript(this.db, row);
    const events = await store.listEvents(this.db, { ticketId: row.id });
    const lines: TranscriptEntry[] = [
      ...messages.map((m): TranscriptEntry => {
        const staff = m.body.kind === "relay.fromTechnician";
        return {
          direction: m.direction === "in" ? "in" : staff ? "staff" : "out",
          text: m.text,
          at: m.at.toISOString(),
          ...(staff && m.body.author ? { by: m.body.author } : {}),
          attachments: m.body.attachments ?? [],
        };
      }),
      ...events
        // Technicians' notes, and the line saying the bot handed the chat to a person.
        .filter((e) => e.type === "ticket.note" || e.type === "ticket.handover")
        .map(
          (e): TranscriptEntry => ({
            direction: "note",
            text: String((e.type === "ticket.handover" ? e.payload.note : e.payload.text) ?? ""),
            at: e.at.toISOString(),
            ...(e.actor ? { by: e.actor } : {}),
          }),
        ),
    ];
    return lines.sort((a, b) => a.at.localeCompare(b.at));
  };

  /**
   * The charge closing the ticket with these minutes (plan, package, parts, transport) would make,
   * without closing it: the same computation as the close. Null for an unknown ticket.
   * @throws CoverageError unknown-plan / unknown-category / unknown-package / invalid-input
   */
  previewCharge = async (
    number: string,
    minutes: number,
    plan?: string,
    billing?: PackageBilling,
    extras: CloseExtras = {},
  ): Promise<ChargeView | null> => {
    const row = await store.findTicket(this.db, number);
    if (!row) return null;
    const context = await loadTicketContext(this.ctx, this.db, row, true);
    return closeChargeOf(this.ctx.policy, context, {
      minutes,
      ...(plan ? { plan } : {}),
      ...(extras.category ? { category: extras.category } : {}),
      ...(billing ? { billing } : {}),
      ...(extras.parts ? { parts: extras.parts } : {}),
      ...(extras.transportCents !== undefined ? { transportCents: extras.transportCents } : {}),
    });
  };

  /**
   * Bytes of an attachment of a ticket's transcript (kept in the media store), for desks. Only
   * references that belong to that ticket are served.
   */
  attachment = async (
    number: string,
    ref: string,
  ): Promise<{ bytes: Uint8Array; mime: string; name: string } | null> => {
    const media = this.ctx.options.mediaStore;
    if (!media) return null;
    const row = await store.findTicket(this.db, number);
    if (!row) return null;
    const lines = await store.transcript(this.db, row);
    const meta = lines.flatMap((l) => l.body.attachments ?? []).find((a) => a.ref === ref);
    if (!meta) return null;
    try {
      const bytes = await media.get(ref);
      return { bytes, mime: meta.mime ?? "application/octet-stream", name: meta.name ?? "file" };
    } catch {
      return null;
    }
  };

  /** The preset's packages (billed instead of hourly time at close), with their labels. */
  listPackages = async (): Promise<{ key: string; label: { it: string; en: string }; travel: boolean }[]> =>
    this.ctx.policy.charges.packages.map((p) => ({
      key: p.key,
      label: { it: p.label.it, en: p.label.en },
      travel: p.travel,
    }));

  /** The preset's categories with their labels. */
  listCategories = async (): Promise<{ key: string; label: { it: string; en: string } }[]> =>
    this.ctx.policy.categories.map((c) => ({ key: c.key, label: { it: c.label.it, en: c.label.en } }));

  /** An active technician by id, name or desk identity, or null. */
  findTechnician = async (by: TechnicianRef): Promise<TechnicianView | null> => {
    const t = await store.findTechnician(this.db, by);
    return t ? { id: t.id, name: t.name, identities: t.identities } : null;
  };

  /** The language to write to a ticket's customer in. */
  customerLanguage(ticket: TicketView): Language {
    const language = ticket.customer.language;
    return language === "en" ? "en" : language === "it" ? "it" : this.ctx.policy.defaultLanguage;
  }

  private async toView(tx: SqlExecutor, row: store.TicketRow): Promise<TicketView> {
    const { policy } = this.ctx;
    const customer = await store.getCustomer(tx, row.customerId);
    const assignee = row.assigneeId ? await store.findTechnician(tx, { id: row.assigneeId }) : null;
    const coverage = JSON.parse(row.coverage) as Record<string, unknown>;
    const attachments = Array.isArray(coverage.attachments)
      ? (coverage.attachments as TicketView["attachments"])
      : [];
    return {
      id: row.id,
      number: row.number,
      policy: row.policy,
      status: row.status as TicketView["status"],
      category: row.category,
      priority: row.priority as TicketView["priority"],
      blocking: row.blocking,
      description: row.description,
      summary:
        typeof coverage.summary === "string" && coverage.summary
          ? coverage.summary
          : row.description.slice(0, 160),
      customer: {
        id: customer?.id ?? row.customerId,
        code: customer?.code ?? "",
        company: customer?.company ?? "?",
        contactName: customer?.contactName ?? null,
        phone: customer?.phone ?? null,
        email: customer?.email ?? null,
        language: customer?.language ?? policy.defaultLanguage,
        plans: customer?.plans ?? [],
        verified: customer?.verified ?? false,
      },
      channel: row.channel as ChannelName,
      chatId: row.chatId,
      ...(isUnverifiedChat(row.chatId) ? { unverifiedSender: true } : {}),
      // A caller registered from their voicemail stays to identify until staff verify the record.
      ...(capabilitiesOf(row.channel).voicemail && !customer?.verified ? { unknownCaller: true } : {}),
      coverage,
      salesRep: row.salesRep,
      assignee: assignee ? { id: assignee.id, name: assignee.name, identities: assignee.identities } : null,
      callbackDueAt: row.callbackDueAt?.toISOString() ?? null,
      minutes: row.minutes,
      resolution: row.resolution,
      charge:
        row.chargeGrossCents === null
          ? null
          : {
              // As computed at close: covered by a plan even when an excess is billed.
              covered: chargeSchema.safeParse(coverage.charge).data?.covered ?? row.chargeGrossCents === 0,
              plan: typeof coverage.plan === "string" ? coverage.plan : null,
              billedMinutes: chargeSchema.safeParse(coverage.charge).data?.billedMinutes ?? 0,
              ...packageOfCharge(coverage.charge),
              netCents: row.chargeNetCents ?? 0,
              vatCents: row.chargeVatCents ?? 0,
              grossCents: row.chargeGrossCents,
              currency: policy.charges.currency,
            },
      attachments,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      openNow: availability(policy, this.ctx.clock.now()).open,
      deskRefs: await store.ticketDeskRefs(tx, row.id),
    };
  }
}

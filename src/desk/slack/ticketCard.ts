/**
 * The ticket card posted in the staff channel and kept up to date with `chat.update`. Staff-facing
 * text is English-only constants (technicians share one working language); everything that came
 * from a customer goes through {@link safeText}.
 */
import type { types } from "@slack/bolt";
import { DateTime } from "luxon";
import type { ChargeView, TicketView } from "../port.js";
import { formatCents, safeText, truncate } from "./slackText.js";

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/** Action ids of the desk's buttons and inputs; the value of a button is the ticket number. */
export const ACTION = {
  claim: "sportello_claim",
  ask: "sportello_ask",
  note: "sportello_note",
  close: "sportello_close",
  reopen: "sportello_reopen",
  authorize: "sportello_authorize",
  ackPage: "sportello_ack_page",
  suggestReply: "sportello_suggest_reply",
} as const;

/** What the desk can offer beyond the core actions (the runtime decides, e.g. AI on or off). */
export interface CardOptions {
  /** Offer "Suggest reply" (an AI draft shown only to the clicking technician). */
  suggestReply?: boolean;
}

const STATUS_LABEL: Record<TicketView["status"], string> = {
  new: "new",
  "awaiting-authorization": "awaiting authorization",
  open: "open, unclaimed",
  claimed: "claimed",
  "waiting-on-customer": "waiting on customer",
  closed: "closed",
};

/** Local time for staff, never the machine's zone. */
export function formatWhen(iso: string, zone: string): string {
  const at = DateTime.fromISO(iso, { zone });
  return at.isValid ? at.toFormat("dd/LL/yyyy HH:mm") : iso;
}

/** "covered by assist-pro" or "€ 73,20 (60 min billed)". */
export function formatCharge(charge: ChargeView): string {
  const money = `${formatCents(charge.grossCents, charge.currency)} incl. VAT (net ${formatCents(charge.netCents, charge.currency)})`;
  if (charge.package) {
    const travel = (charge.lines ?? [])
      .filter((l) => l.item !== "package")
      .map((l) => ` + ${l.quantity} ${l.item}`)
      .join("");
    return `${money}, package ${safeText(charge.package, 60)}${travel}`;
  }
  if (charge.covered && charge.grossCents === 0)
    return `covered${charge.plan ? ` by ${safeText(charge.plan, 80)}` : ""}, no charge`;
  // A plan's cap exceeded: the excess is billed and shown, never hidden behind "covered".
  if (charge.covered)
    return `${money}, ${charge.billedMinutes} min billed beyond plan ${safeText(charge.plan ?? "", 80)}`;
  return `${money}, ${charge.billedMinutes} min billed${charge.plan ? ` (plan ${safeText(charge.plan, 80)})` : ""}`;
}

/**
 * Coverage is decided by the core and its shape is open (`Record<string, unknown>`); the card
 * shows the well-known keys first (plan, warranty, quoted rate, consent) and the rest as `key: value`.
 */
export function formatCoverage(coverage: Record<string, unknown>): string {
  const parts: string[] = [];
  const seen = new Set<string>();
  const take = (key: string, render: (v: unknown) => string) => {
    if (coverage[key] === undefined || coverage[key] === null) return;
    seen.add(key);
    parts.push(render(coverage[key]));
  };
  take("kind", (v) => safeText(String(v), 60));
  take("plan", (v) => `plan ${safeText(String(v), 80)}`);
  take("warranty", (v) => (v === true ? "warranty" : `warranty ${safeText(String(v), 80)}`));
  for (const key of ["quotedRateCents", "rateCents", "hourlyRateCents"]) {
    take(key, (v) =>
      typeof v === "number"
        ? `quoted rate ${formatCents(v, "EUR")}/h`
        : `quoted rate ${safeText(String(v), 40)}`,
    );
  }
  take("consent", (v) =>
    v === true
      ? "customer consented"
      : v === false
        ? "*no consent yet*"
        : `consent ${safeText(String(v), 80)}`,
  );
  for (const [key, value] of Object.entries(coverage)) {
    if (seen.has(key) || value === undefined || value === null) continue;
    const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
    parts.push(`${safeText(key, 40)}: ${safeText(shown, 120)}`);
  }
  return parts.length > 0 ? parts.join(" · ") : "not decided";
}

function button(text: string, actionId: string, value: string, style?: "primary" | "danger"): Button {
  return {
    type: "button",
    text: { type: "plain_text", text },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

/** Buttons the card offers in each status. */
export function cardButtons(ticket: TicketView, options: CardOptions = {}): Button[] {
  const n = ticket.number;
  switch (ticket.status) {
    case "awaiting-authorization":
      return [button("Authorize", ACTION.authorize, n, "primary"), button("Add note", ACTION.note, n)];
    case "closed":
      return [button("Reopen", ACTION.reopen, n), button("Add note", ACTION.note, n)];
    default: {
      const buttons: Button[] = [];
      if (!ticket.assignee) buttons.push(button("Claim", ACTION.claim, n, "primary"));
      buttons.push(button("Ask customer", ACTION.ask, n));
      if (options.suggestReply) buttons.push(button("Suggest reply", ACTION.suggestReply, n));
      buttons.push(button("Add note", ACTION.note, n), button("Close", ACTION.close, n, "danger"));
      return buttons;
    }
  }
}

/** Fallback text of the card (notifications, screen readers). */
export function cardText(ticket: TicketView): string {
  return `${ticket.number} · ${safeText(ticket.customer.company, 120)} · ${ticket.priority}${ticket.blocking ? " · blocking" : ""} · ${STATUS_LABEL[ticket.status]}`;
}

/** The card's blocks. */
export function ticketCardBlocks(ticket: TicketView, zone: string, options: CardOptions = {}): KnownBlock[] {
  const c = ticket.customer;
  const contact = [c.contactName, c.phone, c.email]
    .filter((v): v is string => !!v)
    .map((v) => safeText(v, 120));
  const fields = [
    `*Customer*\n${safeText(c.company, 150)} (${safeText(c.code, 40)})${c.verified ? "" : " _unverified_"}${contact.length ? `\n${contact.join(" · ")}` : ""}`,
    `*Channel*\n${ticket.channel}`,
    `*Plans*\n${c.plans.length ? c.plans.map((p) => safeText(p, 60)).join(", ") : "none"}`,
    `*Coverage*\n${formatCoverage(ticket.coverage)}`,
    `*Category*\n${ticket.category ? safeText(ticket.category, 80) : "—"}`,
    `*Priority*\n${ticket.priority}${ticket.blocking ? " · *blocking*" : ""}`,
    `*Status*\n${STATUS_LABEL[ticket.status]}${ticket.assignee ? ` — ${safeText(ticket.assignee.name, 80)}` : ""}`,
    `*Support open now*\n${ticket.openNow ? "yes" : "no (out of hours)"}`,
    `*Opened*\n${formatWhen(ticket.createdAt, zone)}`,
  ];
  if (ticket.salesRep) fields.push(`*Sales rep*\n${safeText(ticket.salesRep, 80)}`);
  if (ticket.callbackDueAt) fields.push(`*Callback due*\n${formatWhen(ticket.callbackDueAt, zone)}`);

  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: truncate(`${ticket.number} · ${c.company}`, 150) } },
    // A section holds at most 10 fields.
    {
      type: "section",
      fields: fields.slice(0, 10).map((text) => ({ type: "mrkdwn", text, verbatim: true })),
    },
  ];
  if (fields.length > 10) {
    blocks.push({
      type: "section",
      fields: fields.slice(10).map((text) => ({ type: "mrkdwn", text, verbatim: true })),
    });
  }
  if (ticket.summary) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: `*Summary*\n${safeText(ticket.summary, 1000)}`, verbatim: true },
    });
  }
  blocks.push({
    type: "section",
    text: {
      type: "mrkdwn",
      text: `*Description*\n${safeText(ticket.description || "—", 2800)}`,
      verbatim: true,
    },
  });
  if (ticket.attachments.length > 0) {
    const list = ticket.attachments
      .slice(0, 10)
      .map(
        (a) =>
          `${a.kind}${a.name ? ` ${safeText(a.name, 80)}` : ""}${a.size ? ` (${Math.ceil(a.size / 1024)} KB)` : ""}`,
      )
      .join(" · ");
    const more = ticket.attachments.length > 10 ? ` · +${ticket.attachments.length - 10} more` : "";
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: `Attachments: ${list}${more}`, verbatim: true }],
    });
  }
  if (ticket.status === "closed" || ticket.minutes !== null || ticket.charge) {
    const lines: string[] = [];
    if (ticket.minutes !== null) lines.push(`*Minutes*: ${ticket.minutes}`);
    if (ticket.charge) lines.push(`*Charge*: ${formatCharge(ticket.charge)}`);
    if (ticket.resolution) lines.push(`*Resolution*: ${safeText(ticket.resolution, 1500)}`);
    if (lines.length)
      blocks.push({ type: "section", text: { type: "mrkdwn", text: lines.join("\n"), verbatim: true } });
  }
  blocks.push({
    type: "actions",
    block_id: `ticket:${ticket.number}`,
    elements: cardButtons(ticket, options),
  });
  return blocks;
}

/** A one-line ticket summary for lists (`/sportello tickets`). */
export function ticketLine(ticket: TicketView): string {
  return `*${ticket.number}* · ${safeText(ticket.customer.company, 80)} · ${ticket.priority}${ticket.blocking ? " blocking" : ""} · ${STATUS_LABEL[ticket.status]}${ticket.assignee ? ` (${safeText(ticket.assignee.name, 60)})` : ""}`;
}

export { STATUS_LABEL };

/** "Company — contact · phone · e-mail" of a ticket's customer, safe for mrkdwn. */
export function contactLine(ticket: TicketView): string {
  const c = ticket.customer;
  const parts = [c.contactName, c.phone, c.email]
    .filter((v): v is string => !!v)
    .map((v) => safeText(v, 120));
  return `${safeText(c.company, 120)}${parts.length ? ` — ${parts.join(" · ")}` : ""}`;
}

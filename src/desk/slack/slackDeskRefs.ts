/** This desk's name and how Slack ids become the desk port's references. */
import type { TechnicianRef, TicketView } from "../port.js";

/** This desk's name: the key of its references and of technicians' Slack identities. */
export const DESK = "slack";

/** `origin` of the replies and questions typed on this desk (and of their `staff.reply` echo). */
export const SLACK_ORIGIN = "slack";

/** A card's location in Slack. */
export interface CardRef {
  channel: string;
  ts: string;
}

/** The Slack card the runtime recorded for a ticket, or null. */
export function deskRefOf(ticket: TicketView): CardRef | null {
  const ref = ticket.deskRefs?.[DESK];
  return ref && typeof ref.channel === "string" && typeof ref.ts === "string"
    ? { channel: ref.channel, ts: ref.ts }
    : null;
}

/** The technician reference of a Slack user. */
export function by(slackUserId: string): TechnicianRef {
  return { desk: DESK, externalId: slackUserId };
}

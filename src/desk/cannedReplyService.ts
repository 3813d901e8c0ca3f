/**
 * Canned replies for a ticket, as desks offer them: the preset's replies in the customer's
 * language with the placeholders filled from the ticket (customer, company, number), the
 * technician and the next opening of the service. Desks insert or send the text through the
 * normal reply action, so a canned reply is relayed, recorded and echoed like any other.
 */

import { contactHasPhone, contactPerson } from "../../flows/conversation/identityAnswers.js";
import { formatWhen } from "../i18n/renderer.js";
import { availability } from "../policy/calendar.js";
import { type CannedReply, renderCannedReply } from "../policy/cannedReplies.js";
import type { Policy } from "../policy/schema.js";
import type { TicketView } from "./port.js";

export interface CannedReplyView {
  key: string;
  title: string;
  text: string;
}

export interface CannedReplyService {
  /** Keys and titles (staff language) of every reply. */
  keys(language?: "it" | "en"): { key: string; title: string }[];
  /** Every reply rendered for the ticket; null for an unknown ticket. */
  forTicket(number: string, technician?: string): Promise<CannedReplyView[] | null>;
  /** One reply rendered for the ticket; null for an unknown ticket or key. */
  render(number: string, key: string, technician?: string): Promise<CannedReplyView | null>;
}

export function createCannedReplyService(deps: {
  policy: Policy;
  replies: CannedReply[];
  getTicket(number: string): Promise<TicketView | null>;
  now(): Date;
}): CannedReplyService {
  const { policy, replies } = deps;

  function view(reply: CannedReply, ticket: TicketView, technician?: string): CannedReplyView {
    const language = ticket.customer.language === "en" ? "en" : "it";
    const now = deps.now();
    const next = availability(policy, now).nextOpenAt;
    const { customer } = ticket;
    // A phone we can call: the customer's number, or one written in the contact line at sign-up.
    const phone = Boolean(customer.phone) || contactHasPhone(customer.contactName);
    return {
      key: reply.key,
      title: reply.title[language],
      text: renderCannedReply(
        reply,
        language,
        {
          // The person's name only, never the whole contact line with their address.
          customer: contactPerson(customer.contactName) ?? customer.company,
          company: customer.company,
          ticket: ticket.number,
          ...(technician ? { technician } : {}),
          ...(next ? { nextOpening: formatWhen(next.toISOString(), language, policy.timezone, now) } : {}),
        },
        { phone },
      ),
    };
  }

  return {
    keys: (language = "it") => replies.map((r) => ({ key: r.key, title: r.title[language] })),
    async forTicket(number, technician) {
      const ticket = await deps.getTicket(number);
      return ticket ? replies.map((r) => view(r, ticket, technician)) : null;
    },
    async render(number, key, technician) {
      const reply = replies.find((r) => r.key === key.trim().toLowerCase());
      if (!reply) return null;
      const ticket = await deps.getTicket(number);
      return ticket ? view(reply, ticket, technician) : null;
    },
  };
}

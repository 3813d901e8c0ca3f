/**
 * The pager's port: a notifier reaches a technician one way (a Telegram message, an SMS, a call…)
 * with a page's text and a way to acknowledge it. The desks (Slack, the board) are reached by
 * the pager itself through the desk notifications, in the page's transaction.
 */
import type { ContactKind } from "../data/pagerStore.js";
import type { Reach } from "./chain.js";

/** What a notifier says. */
export interface PageMessage {
  pageId: string;
  /** The page's text, already in the staff's language. */
  text: string;
  /** The label of the acknowledge button / the spoken instruction. */
  ackLabel: string;
  /** A title where the way has one (the e-mail subject). */
  subject: string;
  /** Staff language of the texts. */
  language: "it" | "en";
}

/** The choice id that acknowledges a page (buttons in Telegram and WhatsApp). */
export const ACK_CHOICE_PREFIX = "pager-ack:";

export interface Notifier {
  readonly kind: Exclude<ContactKind, "desk">;
  /** Whether it can send now (its channel is configured); default yes. */
  available?(): boolean;
  /** Sends; resolves with the provider's reference (a Call SID) when there is one. Throws on failure. */
  send(reach: Reach, message: PageMessage): Promise<{ ref?: string }>;
}

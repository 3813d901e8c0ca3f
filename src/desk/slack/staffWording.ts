/**
 * Text going from Slack to the core and staff-facing wording of the core's answers.
 */
import type { StaffActionResult, StaffErrorCode } from "../port.js";
import { safeText } from "./slackText.js";

/** Wording for each staff error code (staff-facing, English); the compiler checks every code has one. */
const FAILURE_WORDING = {
  "not-technician": () =>
    "Only technicians can do this. Ask an admin to link your Slack account to a technician.",
  "unknown-ticket": (ticket) => `Ticket ${ticket} does not exist.`,
  "already-claimed": (ticket, detail) => `${ticket} is already claimed${detail}.`,
  "invalid-state": (ticket, detail) => `Not possible on ${ticket} right now${detail}.`,
  "invalid-input": (_ticket, detail) => `That did not work${detail}.`,
} satisfies Record<StaffErrorCode, (ticket: string, detail: string) => string>;

/** Wording for the runtime's error codes (staff-facing, English). */
export function describeFailure(result: Extract<StaffActionResult, { ok: false }>, ticket: string): string {
  const detail = result.message ? `: ${safeText(result.message, 300)}` : "";
  return FAILURE_WORDING[result.code](safeText(ticket, 60), detail);
}

/**
 * Turns a technician's Slack message into plain text for the customer: Slack's `&amp;`/`&lt;`/`&gt;`
 * entities are undone, links become `label (url)`, user mentions become names.
 */
export function slackToPlain(text: string, names: Map<string, string> = new Map()): string {
  return text
    .replace(/<([^<>|]+)(?:\|([^<>]*))?>/g, (_all, target: string, label: string | undefined) => {
      if (target.startsWith("@")) return `@${label || names.get(target.slice(1)) || "colleague"}`;
      if (target.startsWith("#")) return `#${label || "channel"}`;
      if (target.startsWith("!")) return label ? `@${label}` : `@${target.slice(1).split("^")[0]}`;
      const url = target.startsWith("mailto:") ? target.slice("mailto:".length) : target;
      return label && label !== url ? `${label} (${url})` : url;
    })
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/**
 * Parsing of the `/sportello` slash command text. Pure: dates are read in the given zone.
 */
import { DateTime } from "luxon";

export type SportelloCommand =
  | { kind: "claim"; ticket: string }
  | { kind: "tickets"; filter: "open" | "mine" | "today" }
  | { kind: "ticket"; ticket: string }
  | { kind: "oncall" }
  | { kind: "oncall-set"; slackUserId: string; startsAt: Date; endsAt: Date }
  | { kind: "reply"; ticket: string; key: string | null }
  | { kind: "help"; problem?: string };

/** Staff-facing help text (English-only constant). */
export const SPORTELLO_HELP = [
  "*/sportello* commands:",
  "• `/sportello claim LT-2026-00042` — take a ticket",
  "• `/sportello tickets [open|mine|today]` — list tickets (default: open)",
  "• `/sportello ticket LT-2026-00042` — show one ticket",
  "• `/sportello reply LT-2026-00042 KEY` — send the canned reply KEY to the ticket's customer (without KEY: list them)",
  "• `/sportello oncall` — the weekend on-call rota",
  "• `/sportello oncall set @user FROM TO` — set a shift; FROM/TO as `2026-11-28` or `2026-11-28T08:00` (Europe/Rome). A date-only TO means the end of that day.",
].join("\n");

const TICKET = /^[A-Za-z0-9][A-Za-z0-9-]{2,40}$/;

/** Parses a FROM/TO token; `endOfDay` makes a date-only value mean the end of that day. */
export function parseShiftInstant(token: string, zone: string, endOfDay: boolean): Date | null {
  const dateOnly = DateTime.fromFormat(token, "yyyy-MM-dd", { zone });
  if (dateOnly.isValid) return (endOfDay ? dateOnly.plus({ days: 1 }) : dateOnly).toJSDate();
  for (const format of ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"]) {
    const at = DateTime.fromFormat(token, format, { zone });
    if (at.isValid) return at.toJSDate();
  }
  return null;
}

/** Reads a user token: `<@U123|name>`, `<@U123>` or a bare `U123`. */
export function parseUserToken(token: string): string | null {
  const m = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(token) ?? /^([UW][A-Z0-9]{6,})$/.exec(token);
  return m?.[1] ?? null;
}

/** Parses the text after `/sportello`. */
export function parseSportelloCommand(text: string, zone: string): SportelloCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  const sub = first?.toLowerCase();
  switch (sub) {
    case "claim":
    case "ticket": {
      const ticket = rest[0];
      if (!ticket || rest.length > 1 || !TICKET.test(ticket))
        return { kind: "help", problem: `\`${sub}\` needs one ticket number` };
      return { kind: sub, ticket: ticket.toUpperCase() };
    }
    case "reply": {
      // Either order: the ticket number is PREFIX-YEAR-SEQUENCE, the key is kebab-case.
      const ticket = rest.find((w) => /^[A-Za-z]{2,4}-\d{4}-\d+$/.test(w));
      const key = rest.find((w) => w !== ticket) ?? null;
      if (!ticket || rest.length > 2 || (key !== null && !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(key)))
        return { kind: "help", problem: "use `/sportello reply LT-2026-00042 KEY`" };
      return { kind: "reply", ticket: ticket.toUpperCase(), key };
    }
    case "tickets": {
      const filter = (rest[0] ?? "open").toLowerCase();
      if (rest.length > 1 || (filter !== "open" && filter !== "mine" && filter !== "today"))
        return { kind: "help", problem: "`tickets` takes `open`, `mine` or `today`" };
      return { kind: "tickets", filter };
    }
    case "oncall": {
      if (rest.length === 0) return { kind: "oncall" };
      if (rest[0]?.toLowerCase() !== "set" || rest.length !== 4)
        return { kind: "help", problem: "use `/sportello oncall set @user FROM TO`" };
      const slackUserId = parseUserToken(rest[1] ?? "");
      if (!slackUserId) return { kind: "help", problem: "mention the technician as @user" };
      const startsAt = parseShiftInstant(rest[2] ?? "", zone, false);
      const endsAt = parseShiftInstant(rest[3] ?? "", zone, true);
      if (!startsAt || !endsAt)
        return { kind: "help", problem: "FROM and TO must look like 2026-11-28 or 2026-11-28T08:00" };
      if (endsAt <= startsAt) return { kind: "help", problem: "TO must be after FROM" };
      return { kind: "oncall-set", slackUserId, startsAt, endsAt };
    }
    default:
      return sub ? { kind: "help", problem: "unknown command" } : { kind: "help" };
  }
}

/**
 * A hand-written stand-in for the runtime behind the web chat and the staff board, until the
 * real one is wired: an inbound handler that runs a tiny two-step intake (describe → "is it
 * blocking?" choice → ticket opened), a {@link StaffActions} over the same in-memory tickets
 * whose replies and close reach the customer through the channel's `send`, and transcript
 * queries. Not a mock: it keeps honest state and refuses what the
 * real runtime refuses (double claim, acting on closed tickets, non-technicians).
 */
import type { InboundHandler, InboundMessage, OutboundMessage } from "../../src/channels/port.js";
import type { BoardQueries, TranscriptEntry } from "../../src/desk/board/boardQueries.js";
import type {
  ChargeView,
  StaffAction,
  StaffActionResult,
  StaffActions,
  TechnicianRef,
  TicketView,
} from "../../src/desk/port.js";

export interface FakeWebRuntime {
  handler: InboundHandler;
  staffActions: StaffActions;
  boardQueries: BoardQueries;
  tickets: Map<string, TicketView>;
  transcripts: Map<string, TranscriptEntry[]>;
  /** Every inbound message the handler accepted (after de-duplication). */
  received: InboundMessage[];
}

/** The fake's technicians (webStack.ts stores them with these ids for staff access). */
export const TECHNICIANS = [
  { id: "tech-marco", name: "Marco", identities: {} },
  { id: "tech-giulia", name: "Giulia", identities: {} },
];

/** Builds the fake; `send` is the web channel's send (the fake does no outbox, it awaits delivery). */
export function createFakeWebRuntime(options: {
  send: (message: OutboundMessage) => Promise<unknown>;
  now?: () => Date;
}): FakeWebRuntime {
  const now = options.now ?? (() => new Date());
  const tickets = new Map<string, TicketView>();
  const transcripts = new Map<string, TranscriptEntry[]>();
  const seen = new Set<string>();
  const received: InboundMessage[] = [];
  const drafts = new Map<string, { description: string; language: string; lines: TranscriptEntry[] }>();
  let counter = 0;

  const it = (language: string) => language.toLowerCase().startsWith("it");

  async function say(chatId: string, text: string, extra: Partial<OutboundMessage> = {}, ticket?: string) {
    await options.send({ channel: "web", chatId, text, ...extra });
    const line: TranscriptEntry = { direction: "out", text, at: now().toISOString() };
    if (ticket) transcripts.get(ticket)?.push(line);
    else drafts.get(chatId)?.lines.push(line);
  }

  function openTicketOf(chatId: string): TicketView | undefined {
    return [...tickets.values()].find((t) => t.chatId === chatId && t.status !== "closed");
  }

  const handler: InboundHandler = async (message) => {
    if (seen.has(message.platformMessageId)) return;
    seen.add(message.platformMessageId);
    received.push(message);
    const line: TranscriptEntry = {
      direction: "in",
      text: message.text,
      at: message.at.toISOString(),
      attachments: message.attachments.map((a) => ({
        kind: a.kind,
        ...(a.name ? { name: a.name } : {}),
        ...(a.mime ? { mime: a.mime } : {}),
        ...(a.size !== undefined ? { size: a.size } : {}),
        ...(a.ref ? { ref: a.ref } : {}),
      })),
    };
    const open = openTicketOf(message.chatId);
    if (open) {
      transcripts.get(open.number)?.push(line);
      return;
    }
    const draft = drafts.get(message.chatId);
    const language = message.languageHint ?? "en";
    if (!draft) {
      drafts.set(message.chatId, { description: message.text, language, lines: [line] });
      await say(message.chatId, it(language) ? "Grazie. Riesci a lavorare?" : "Thanks. Can you still work?", {
        choices: [
          { id: "blocked", label: it(language) ? "No, sono bloccato" : "No, I'm blocked" },
          { id: "can-work", label: it(language) ? "Sì, posso lavorare" : "Yes, I can work" },
        ],
      });
      return;
    }
    draft.lines.push(line);
    if (!message.choice) {
      draft.description += `\n${message.text}`;
      return;
    }
    counter += 1;
    const number = `WEB-${String(counter).padStart(4, "0")}`;
    const at = now().toISOString();
    const blocking = message.choice === "blocked";
    const ticket: TicketView = {
      id: `ticket-${counter}`,
      number,
      policy: "leotron",
      status: "open",
      category: null,
      priority: blocking ? "urgent" : "normal",
      blocking,
      description: draft.description,
      customer: {
        id: `customer-${message.chatId}`,
        code: "WEB",
        company: "Web customer",
        contactName: null,
        phone: null,
        email: null,
        language: it(draft.language) ? "it" : "en",
        plans: [],
        verified: false,
      },
      channel: "web",
      chatId: message.chatId,
      coverage: {},
      salesRep: null,
      assignee: null,
      callbackDueAt: null,
      minutes: null,
      resolution: null,
      charge: null,
      attachments: draft.lines.flatMap((l) => l.attachments ?? []),
      createdAt: at,
      updatedAt: at,
      openNow: true,
      deskRefs: {},
    };
    tickets.set(number, ticket);
    transcripts.set(number, draft.lines);
    drafts.delete(message.chatId);
    await say(
      message.chatId,
      it(draft.language)
        ? `Ho aperto il ticket ${number}. Un tecnico ti risponderà qui.`
        : `Ticket ${number} is open. A technician will answer here.`,
      {},
      number,
    );
  };

  function technician(by: TechnicianRef) {
    return (
      TECHNICIANS.find((t) =>
        "id" in by ? t.id === by.id : "name" in by ? t.name.toLowerCase() === by.name.toLowerCase() : false,
      ) ?? null
    );
  }

  function charge(minutes: number): ChargeView {
    const billedMinutes = Math.max(60, Math.ceil(minutes / 30) * 30);
    const netCents = Math.round((billedMinutes * 8000) / 60);
    const vatCents = Math.round(netCents * 0.22);
    return {
      covered: false,
      plan: null,
      billedMinutes,
      netCents,
      vatCents,
      grossCents: netCents + vatCents,
      currency: "EUR",
    };
  }

  function update(ticket: TicketView, patch: Partial<TicketView>): TicketView {
    const next = { ...ticket, ...patch, updatedAt: now().toISOString() };
    tickets.set(ticket.number, next);
    return next;
  }

  const fail = (
    code: "not-technician" | "unknown-ticket" | "already-claimed" | "invalid-state",
    message: string,
  ) => ({ ok: false, code, message }) as const;

  async function perform(action: StaffAction): Promise<StaffActionResult> {
    const tech = technician(action.by);
    if (!tech) return fail("not-technician", "not a technician");
    const ticket = tickets.get(action.ticket);
    if (!ticket) return fail("unknown-ticket", `no ticket ${action.ticket}`);
    const lines = transcripts.get(ticket.number)!;
    const language = ticket.customer.language;
    const at = now().toISOString();
    if (action.type === "reopen") {
      if (ticket.status !== "closed") return fail("invalid-state", "not closed");
      return {
        ok: true,
        ticket: update(ticket, { status: "open", minutes: null, resolution: null, charge: null }),
      };
    }
    if (ticket.status === "closed") return fail("invalid-state", "ticket closed");
    switch (action.type) {
      case "claim":
        if (ticket.assignee) return fail("already-claimed", `claimed by ${ticket.assignee.name}`);
        return { ok: true, ticket: update(ticket, { status: "claimed", assignee: tech }) };
      case "reply":
      case "ask": {
        lines.push({ direction: "staff", text: action.text, at, by: tech.name });
        // Shown to the customer with the technician's name; kept once in the transcript as the staff line.
        await options.send({ channel: "web", chatId: ticket.chatId, text: `${tech.name}: ${action.text}` });
        const status = action.type === "ask" ? "waiting-on-customer" : ticket.status;
        return { ok: true, ticket: update(ticket, { status }) };
      }
      case "note":
        lines.push({ direction: "note", text: action.text, at, by: tech.name });
        return { ok: true, ticket: update(ticket, {}) };
      case "close": {
        const view = charge(action.minutes);
        const closed = update(ticket, {
          status: "closed",
          minutes: action.minutes,
          resolution: action.resolution,
          charge: view,
        });
        await say(
          ticket.chatId,
          language === "it"
            ? `Il ticket ${ticket.number} è chiuso: ${action.resolution}`
            : `Ticket ${ticket.number} is closed: ${action.resolution}`,
          {},
          ticket.number,
        );
        await say(
          ticket.chatId,
          language === "it"
            ? "Come valuti l'assistenza ricevuta?"
            : "How would you rate the support you received?",
          { choices: ["1", "2", "3", "4", "5"].map((n) => ({ id: `rate-${n}`, label: n })) },
          ticket.number,
        );
        return { ok: true, ticket: closed, charge: view };
      }
      default:
        return fail("invalid-state", `${action.type} not supported by the fake`);
    }
  }

  const staffActions: StaffActions = {
    perform,
    async listTickets(filter, by) {
      const me = by ? technician(by) : null;
      const today = now().toISOString().slice(0, 10);
      return [...tickets.values()].filter((t) => {
        switch (filter) {
          case "open":
            return t.status !== "closed";
          case "mine":
            return t.status !== "closed" && t.assignee?.id === me?.id;
          case "unclaimed":
            return t.status !== "closed" && !t.assignee;
          case "today":
            return t.createdAt.startsWith(today);
          default:
            return true;
        }
      });
    },
    getTicket: async (number) => tickets.get(number) ?? null,
    previewCharge: async (number, minutes) => (tickets.has(number) ? charge(minutes) : null),
    setDeskRef: async () => {},
    findTechnician: async (by) => technician(by),
    listOnCall: async () => [],
    setOnCall: async () => ({ ok: false, code: "invalid-input", message: "not supported by the fake" }),
  };

  const boardQueries: BoardQueries = {
    transcript: async (number) => transcripts.get(number) ?? [],
  };

  return { handler, staffActions, boardQueries, tickets, transcripts, received };
}

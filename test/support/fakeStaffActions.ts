/**
 * A hand-written in-memory {@link StaffActions} (a fake of the port, not a module mock) for desk
 * tests until the real runtime lands. It keeps an honest ticket state machine: a ticket is claimed
 * once, a closed ticket takes no replies, only technicians act, authorization only when awaited.
 * What the customer would receive is recorded in {@link FakeStaffActions.toCustomer}; the runtime's
 * broadcast of changes to desks is imitated through the optional `publish` callback.
 */
import type {
  ChargeView,
  DeskEvent,
  OnCallShiftView,
  StaffAction,
  StaffActionResult,
  StaffActions,
  TechnicianRef,
  TechnicianView,
  TicketFilter,
  TicketView,
} from "../../src/desk/port.js";

export interface FakeTechnician {
  id: string;
  name: string;
  slackUserId: string | null;
}

export interface FakeStaffActions extends StaffActions {
  readonly tickets: Map<string, TicketView>;
  readonly performed: StaffAction[];
  readonly notes: { ticket: string; by: string; text: string }[];
  readonly toCustomer: { ticket: string; kind: string; text: string; attachments?: unknown[] }[];
  readonly pageAcks: { ticket: string; by: string }[];
  readonly shifts: OnCallShiftView[];
  /** Adds a ticket (status `open` unless given) and returns it. */
  addTicket(partial?: Partial<TicketView>): TicketView;
  /** Imitates the runtime's desk broadcast. */
  publish?: (event: DeskEvent) => Promise<void>;
}

const RATE_CENTS_PER_HOUR = 6000;

/** Builds a plausible ticket view. */
export function sampleTicket(partial: Partial<TicketView> = {}): TicketView {
  const at = "2026-11-20T09:15:00.000Z";
  return {
    id: partial.id ?? `t-${partial.number ?? "LT-2026-00042"}`,
    number: "LT-2026-00042",
    policy: "leghorn",
    status: "open",
    category: "network",
    priority: "high",
    blocking: true,
    description: "The office printer is offline and the VPN drops every 5 minutes.",
    customer: {
      id: "c-1",
      code: "C0042",
      company: "Rossi & Figli S.r.l.",
      contactName: "Anna Rossi",
      phone: "+393331234567",
      email: "anna@rossi.example",
      language: "it",
      plans: ["assist-pro"],
      verified: true,
    },
    channel: "telegram",
    chatId: "1001",
    coverage: { kind: "plan", plan: "assist-pro" },
    salesRep: null,
    assignee: null,
    callbackDueAt: null,
    minutes: null,
    resolution: null,
    charge: null,
    attachments: [{ kind: "image", name: "printer.jpg", mime: "image/jpeg", size: 120_000 }],
    createdAt: at,
    updatedAt: at,
    openNow: true,
    deskRefs: {},
    ...partial,
  };
}

/** The neutral view of a fake technician (their Slack id becomes the `slack` identity). */
export function viewOf(tech: FakeTechnician): TechnicianView {
  return { id: tech.id, name: tech.name, identities: tech.slackUserId ? { slack: tech.slackUserId } : {} };
}

/** Creates the fake with the given technicians. */
export function createFakeStaffActions(technicians: FakeTechnician[]): FakeStaffActions {
  const tickets = new Map<string, TicketView>();
  const performed: StaffAction[] = [];
  const notes: FakeStaffActions["notes"] = [];
  const toCustomer: FakeStaffActions["toCustomer"] = [];
  const pageAcks: FakeStaffActions["pageAcks"] = [];
  const shifts: OnCallShiftView[] = [];

  const findTech = (by: TechnicianRef): FakeTechnician | null => {
    if ("id" in by) return technicians.find((t) => t.id === by.id) ?? null;
    if ("desk" in by) {
      return by.desk === "slack" ? (technicians.find((t) => t.slackUserId === by.externalId) ?? null) : null;
    }
    return technicians.find((t) => t.name === by.name) ?? null;
  };

  const charge = (ticket: TicketView, minutes: number, planOverride?: string): ChargeView => {
    const plan =
      planOverride === "none"
        ? null
        : (planOverride ?? (typeof ticket.coverage.plan === "string" ? ticket.coverage.plan : null));
    const covered = plan !== null && ticket.customer.plans.includes(plan);
    const billedMinutes = Math.ceil(minutes / 15) * 15;
    const netCents = covered ? 0 : Math.round((billedMinutes * RATE_CENTS_PER_HOUR) / 60);
    const vatCents = Math.round(netCents * 0.22);
    return {
      covered,
      plan,
      billedMinutes,
      netCents,
      vatCents,
      grossCents: netCents + vatCents,
      currency: "EUR",
    };
  };

  const fail = (
    code: Exclude<StaffActionResult, { ok: true }>["code"],
    message: string,
  ): StaffActionResult => ({
    ok: false,
    code,
    message,
  });

  const fake: FakeStaffActions = {
    tickets,
    performed,
    notes,
    toCustomer,
    pageAcks,
    shifts,
    addTicket(partial = {}) {
      const ticket = sampleTicket(partial);
      tickets.set(ticket.number, ticket);
      return ticket;
    },

    async perform(action) {
      performed.push(action);
      const tech = findTech(action.by);
      if (!tech) return fail("not-technician", "only technicians can act on tickets");
      const current = tickets.get(action.ticket);
      if (!current) return fail("unknown-ticket", `no ticket ${action.ticket}`);
      const assignee = viewOf(tech);
      let next: TicketView;
      let extraCharge: ChargeView | undefined;
      switch (action.type) {
        case "claim":
          if (current.assignee) return fail("already-claimed", `already claimed by ${current.assignee.name}`);
          if (
            current.status !== "open" &&
            current.status !== "new" &&
            current.status !== "waiting-on-customer"
          )
            return fail("invalid-state", `cannot claim a ${current.status} ticket`);
          next = { ...current, status: "claimed", assignee };
          toCustomer.push({ ticket: current.number, kind: "claimed", text: `${tech.name} took your ticket` });
          break;
        case "reply":
        case "ask":
          if (current.status === "closed" || current.status === "awaiting-authorization")
            return fail("invalid-state", `cannot write on a ${current.status} ticket`);
          if (!action.text.trim() && !(action.type === "reply" && action.attachments?.length))
            return fail("invalid-input", "empty message");
          next = {
            ...current,
            assignee: current.assignee ?? assignee,
            status: action.type === "ask" ? "waiting-on-customer" : "claimed",
          };
          toCustomer.push({
            ticket: current.number,
            kind: action.type,
            text: action.text,
            ...(action.type === "reply" && action.attachments ? { attachments: action.attachments } : {}),
          });
          break;
        case "note":
          if (!action.text.trim()) return fail("invalid-input", "empty note");
          notes.push({ ticket: current.number, by: tech.name, text: action.text });
          next = current;
          break;
        case "close": {
          if (current.status === "closed") return fail("invalid-state", "already closed");
          if (!Number.isInteger(action.minutes) || action.minutes < 0)
            return fail("invalid-input", "minutes must be a whole number ≥ 0");
          if (!action.resolution.trim()) return fail("invalid-input", "resolution required");
          extraCharge = charge(current, action.minutes, action.plan);
          next = {
            ...current,
            status: "closed",
            assignee: current.assignee ?? assignee,
            minutes: action.minutes,
            resolution: action.resolution,
            category: action.category ?? current.category,
            charge: extraCharge,
          };
          toCustomer.push({ ticket: current.number, kind: "outcome", text: action.resolution });
          toCustomer.push({ ticket: current.number, kind: "feedback", text: "How did we do? 1-5" });
          break;
        }
        case "reopen":
          if (current.status !== "closed") return fail("invalid-state", "only closed tickets reopen");
          next = { ...current, status: "open", minutes: null, resolution: null, charge: null };
          break;
        case "authorize":
          if (current.status !== "awaiting-authorization")
            return fail("invalid-state", "no authorization awaited");
          if (!action.salesRep.trim()) return fail("invalid-input", "sales representative required");
          next = { ...current, status: "open", salesRep: action.salesRep };
          break;
        case "ack-page":
          pageAcks.push({ ticket: current.number, by: tech.name });
          next = current;
          break;
      }
      next = { ...next, updatedAt: new Date().toISOString() };
      tickets.set(next.number, next);
      if (fake.publish && action.type !== "note" && action.type !== "ack-page") {
        await fake.publish({ type: "ticket.updated", ticket: next, change: action.type });
        // Like the runtime: every desk hears about a reply, the desk it came from included.
        if (action.type === "reply" || action.type === "ask") {
          await fake.publish({
            type: "staff.reply",
            ticket: next,
            text: action.text,
            by: tech.name,
            ...(action.origin ? { origin: action.origin } : {}),
          });
        }
      }
      return extraCharge ? { ok: true, ticket: next, charge: extraCharge } : { ok: true, ticket: next };
    },

    async listTickets(filter: TicketFilter, by?: TechnicianRef) {
      const all = [...tickets.values()];
      const me = by ? findTech(by) : null;
      const today = new Date().toISOString().slice(0, 10);
      switch (filter) {
        case "open":
          return all.filter((t) => t.status !== "closed");
        case "mine":
          return all.filter((t) => t.status !== "closed" && me !== null && t.assignee?.id === me.id);
        case "unclaimed":
          return all.filter((t) => t.status !== "closed" && !t.assignee);
        case "today":
          return all.filter((t) => t.createdAt.slice(0, 10) === today);
        case "all":
          return all;
      }
    },

    async getTicket(number) {
      return tickets.get(number) ?? null;
    },

    async previewCharge(ticket, minutes, plan) {
      const current = tickets.get(ticket);
      if (!current || !Number.isInteger(minutes) || minutes < 0) return null;
      return charge(current, minutes, plan);
    },

    async setDeskRef(ticket, desk, ref) {
      const current = tickets.get(ticket);
      if (!current) throw new Error(`no ticket ${ticket}`);
      tickets.set(ticket, { ...current, deskRefs: { ...current.deskRefs, [desk]: ref } });
    },

    async findTechnician(by) {
      const tech = findTech(by);
      return tech ? viewOf(tech) : null;
    },

    async listOnCall(from, to) {
      return shifts.filter((s) => new Date(s.endsAt) > from && new Date(s.startsAt) < to);
    },

    async setOnCall(by, shift) {
      if (!findTech(by)) return fail("not-technician", "only technicians can set the rota");
      const tech = findTech(shift.technician);
      if (!tech) return fail("not-technician", "the on-call person must be a technician");
      if (!(shift.endsAt > shift.startsAt))
        return fail("invalid-input", "the shift must end after it starts");
      const view: OnCallShiftView = {
        id: `s-${shifts.length + 1}`,
        technician: viewOf(tech),
        startsAt: shift.startsAt.toISOString(),
        endsAt: shift.endsAt.toISOString(),
      };
      shifts.push(view);
      return { ok: true, shift: view };
    },
  };
  return fake;
}

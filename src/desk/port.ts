/**
 * The staff side of sportello: a desk (Slack, the web staff board, the `/staff` lines of the
 * local chat) shows tickets to technicians and turns their clicks and commands into
 * {@link StaffAction}s. The runtime performs the actions (through the ticket machine, inside one
 * transaction) and tells every desk what changed through {@link DeskEvent}s.
 */
import type { TicketState } from "../../flows/ticket/ticketTypes.js";
import type { ChannelName, OutboundAttachment } from "../channels/port.js";

/** Money for one intervention, integer cents. */
export interface ChargeView {
  covered: boolean;
  plan: string | null;
  billedMinutes: number;
  netCents: number;
  vatCents: number;
  grossCents: number;
  currency: string;
  /** A fixed-price package billed instead of hourly time. */
  package?: string;
  /** The lines of the charge (hourly, package, km, per diem, parts, transport), net cents. */
  lines?: { item: string; quantity: number; unitCents: number; cents: number; description?: string }[];
  /** Which close of the ticket this is (2 after the first reopen) and the ticket's total so far. */
  session?: number;
  total?: { sessions: number; minutes: number; netCents: number; vatCents: number; grossCents: number };
  /** Minutes of this close the plan covers. */
  coveredMinutes?: number;
  /** A capped plan's allowance after this close (per month: used and left). */
  allowance?: {
    plan: string;
    per: "intervention" | "month";
    capMinutes: number;
    usedMinutes: number;
    leftMinutes: number | null;
  } | null;
  /** What the plan does not cover for this work, told to the customer (it and en). */
  exclusions?: { it: string; en: string }[];
}

/** Ways of working a close records (preset `charges.workModes`). */
export type WorkModeName = "phone" | "remote" | "office" | "onsite";

/** What a close adds to the time: spare parts and transport (net cents), and the category. */
export interface CloseExtras {
  category?: string;
  parts?: { description: string; cents: number; quantity?: number }[];
  transportCents?: number;
}

/** Billing a close with a preset package (instead of hourly time), with its travel expenses. */
export interface PackageBilling {
  /** Package key (or alias) from the preset's `charges.packages`. */
  package: string;
  km?: number;
  /** Per-diem days with an overnight stay. */
  daysOvernight?: number;
  /** Per-diem days without an overnight stay. */
  days?: number;
}

/** A ticket as desks show it; plain data, safe to serialise. */
export interface TicketView {
  id: string;
  number: string;
  policy: string;
  status: TicketStatus;
  category: string | null;
  priority: "low" | "normal" | "high" | "urgent";
  blocking: boolean;
  description: string;
  /** One- or two-line summary for technicians (AI when enabled, else the description's start). */
  summary?: string;
  customer: {
    id: string;
    code: string;
    company: string;
    contactName: string | null;
    phone: string | null;
    email: string | null;
    language: string;
    plans: string[];
    verified: boolean;
  };
  channel: ChannelName;
  chatId: string;
  /** The channel could not verify the sender (an e-mail failing DMARC): maybe not the customer it names. */
  unverifiedSender?: boolean;
  /** A phone line's voicemail from a number on no customer record: a technician identifies the caller. */
  unknownCaller?: boolean;
  /** Coverage decided at intake: which plan, warranty, or billable with the quoted rate and consent. */
  coverage: Record<string, unknown>;
  /** What the customer answered after the close (rating 1–5 and comment); single-ticket views only. */
  feedback?: { rating: number; comment: string | null; at: string } | null;
  salesRep: string | null;
  assignee: TechnicianView | null;
  callbackDueAt: string | null;
  minutes: number | null;
  resolution: string | null;
  charge: ChargeView | null;
  attachments: { kind: string; name?: string; mime?: string; size?: number }[];
  createdAt: string;
  updatedAt: string;
  /** Whether support is open at the moment the view was built. */
  openNow: boolean;
  /**
   * What each desk stored for this ticket, by desk name (e.g. `slack`: its card's channel and
   * ts); opaque to everyone but that desk, so desks never overwrite each other.
   */
  deskRefs: Record<string, Record<string, unknown>>;
}

/** A ticket's status as desks show it: the ticket machine's own states. */
export type TicketStatus = TicketState;

/**
 * A technician as desks see them. `identities` holds how they are known on each desk that has
 * one (e.g. `slack`: a member id, `email`: an address), keyed by desk name.
 */
export interface TechnicianView {
  id: string;
  name: string;
  identities: Partial<Record<string, string>>;
}

/**
 * Who performs a staff action: a technician by internal id, by name, or by their identity on a
 * desk (e.g. `{ desk: "slack", externalId: "U012AB3CD" }`).
 */
export type TechnicianRef = { id: string } | { name: string } | { desk: string; externalId: string };

export type StaffAction =
  | { type: "claim"; ticket: string; by: TechnicianRef }
  | {
      type: "reply";
      ticket: string;
      by: TechnicianRef;
      text: string;
      attachments?: OutboundAttachment[];
      /** The desk the reply was typed on (e.g. "slack", "board"); echoed on `staff.reply`. */
      origin?: string;
    }
  | { type: "note"; ticket: string; by: TechnicianRef; text: string }
  | {
      type: "ask";
      ticket: string;
      by: TechnicianRef;
      text: string;
      /** The desk the question was typed on; echoed on `staff.reply`. */
      origin?: string;
    }
  | {
      type: "close";
      ticket: string;
      by: TechnicianRef;
      minutes: number;
      resolution: string;
      category?: string;
      /** Override of the plan used for the charge (`none` forces billable). */
      plan?: string;
      /** Bill a package instead of the minutes (the minutes are still recorded). */
      billing?: PackageBilling;
      /** How the work was done. */
      mode?: WorkModeName;
      /** Spare parts fitted (net cents each). */
      parts?: { description: string; cents: number; quantity?: number }[];
      /** Transport of the hardware (net cents). */
      transportCents?: number;
    }
  | { type: "reopen"; ticket: string; by: TechnicianRef; reason?: string }
  | { type: "authorize"; ticket: string; by: TechnicianRef; salesRep: string }
  | { type: "ack-page"; ticket: string; by: TechnicianRef };

/**
 * Stable error codes a desk maps to its own wording: HTTP status (`sendError.ts`), Slack wording
 * (`staffWording.ts`) and the board's `board.errors.<code>` locale lines, each checked complete.
 */
export const STAFF_ERROR_CODES = [
  "not-technician",
  "unknown-ticket",
  "already-claimed",
  "invalid-state",
  "invalid-input",
] as const;
export type StaffErrorCode = (typeof STAFF_ERROR_CODES)[number];

export type StaffActionResult =
  | { ok: true; ticket: TicketView; charge?: ChargeView }
  | { ok: false; code: StaffErrorCode; message: string };

export type TicketFilter = "open" | "mine" | "unclaimed" | "today" | "all";

/** What the runtime offers to desks. */
export interface StaffActions {
  perform(action: StaffAction): Promise<StaffActionResult>;
  listTickets(filter: TicketFilter, by?: TechnicianRef): Promise<TicketView[]>;
  getTicket(number: string): Promise<TicketView | null>;
  /**
   * Preview of the charge for a close, without closing (the Close modal shows it); null for an
   * unknown ticket. @throws CoverageError (stable `code`) on an unknown plan, category or package.
   */
  previewCharge(
    ticket: string,
    minutes: number,
    plan?: string,
    billing?: PackageBilling,
    extras?: CloseExtras,
  ): Promise<ChargeView | null>;
  /** The preset's packages (key, label, travel), for a Close form's billing choice. */
  listPackages?(): Promise<{ key: string; label: { it: string; en: string }; travel: boolean }[]>;
  /** Stores what a desk keeps for a ticket (e.g. its Slack card), under that desk's name only. */
  setDeskRef(ticket: string, desk: string, ref: Record<string, unknown>): Promise<void>;
  /** Resolve a technician; null when the person is not a technician. */
  findTechnician(by: TechnicianRef): Promise<TechnicianView | null>;
  /** The on-call rota between two instants, and who is on call at an instant. */
  listOnCall(from: Date, to: Date): Promise<OnCallShiftView[]>;
  setOnCall(
    by: TechnicianRef,
    shift: { technician: TechnicianRef; startsAt: Date; endsAt: Date },
  ): Promise<StaffActionResult | { ok: true; shift: OnCallShiftView }>;
  /**
   * A reply draft for the technician (AI), never sent to the customer by itself; null when
   * nothing could be drafted. Absent when AI is off: desks then offer no "Suggest reply".
   */
  suggestReply?(ticket: string): Promise<string | null>;
  /**
   * The preset's ticket categories, for a Close form's category choice (a close with any other
   * category is refused). Absent on older runtimes: desks then fall back to free text.
   */
  listCategories?(): Promise<{ key: string; label: { it: string; en: string } }[]>;
}

export interface OnCallShiftView {
  id: string;
  technician: TechnicianView;
  startsAt: string;
  endsAt: string;
}

/** Events the runtime publishes to desks, durably (retried until the desk accepts them). */
export type DeskEvent =
  | { type: "ticket.opened"; ticket: TicketView }
  | { type: "ticket.updated"; ticket: TicketView; change: string }
  | { type: "customer.message"; ticket: TicketView; text: string; attachments: TicketView["attachments"] }
  | {
      type: "staff.reply";
      ticket: TicketView;
      text: string;
      by: string;
      /** The desk the reply was typed on, when it said so: that desk can skip its own echo. */
      origin?: string;
    }
  | {
      type: "oncall.paged";
      ticket: TicketView;
      technician: TechnicianView | null;
      onCallLine: string | null;
      repeat: number;
    }
  | { type: "ticket.escalated"; ticket: TicketView; afterServiceMinutes: number }
  /**
   * The customer's personal data was erased (`ticket` is the anonymised view, its desk refs
   * kept): the desk removes what it posted about them for this ticket. Sent only to desks that
   * stored a reference for the ticket.
   */
  | { type: "ticket.erased"; ticket: TicketView };

/** A staff desk. `notify` throws to ask for a retry later. */
export interface StaffDesk {
  readonly name: string;
  start(actions: StaffActions): Promise<void>;
  stop(): Promise<void>;
  notify(event: DeskEvent): Promise<void>;
}

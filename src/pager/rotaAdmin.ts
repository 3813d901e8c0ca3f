/**
 * Editing who is paged and how, shared by the board, the CLI and Slack's command: a technician's
 * ordered ways to be reached (a Telegram way gets a one-time link code), the weekly rota, one-off
 * shifts and swaps, and who is on call now and next. Bad input throws {@link RotaError}.
 */
import { randomBytes } from "node:crypto";
import { DateTime } from "luxon";
import type { Database } from "../data/database.js";
import * as pagerStore from "../data/pagerStore.js";
import { CONTACT_KINDS, type ContactKind, type ContactRow } from "../data/pagerStore.js";
import * as rotaStore from "../data/rotaStore.js";
import { CodedError } from "../errors.js";
import type { Policy } from "../policy/schema.js";
import type { Clock } from "../runtime/clock.js";
import { type OnCallNow, onCallAt } from "./rota.js";

export type RotaErrorCode = "unknown-technician" | "invalid-way" | "invalid-shift" | "invalid-slot";

export class RotaError extends CodedError<RotaErrorCode> {}

export interface WayInput {
  kind: string;
  address?: string | null;
}

export interface SlotInput {
  technician: string;
  /** 1 = Monday … 7 = Sunday, or mon…sun */
  weekday: number | string;
  start: string;
  end: string;
  position?: number;
}

const WEEKDAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A new link code: "pg-" and 10 letters or digits. */
export function newLinkCode(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  return `pg-${[...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join("")}`;
}

/** Checks one way; the address is normalised (phones E.164 without spaces, e-mail lower case). */
function checkWay(way: WayInput): { kind: ContactKind; address: string | null } {
  const kind = way.kind.trim().toLowerCase();
  if (!(CONTACT_KINDS as readonly string[]).includes(kind))
    throw new RotaError(
      "invalid-way",
      `unknown way "${way.kind}": expected one of ${CONTACT_KINDS.join(", ")}`,
    );
  const raw = way.address?.trim() || null;
  const k = kind as ContactKind;
  if (k === "desk") return { kind: k, address: null };
  if (k === "telegram") {
    if (raw !== null && !/^-?\d{1,20}$/.test(raw))
      throw new RotaError(
        "invalid-way",
        `a Telegram way is linked with a code, or a numeric chat id (got "${raw}")`,
      );
    return { kind: k, address: raw };
  }
  if (k === "email") {
    if (!raw || !EMAIL.test(raw))
      throw new RotaError("invalid-way", `expected an e-mail address (got "${raw ?? ""}")`);
    return { kind: k, address: raw.toLowerCase() };
  }
  const phone = raw?.replace(/[\s./-]/g, "") ?? null;
  if (phone !== null && !E164.test(phone))
    throw new RotaError(
      "invalid-way",
      `expected a phone number in international form such as +393331234567 (got "${raw}")`,
    );
  return { kind: k, address: phone };
}

/** The rota and the ways, read and changed. */
export class RotaAdmin {
  constructor(
    private readonly db: Database,
    private readonly policy: Policy,
    private readonly clock: Clock,
  ) {}

  private async member(name: string) {
    const m = await this.db.session((tx) => pagerStore.findMember(tx, { name }));
    if (!m) throw new RotaError("unknown-technician", `no active technician "${name}"`);
    return m;
  }

  /** Every active technician (name and role), by name. */
  async technicians(): Promise<{ name: string; role: string }[]> {
    return (await this.db.session((tx) => pagerStore.activeMembers(tx))).map((m) => ({
      name: m.name,
      role: m.role,
    }));
  }

  /** A technician's ways in order. */
  async ways(name: string): Promise<ContactRow[]> {
    const m = await this.member(name);
    return this.db.session((tx) => pagerStore.contactsOf(tx, m.id));
  }

  /**
   * Replaces a technician's ways (in order). A Telegram way without a chat id keeps its link once
   * made; otherwise it gets a new link code, shown to the technician to send to the bot.
   */
  async setWays(name: string, ways: WayInput[]): Promise<ContactRow[]> {
    const m = await this.member(name);
    const checked = ways.map(checkWay);
    await this.db.transaction(async (tx) => {
      const before = await pagerStore.contactsOf(tx, m.id);
      const linked = before.find((c) => c.kind === "telegram" && c.address)?.address ?? null;
      const pending = before.find((c) => c.kind === "telegram" && c.linkCode)?.linkCode ?? null;
      await pagerStore.replaceContacts(
        tx,
        m.id,
        checked.map((w) =>
          w.kind === "telegram" && !w.address
            ? linked
              ? { ...w, address: linked, linkCode: null }
              : { ...w, linkCode: pending ?? newLinkCode() }
            : { ...w, linkCode: null },
        ),
        this.clock.now(),
      );
    });
    return this.db.session((tx) => pagerStore.contactsOf(tx, m.id));
  }

  /** Who is on call at `at` (default now) and who is next. */
  async onCall(at: Date = this.clock.now()): Promise<OnCallNow> {
    return this.db.session(async (tx) => {
      const weekly = await rotaStore.weeklySlots(tx);
      const shifts = await rotaStore.shiftsBetween(
        tx,
        new Date(at.getTime() - 8 * 86_400_000),
        new Date(at.getTime() + 8 * 86_400_000),
      );
      return onCallAt(this.policy.timezone, at, weekly, shifts);
    });
  }

  /** The weekly rota and the one-off shifts of the next `days` days (and the running ones). */
  async rota(days = 14) {
    const now = this.clock.now();
    return this.db.session(async (tx) => ({
      weekly: await rotaStore.weeklySlots(tx),
      shifts: await rotaStore.shiftsBetween(tx, now, new Date(now.getTime() + days * 86_400_000)),
    }));
  }

  /** Replaces the weekly rota. */
  async setWeekly(slots: SlotInput[]): Promise<void> {
    const rows: Parameters<typeof rotaStore.replaceWeekly>[1] = [];
    for (const s of slots) {
      const weekday =
        typeof s.weekday === "number" ? s.weekday : WEEKDAY_KEYS.indexOf(String(s.weekday).toLowerCase()) + 1;
      if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7)
        throw new RotaError("invalid-slot", `expected a weekday 1–7 or mon…sun (got "${s.weekday}")`);
      if (!TIME.test(s.start) || !TIME.test(s.end) || s.start >= s.end)
        throw new RotaError(
          "invalid-slot",
          `expected "HH:MM" times with the start before the end (got ${s.start}–${s.end})`,
        );
      const m = await this.member(s.technician);
      rows.push({
        technicianId: m.id,
        weekday,
        startTime: s.start,
        endTime: s.end,
        position: s.position ?? 0,
      });
    }
    await this.db.transaction((tx) => rotaStore.replaceWeekly(tx, rows));
  }

  /** Adds a one-off shift; `replaces` makes it a swap (that technician is not paged meanwhile). */
  async addShift(name: string, from: Date, to: Date, replaces?: string): Promise<string> {
    if (!(from instanceof Date) || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || !(to > from))
      throw new RotaError("invalid-shift", "a shift needs valid instants and must end after it starts");
    const m = await this.member(name);
    const r = replaces ? await this.member(replaces) : null;
    if (r && r.id === m.id) throw new RotaError("invalid-shift", "a swap needs two different technicians");
    return this.db.transaction((tx) =>
      rotaStore.addShift(tx, { technicianId: m.id, startsAt: from, endsAt: to, replacesId: r?.id ?? null }),
    );
  }

  /** Removes a one-off shift. */
  async removeShift(id: string): Promise<boolean> {
    return this.db.transaction((tx) => rotaStore.removeShift(tx, id));
  }

  /** An instant typed by staff: ISO, or local "YYYY-MM-DD HH:MM" in the policy's zone. */
  parseInstant(text: string): Date {
    const zone = this.policy.timezone;
    const t = /[zZ]|[+-]\d\d:?\d\d$/.test(text)
      ? DateTime.fromISO(text)
      : DateTime.fromISO(text.trim().replace(" ", "T"), { zone });
    if (!t.isValid)
      throw new RotaError("invalid-shift", `expected an instant such as 2027-03-27T09:00 (got "${text}")`);
    return t.toJSDate();
  }
}

/**
 * Who is on call and the rota, as the board's API and the CLI print them (JSON-ready): weekly
 * slots by weekday number (1 = Monday), one-off shifts with the technician they replace.
 */
export function rotaSummary(now: OnCallNow, { weekly, shifts }: Awaited<ReturnType<RotaAdmin["rota"]>>) {
  return {
    onCall: now.now.map((p) => p.name),
    next: now.next ? { technician: now.next.person.name, from: now.next.from.toISOString() } : null,
    weekly: weekly.map((w) => ({
      technician: w.technician,
      weekday: w.weekday,
      start: w.startTime,
      end: w.endTime,
      position: w.position,
    })),
    shifts: shifts.map((s) => ({
      id: s.id,
      technician: s.technician,
      from: s.startsAt.toISOString(),
      to: s.endsAt.toISOString(),
      replaces: s.replaces,
    })),
  };
}

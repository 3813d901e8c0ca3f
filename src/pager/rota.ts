/**
 * Who is on call at an instant, from the weekly rota and the one-off shifts (pure). One-off
 * shifts come first (the newest started first), then the weekly slot's people by position; a
 * swap's replaced technician is left out while the swap runs. "Next" is whoever's turn starts
 * next after the instant.
 */
import { DateTime } from "luxon";
import type { ShiftRow, WeeklySlotRow } from "../data/rotaStore.js";
import { minutesOfTime } from "../policy/schema.js";

export interface RotaPerson {
  id: string;
  name: string;
}

export interface OnCallNow {
  /** On call now, in paging order (first = the on-call technician, then the backups). */
  now: RotaPerson[];
  /** The next turn that starts after the instant, if any within a week. */
  next: { person: RotaPerson; from: Date } | null;
}

/** Does a weekly slot cover the local wall time `t`? */
function covers(slot: WeeklySlotRow, t: DateTime): boolean {
  if (t.weekday !== slot.weekday) return false;
  const minutes = t.hour * 60 + t.minute;
  return minutesOfTime(slot.startTime) <= minutes && minutes < minutesOfTime(slot.endTime);
}

/** The start of a weekly slot on the local day `day`, as an instant. */
function slotStart(slot: WeeklySlotRow, day: DateTime): Date {
  const m = minutesOfTime(slot.startTime);
  return day
    .startOf("day")
    .set({ hour: Math.floor(m / 60), minute: m % 60 })
    .toJSDate();
}

/** Who is on call at `at` (shifts overlapping it and the weekly slots, policy `zone`). */
export function onCallAt(zone: string, at: Date, weekly: WeeklySlotRow[], shifts: ShiftRow[]): OnCallNow {
  const t = DateTime.fromJSDate(at, { zone });
  const active = shifts.filter((s) => s.startsAt <= at && at < s.endsAt);
  const replaced = new Set(active.map((s) => s.replacesId).filter((id): id is string => id !== null));
  const people: RotaPerson[] = [];
  const add = (p: RotaPerson) => {
    if (!replaced.has(p.id) && !people.some((x) => x.id === p.id)) people.push(p);
  };
  for (const s of [...active].sort((a, b) => b.startsAt.getTime() - a.startsAt.getTime()))
    add({ id: s.technicianId, name: s.technician });
  for (const slot of weekly.filter((w) => covers(w, t)).sort((a, b) => a.position - b.position))
    add({ id: slot.technicianId, name: slot.technician });

  let next: OnCallNow["next"] = null;
  const consider = (person: RotaPerson, from: Date) => {
    if (from <= at || people.some((p) => p.id === person.id)) return;
    if (!next || from < next.from) next = { person, from };
  };
  for (const s of shifts) consider({ id: s.technicianId, name: s.technician }, s.startsAt);
  for (let d = 0; d <= 7; d++) {
    const day = t.plus({ days: d });
    for (const slot of weekly)
      if (slot.weekday === day.weekday)
        consider({ id: slot.technicianId, name: slot.technician }, slotStart(slot, day));
  }
  return { now: people, next };
}

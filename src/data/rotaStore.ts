/**
 * The on-call rota's SQL (issue 23), for SQLite and PostgreSQL over {@link SqlTx}: the weekly
 * slots and the one-off shifts (swaps name whom they replace). Who is on call at an instant is
 * decided from these rows by `src/pager/rota.ts` (pure).
 */
import { newId } from "./ids.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { date, iso, maybeStr, num, type SqlRow, type SqlTx, str } from "./sqlTx.js";

export interface WeeklySlotRow {
  id: string;
  technicianId: string;
  technician: string;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
  startTime: string;
  endTime: string;
  position: number;
}

export interface ShiftRow {
  id: string;
  technicianId: string;
  technician: string;
  startsAt: Date;
  endsAt: Date;
  /** A swap: the technician this shift stands in for. */
  replacesId: string | null;
  replaces: string | null;
}

const toSlot = (r: SqlRow): WeeklySlotRow => ({
  id: str(r.id),
  technicianId: str(r.technicianId),
  technician: str(r.technician),
  weekday: num(r.weekday),
  startTime: str(r.startTime),
  endTime: str(r.endTime),
  position: num(r.position),
});

const toShift = (r: SqlRow): ShiftRow => ({
  id: str(r.id),
  technicianId: str(r.technicianId),
  technician: str(r.technician),
  startsAt: date(r.startsAt),
  endsAt: date(r.endsAt),
  replacesId: maybeStr(r.replacesId),
  replaces: maybeStr(r.replaces),
});

const activeWeekly = statement((_p) =>
  qb
    .selectFrom("OnCallWeekly as w")
    .innerJoin("Technician as t", "t.id", "w.technicianId")
    .selectAll("w")
    .select("t.name as technician")
    .where("t.active", "=", 1)
    .orderBy("w.weekday")
    .orderBy("w.startTime")
    .orderBy("w.position"),
);
const deleteWeekly = statement((_p) => qb.deleteFrom("OnCallWeekly"));
const insertWeekly = statement<{
  id: string;
  technicianId: string;
  weekday: number;
  startTime: string;
  endTime: string;
  position: number;
}>((p) =>
  qb.insertInto("OnCallWeekly").values({
    id: p.id,
    technicianId: p.technicianId,
    weekday: p.weekday,
    startTime: p.startTime,
    endTime: p.endTime,
    position: p.position,
  }),
);
const activeShiftsOverlapping = statement<{ from: string; to: string }>((p) =>
  qb
    .selectFrom("OnCallShift as s")
    .innerJoin("Technician as t", "t.id", "s.technicianId")
    .leftJoin("Technician as r", "r.id", "s.replacesId")
    .select([
      "s.id",
      "s.technicianId",
      "s.startsAt",
      "s.endsAt",
      "s.replacesId",
      "t.name as technician",
      "r.name as replaces",
    ])
    .where("s.endsAt", ">", p.from)
    .where("s.startsAt", "<", p.to)
    .where("t.active", "=", 1)
    .orderBy("s.startsAt")
    .orderBy("s.id"),
);
const insertShift = statement<{
  id: string;
  technicianId: string;
  startsAt: string;
  endsAt: string;
  replacesId: string | null;
}>((p) =>
  qb.insertInto("OnCallShift").values({
    id: p.id,
    technicianId: p.technicianId,
    startsAt: p.startsAt,
    endsAt: p.endsAt,
    replacesId: p.replacesId,
  }),
);
const deleteShift = statement<{ id: string }>((p) => qb.deleteFrom("OnCallShift").where("id", "=", p.id));

/** The weekly rota of active technicians, by day, start and position. */
export async function weeklySlots(tx: SqlTx): Promise<WeeklySlotRow[]> {
  return (await tx.rows(activeWeekly.sql, ...activeWeekly.args({}))).map(toSlot);
}

/** Replaces the whole weekly rota. */
export async function replaceWeekly(
  tx: SqlTx,
  slots: { technicianId: string; weekday: number; startTime: string; endTime: string; position: number }[],
): Promise<void> {
  await tx.write(deleteWeekly.sql);
  for (const s of slots)
    await tx.write(
      insertWeekly.sql,
      ...insertWeekly.args({
        id: newId(),
        technicianId: s.technicianId,
        weekday: s.weekday,
        startTime: s.startTime,
        endTime: s.endTime,
        position: s.position,
      }),
    );
}

/** One-off shifts of active technicians overlapping [from, to), earliest first. */
export async function shiftsBetween(tx: SqlTx, from: Date, to: Date): Promise<ShiftRow[]> {
  return (
    await tx.rows(
      activeShiftsOverlapping.sql,
      ...activeShiftsOverlapping.args({ from: iso(from), to: iso(to) }),
    )
  ).map(toShift);
}

/** Adds a one-off shift (a swap when it names whom it replaces). */
export async function addShift(
  tx: SqlTx,
  s: { technicianId: string; startsAt: Date; endsAt: Date; replacesId: string | null },
): Promise<string> {
  const id = newId();
  await tx.write(
    insertShift.sql,
    ...insertShift.args({
      id,
      technicianId: s.technicianId,
      startsAt: iso(s.startsAt),
      endsAt: iso(s.endsAt),
      replacesId: s.replacesId,
    }),
  );
  return id;
}

/** Removes a one-off shift; false if there was none. */
export async function removeShift(tx: SqlTx, id: string): Promise<boolean> {
  return (await tx.run(deleteShift.sql, ...deleteShift.args({ id }))) === 1;
}

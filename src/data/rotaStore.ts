/**
 * The on-call rota's SQL (issue 23), for SQLite and PostgreSQL over {@link SqlTx}: the weekly
 * slots and the one-off shifts (swaps name whom they replace). Who is on call at an instant is
 * decided from these rows by `src/pager/rota.ts` (pure).
 */
import { newId } from "./ids.js";
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

/** The weekly rota of active technicians, by day, start and position. */
export async function weeklySlots(tx: SqlTx): Promise<WeeklySlotRow[]> {
  return (
    await tx.rows(
      `SELECT w.*, t."name" AS "technician" FROM "OnCallWeekly" w JOIN "Technician" t ON t."id" = w."technicianId"
       WHERE t."active" = TRUE ORDER BY w."weekday", w."startTime", w."position"`,
    )
  ).map(toSlot);
}

/** Replaces the whole weekly rota. */
export async function replaceWeekly(
  tx: SqlTx,
  slots: { technicianId: string; weekday: number; startTime: string; endTime: string; position: number }[],
): Promise<void> {
  await tx.write(`DELETE FROM "OnCallWeekly"`);
  for (const s of slots)
    await tx.write(
      `INSERT INTO "OnCallWeekly" ("id", "technicianId", "weekday", "startTime", "endTime", "position") VALUES (?, ?, ?, ?, ?, ?)`,
      newId(),
      s.technicianId,
      s.weekday,
      s.startTime,
      s.endTime,
      s.position,
    );
}

/** One-off shifts of active technicians overlapping [from, to), earliest first. */
export async function shiftsBetween(tx: SqlTx, from: Date, to: Date): Promise<ShiftRow[]> {
  return (
    await tx.rows(
      `SELECT s."id", s."technicianId", s."startsAt", s."endsAt", s."replacesId", t."name" AS "technician", r."name" AS "replaces"
       FROM "OnCallShift" s JOIN "Technician" t ON t."id" = s."technicianId" LEFT JOIN "Technician" r ON r."id" = s."replacesId"
       WHERE s."endsAt" > ? AND s."startsAt" < ? AND t."active" = TRUE ORDER BY s."startsAt", s."id"`,
      iso(from),
      iso(to),
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
    `INSERT INTO "OnCallShift" ("id", "technicianId", "startsAt", "endsAt", "replacesId") VALUES (?, ?, ?, ?, ?)`,
    id,
    s.technicianId,
    iso(s.startsAt),
    iso(s.endsAt),
    s.replacesId,
  );
  return id;
}

/** Removes a one-off shift; false if there was none. */
export async function removeShift(tx: SqlTx, id: string): Promise<boolean> {
  return (await tx.run(`DELETE FROM "OnCallShift" WHERE "id" = ?`, id)) === 1;
}

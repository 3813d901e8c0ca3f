/**
 * Technicians, their desk identities and on-call shifts, in SQL over {@link SqlTx} (the hot
 * path's statements are in `sqlCustomers.ts`). Given the database instead of a transaction, a
 * function runs on a session connection.
 */

import { onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import * as sql from "./sqlCustomers.js";
import { date, iso, type SqlRow, type SqlTx, str } from "./sqlTx.js";

// ---------------------------------------------------------------------------------------------
// Technicians and on-call

export interface TechnicianRecord {
  id: string;
  name: string;
  phone: string | null;
  /** How the technician is known on each messaging desk (slack, email…); the board login is not one. */
  identities: Partial<Record<string, string>>;
}

/** An active technician by id, name, or identity on a desk. */
export async function findTechnician(
  on: SqlExecutor,
  by: { id: string } | { name: string } | { desk: string; externalId: string },
): Promise<TechnicianRecord | null> {
  return onSql(on, (tx) => sql.findTechnician(tx, by));
}

/** Adds (or updates) a technician, with their identities on desks (e.g. `{ slack: "U012AB3CD" }`). */
export async function upsertTechnician(
  on: SqlExecutor,
  t: { name: string; phone?: string | null; identities?: Partial<Record<"slack" | "email", string>> },
): Promise<TechnicianRecord> {
  return onSql(on, async (tx) => {
    const existing = await tx.row(`SELECT "id", "name", "phone" FROM "Technician" WHERE "name" = ?`, t.name);
    let row: SqlRow;
    if (!existing) {
      row = { id: newId(), name: t.name, phone: t.phone ?? null };
      await tx.write(
        `INSERT INTO "Technician" ("id", "name", "phone", "active", "role", "createdAt") VALUES (?, ?, ?, TRUE, 'technician', ?)`,
        str(row.id),
        t.name,
        t.phone ?? null,
        iso(new Date()),
      );
    } else if (t.phone !== undefined) {
      row = { ...existing, phone: t.phone };
      await tx.write(`UPDATE "Technician" SET "phone" = ? WHERE "id" = ?`, t.phone, str(existing.id));
    } else {
      row = existing;
    }
    for (const [desk, externalId] of Object.entries(t.identities ?? {})) {
      if (!externalId) continue;
      await tx.write(
        `INSERT INTO "TechnicianIdentity" ("id", "technicianId", "desk", "externalId", "createdAt") VALUES (?, ?, ?, ?, ?)
         ON CONFLICT ("technicianId", "desk") DO UPDATE SET "externalId" = excluded."externalId"`,
        newId(),
        str(row.id),
        desk,
        externalId,
        iso(new Date()),
      );
    }
    return sql.toTechnician(tx, row);
  });
}

export async function onCallAt(on: SqlExecutor, at: Date): Promise<TechnicianRecord | null> {
  return onSql(on, (tx) => sql.onCallAt(tx, at));
}

/** A shift with its technician (and their desk identities). */
export interface ShiftRecord {
  id: string;
  startsAt: Date;
  endsAt: Date;
  technician: TechnicianRecord;
}

const SHIFT = `SELECT s."id" AS "shiftId", s."startsAt", s."endsAt", t."id", t."name", t."phone"
  FROM "OnCallShift" s JOIN "Technician" t ON t."id" = s."technicianId"`;

async function toShift(tx: SqlTx, r: SqlRow): Promise<ShiftRecord> {
  return {
    id: str(r.shiftId),
    startsAt: date(r.startsAt),
    endsAt: date(r.endsAt),
    technician: await sql.toTechnician(tx, r),
  };
}

/** The shifts overlapping [from, to), earliest first. */
export async function listShifts(on: SqlExecutor, from: Date, to: Date): Promise<ShiftRecord[]> {
  return onSql(on, async (tx) => {
    const rows = await tx.rows(
      `${SHIFT} WHERE s."endsAt" > ? AND s."startsAt" < ? ORDER BY s."startsAt" ASC`,
      iso(from),
      iso(to),
    );
    const shifts: ShiftRecord[] = [];
    for (const r of rows) shifts.push(await toShift(tx, r));
    return shifts;
  });
}

export async function addShift(
  on: SqlExecutor,
  s: { technicianId: string; startsAt: Date; endsAt: Date },
): Promise<ShiftRecord> {
  return onSql(on, async (tx) => {
    const id = newId();
    await tx.write(
      `INSERT INTO "OnCallShift" ("id", "technicianId", "startsAt", "endsAt") VALUES (?, ?, ?, ?)`,
      id,
      s.technicianId,
      iso(s.startsAt),
      iso(s.endsAt),
    );
    return toShift(tx, (await tx.row(`${SHIFT} WHERE s."id" = ?`, id))!);
  });
}

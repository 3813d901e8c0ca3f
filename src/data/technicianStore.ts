/**
 * Technicians, their desk identities and on-call shifts, in SQL over {@link SqlTx} (the hot
 * path's statements are in `sqlCustomers.ts`). Given the database instead of a transaction, a
 * function runs on a session connection.
 */

import type { StaffRole } from "../desk/board/staffAuth.js";
import { onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { qb, statement } from "./schema/queryBuilder.js";
import * as sql from "./sqlCustomers.js";
import { date, iso, type SqlRow, type SqlTx, str } from "./sqlTx.js";

const technicianByName = statement<{ name: string }>((p) =>
  qb.selectFrom("Technician").select(["id", "name", "phone"]).where("name", "=", p.name),
);
const insertTechnician = statement<{
  id: string;
  name: string;
  phone: string | null;
  role: StaffRole;
  createdAt: string;
}>((p) =>
  qb.insertInto("Technician").values({
    id: p.id,
    name: p.name,
    phone: p.phone,
    active: 1,
    role: p.role,
    createdAt: p.createdAt,
  }),
);
const setTechnicianPhone = statement<{ id: string; phone: string | null }>((p) =>
  qb.updateTable("Technician").set({ phone: p.phone }).where("id", "=", p.id),
);
/** A technician's id on a desk (Slack, the board…): set, or replaced for that desk. */
export const putDeskIdentity = statement<{
  id: string;
  technicianId: string;
  desk: string;
  externalId: string;
  createdAt: string;
}>((p) =>
  qb
    .insertInto("TechnicianIdentity")
    .values({
      id: p.id,
      technicianId: p.technicianId,
      desk: p.desk,
      externalId: p.externalId,
      createdAt: p.createdAt,
    })
    .onConflict((oc) =>
      oc
        .columns(["technicianId", "desk"])
        .doUpdateSet((eb) => ({ externalId: eb.ref("excluded.externalId") })),
    ),
);

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

/**
 * Adds an active technician with no desk identity and returns their id: `t.id` when given (seeds
 * whose ids other data names), else a new one. The one INSERT of a technician row.
 */
export async function createTechnician(
  on: SqlExecutor,
  t: { id?: string; name: string; role: StaffRole; phone?: string | null; at?: Date },
): Promise<string> {
  const id = t.id ?? newId();
  await onSql(on, (tx) =>
    tx.write(
      insertTechnician.sql,
      ...insertTechnician.args({
        id,
        name: t.name,
        phone: t.phone ?? null,
        role: t.role,
        createdAt: iso(t.at ?? new Date()),
      }),
    ),
  );
  return id;
}

/** Adds (or updates) a technician, with their identities on desks (e.g. `{ slack: "U012AB3CD" }`). */
export async function upsertTechnician(
  on: SqlExecutor,
  t: { name: string; phone?: string | null; identities?: Partial<Record<"slack" | "email", string>> },
): Promise<TechnicianRecord> {
  return onSql(on, async (tx) => {
    const existing = await tx.row(technicianByName.sql, ...technicianByName.args({ name: t.name }));
    let row: SqlRow;
    if (!existing) {
      const id = await createTechnician(tx, { name: t.name, role: "technician", phone: t.phone ?? null });
      row = { id, name: t.name, phone: t.phone ?? null };
    } else if (t.phone !== undefined) {
      row = { ...existing, phone: t.phone };
      await tx.write(
        setTechnicianPhone.sql,
        ...setTechnicianPhone.args({ id: str(existing.id), phone: t.phone }),
      );
    } else {
      row = existing;
    }
    for (const [desk, externalId] of Object.entries(t.identities ?? {})) {
      if (!externalId) continue;
      await tx.write(
        putDeskIdentity.sql,
        ...putDeskIdentity.args({
          id: newId(),
          technicianId: str(row.id),
          desk,
          externalId,
          createdAt: iso(new Date()),
        }),
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

const SHIFT = qb
  .selectFrom("OnCallShift as s")
  .innerJoin("Technician as t", "t.id", "s.technicianId")
  .select(["s.id as shiftId", "s.startsAt", "s.endsAt", "t.id", "t.name", "t.phone"]);
const shiftsOverlapping = statement<{ from: string; to: string }>((p) =>
  SHIFT.where("s.endsAt", ">", p.from).where("s.startsAt", "<", p.to).orderBy("s.startsAt", "asc"),
);
const shiftById = statement<{ id: string }>((p) => SHIFT.where("s.id", "=", p.id));
const insertShift = statement<{ id: string; technicianId: string; startsAt: string; endsAt: string }>((p) =>
  qb
    .insertInto("OnCallShift")
    .values({ id: p.id, technicianId: p.technicianId, startsAt: p.startsAt, endsAt: p.endsAt }),
);

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
      shiftsOverlapping.sql,
      ...shiftsOverlapping.args({ from: iso(from), to: iso(to) }),
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
      insertShift.sql,
      ...insertShift.args({
        id,
        technicianId: s.technicianId,
        startsAt: iso(s.startsAt),
        endsAt: iso(s.endsAt),
      }),
    );
    return toShift(tx, (await tx.row(shiftById.sql, ...shiftById.args({ id })))!);
  });
}

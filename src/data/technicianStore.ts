/**
 * Technicians, their desk identities and on-call shifts, over Prisma or the hot path's
 * {@link SqlTx} (whose SQL is in `sqlCustomers.ts`).
 */

import { clientOf, type Executor, type PrismaExecutor, prismaOf } from "./database.js";
import * as sql from "./sqlCustomers.js";
import { SqlTx } from "./sqlTx.js";

// ---------------------------------------------------------------------------------------------
// Technicians and on-call

export interface TechnicianRecord {
  id: string;
  name: string;
  phone: string | null;
  /** How the technician is known on each messaging desk (slack, email…); the board login is not one. */
  identities: Partial<Record<string, string>>;
}

/** Technician rows with their desk identities. */
const withIdentities = {
  identities: { where: { desk: { not: "board" } }, select: { desk: true, externalId: true } },
} as const;

type TechnicianRow = {
  id: string;
  name: string;
  phone: string | null;
  identities: { desk: string; externalId: string }[];
};

function toTechnician(row: TechnicianRow): TechnicianRecord {
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    identities: Object.fromEntries(row.identities.map((i) => [i.desk, i.externalId])),
  };
}

/** An active technician by id, name, or identity on a desk. */
export async function findTechnician(
  on: Executor,
  by: { id: string } | { name: string } | { desk: string; externalId: string },
): Promise<TechnicianRecord | null> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.findTechnician(tx, by);
  const where =
    "id" in by
      ? { id: by.id }
      : "name" in by
        ? { name: by.name }
        : { identities: { some: { desk: by.desk, externalId: by.externalId } } };
  const row = await tx.technician.findFirst({ where: { ...where, active: true }, include: withIdentities });
  return row ? toTechnician(row) : null;
}

/** Adds (or updates) a technician, with their identities on desks (e.g. `{ slack: "U012AB3CD" }`). */
export async function upsertTechnician(
  on: PrismaExecutor,
  t: { name: string; phone?: string | null; identities?: Partial<Record<"slack" | "email", string>> },
): Promise<TechnicianRecord> {
  const tx = prismaOf(on);
  const row = await tx.technician.upsert({
    where: { name: t.name },
    create: { name: t.name, phone: t.phone ?? null },
    update: { ...(t.phone !== undefined ? { phone: t.phone } : {}) },
  });
  for (const [desk, externalId] of Object.entries(t.identities ?? {})) {
    if (!externalId) continue;
    await tx.technicianIdentity.upsert({
      where: { technicianId_desk: { technicianId: row.id, desk } },
      create: { technicianId: row.id, desk, externalId },
      update: { externalId },
    });
  }
  return toTechnician(
    await tx.technician.findUniqueOrThrow({ where: { id: row.id }, include: withIdentities }),
  );
}

export async function onCallAt(on: Executor, at: Date): Promise<TechnicianRecord | null> {
  const tx = clientOf(on);
  if (tx instanceof SqlTx) return sql.onCallAt(tx, at);
  const shift = await tx.onCallShift.findFirst({
    where: { startsAt: { lte: at }, endsAt: { gt: at }, technician: { active: true } },
    include: { technician: { include: withIdentities } },
    orderBy: { startsAt: "desc" },
  });
  return shift ? toTechnician(shift.technician) : null;
}

/** A shift with its technician (and their desk identities). */
export interface ShiftRecord {
  id: string;
  startsAt: Date;
  endsAt: Date;
  technician: TechnicianRecord;
}

export async function listShifts(on: PrismaExecutor, from: Date, to: Date): Promise<ShiftRecord[]> {
  const tx = prismaOf(on);
  const rows = await tx.onCallShift.findMany({
    where: { endsAt: { gt: from }, startsAt: { lt: to } },
    include: { technician: { include: withIdentities } },
    orderBy: { startsAt: "asc" },
  });
  return rows.map((r) => ({
    id: r.id,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    technician: toTechnician(r.technician),
  }));
}

export async function addShift(
  on: PrismaExecutor,
  s: { technicianId: string; startsAt: Date; endsAt: Date },
): Promise<ShiftRecord> {
  const tx = prismaOf(on);
  const r = await tx.onCallShift.create({ data: s, include: { technician: { include: withIdentities } } });
  return { id: r.id, startsAt: r.startsAt, endsAt: r.endsAt, technician: toTechnician(r.technician) };
}

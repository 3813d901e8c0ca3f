/**
 * Staff access on the database: technicians' roles, their board identity (login name and
 * password hash), one-time invite links and board sessions (hashes only; see
 * src/desk/board/staffAuth.ts).
 */

import type {
  InviteRecord,
  SessionMode,
  StaffAccessStore,
  StaffAccount,
  StaffRole,
} from "../desk/board/staffAuth.js";
import type { Database } from "./database.js";
import { type PrismaExecutor, prismaOf } from "./database.js";

/** The board login key of a name: NFC, trimmed, lower case. */
export function boardLogin(name: string): string {
  return name.normalize("NFC").trim().toLowerCase();
}

const withBoard = { identities: { where: { desk: "board" }, select: { secretHash: true } } } as const;

type Row = {
  id: string;
  name: string;
  role: string;
  active: boolean;
  identities: { secretHash: string | null }[];
};

function toAccount(row: Row | null): StaffAccount | null {
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    role: row.role === "admin" ? "admin" : "technician",
    active: row.active,
    hasPassword: Boolean(row.identities[0]?.secretHash),
  };
}

export function createStaffAccessStore(db: Database): StaffAccessStore {
  const prisma = db.prisma;
  return {
    async findByName(name) {
      const login = boardLogin(name);
      const byLogin = await prisma.technicianIdentity.findUnique({
        where: { desk_externalId: { desk: "board", externalId: login } },
        select: { technician: { include: withBoard } },
      });
      if (byLogin) return toAccount(byLogin.technician);
      const exact = await prisma.technician.findUnique({ where: { name: name.trim() }, include: withBoard });
      if (exact) return toAccount(exact);
      // Names are few; SQLite's lower() folds ASCII only, so compare in JS for the rest.
      const all = await prisma.technician.findMany({ include: withBoard });
      return toAccount(all.find((t) => boardLogin(t.name) === login) ?? null);
    },
    async findById(id) {
      return toAccount(await prisma.technician.findUnique({ where: { id }, include: withBoard }));
    },
    async passwordHash(technicianId) {
      const row = await prisma.technicianIdentity.findUnique({
        where: { technicianId_desk: { technicianId, desk: "board" } },
        select: { secretHash: true },
      });
      return row?.secretHash ?? null;
    },
    async list() {
      const rows = await prisma.technician.findMany({ include: withBoard, orderBy: { name: "asc" } });
      return rows.map((r) => toAccount(r)!);
    },
    async create(name, role) {
      const row = await prisma.technician.create({
        data: { name, role, identities: { create: { desk: "board", externalId: boardLogin(name) } } },
        include: withBoard,
      });
      return toAccount(row)!;
    },
    async setPassword(technicianId, hash) {
      const technician = await prisma.technician.findUniqueOrThrow({ where: { id: technicianId } });
      await prisma.technicianIdentity.upsert({
        where: { technicianId_desk: { technicianId, desk: "board" } },
        create: { technicianId, desk: "board", externalId: boardLogin(technician.name), secretHash: hash },
        update: { secretHash: hash },
      });
    },
    async setRole(technicianId, role: StaffRole) {
      await prisma.technician.update({ where: { id: technicianId }, data: { role } });
    },
    async setActive(technicianId, active) {
      await prisma.technician.update({ where: { id: technicianId }, data: { active } });
    },
    async createInvite(invite) {
      await prisma.$transaction([
        prisma.staffInvite.updateMany({
          where: { technicianId: invite.technicianId, usedAt: null, revokedAt: null },
          data: { revokedAt: invite.now },
        }),
        prisma.staffInvite.create({
          data: {
            technicianId: invite.technicianId,
            tokenHash: invite.tokenHash,
            purpose: invite.purpose,
            expiresAt: invite.expiresAt,
            createdAt: invite.now,
          },
        }),
      ]);
    },
    async findInvite(tokenHash): Promise<InviteRecord | null> {
      const row = await prisma.staffInvite.findUnique({ where: { tokenHash } });
      return row
        ? {
            technicianId: row.technicianId,
            purpose: row.purpose === "reset" ? "reset" : "invite",
            expiresAt: row.expiresAt,
            usedAt: row.usedAt,
            revokedAt: row.revokedAt,
          }
        : null;
    },
    async useInvite(tokenHash, now) {
      const { count } = await prisma.staffInvite.updateMany({
        where: { tokenHash, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
      });
      return count === 1;
    },
    async pendingInvite(technicianId, now) {
      const row = await prisma.staffInvite.findFirst({
        where: { technicianId, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
        orderBy: { expiresAt: "desc" },
      });
      return row?.expiresAt ?? null;
    },
    async revokeInvites(technicianId, now) {
      await prisma.staffInvite.updateMany({
        where: { technicianId, usedAt: null, revokedAt: null },
        data: { revokedAt: now },
      });
    },
    async createSession(session) {
      await prisma.staffSession.create({ data: session });
    },
    async findSession(tokenHash) {
      const row = await prisma.staffSession.findUnique({ where: { tokenHash } });
      return row
        ? {
            technicianId: row.technicianId,
            mode: row.mode as SessionMode,
            expiresAt: row.expiresAt,
            revokedAt: row.revokedAt,
          }
        : null;
    },
    async revokeSessions(technicianId, now, exceptTokenHash) {
      const { count } = await prisma.staffSession.updateMany({
        where: {
          technicianId,
          revokedAt: null,
          ...(exceptTokenHash ? { tokenHash: { not: exceptTokenHash } } : {}),
        },
        data: { revokedAt: now },
      });
      return count;
    },
    async revokeSession(tokenHash, now) {
      await prisma.staffSession.updateMany({
        where: { tokenHash, revokedAt: null },
        data: { revokedAt: now },
      });
    },
    async liveSessions(now) {
      const rows = await prisma.staffSession.groupBy({
        by: ["technicianId"],
        where: { revokedAt: null, expiresAt: { gt: now } },
        _count: { _all: true },
      });
      return new Map(rows.map((r) => [r.technicianId, r._count._all]));
    },
  };
}

/** Desks a technician can have an identity on. */
export type TechnicianDesk = "board" | "slack" | "email";

/**
 * Records how a technician is known on a desk (Slack member id, e-mail address), replacing the
 * previous identity on that desk. Refused (`identity-taken`) when another technician has it.
 */
export async function setTechnicianIdentity(
  on: PrismaExecutor,
  technicianId: string,
  desk: Exclude<TechnicianDesk, "board">,
  externalId: string,
): Promise<void> {
  const prisma = prismaOf(on);
  const value = desk === "email" ? externalId.trim().toLowerCase() : externalId.trim();
  const owner = await prisma.technicianIdentity.findUnique({
    where: { desk_externalId: { desk, externalId: value } },
  });
  if (owner && owner.technicianId !== technicianId) {
    throw Object.assign(new Error(`${desk} identity ${value} belongs to another technician`), {
      code: "identity-taken",
    });
  }
  await prisma.technicianIdentity.upsert({
    where: { technicianId_desk: { technicianId, desk } },
    create: { technicianId, desk, externalId: value },
    update: { externalId: value },
  });
}

/** Every technician's identities per desk (without secrets), keyed by technician id. */
export async function technicianIdentities(
  on: PrismaExecutor,
): Promise<Map<string, Partial<Record<TechnicianDesk, string>>>> {
  const prisma = prismaOf(on);
  const rows = await prisma.technicianIdentity.findMany({
    select: { technicianId: true, desk: true, externalId: true },
  });
  const map = new Map<string, Partial<Record<TechnicianDesk, string>>>();
  for (const row of rows) {
    const entry = map.get(row.technicianId) ?? {};
    entry[row.desk as TechnicianDesk] = row.externalId;
    map.set(row.technicianId, entry);
  }
  return map;
}

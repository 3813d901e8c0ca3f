/**
 * Staff access on the database: technicians' roles, their board identity (login name and
 * password hash), one-time invite links and board sessions (hashes only; see
 * src/desk/board/staffAuth.ts). SQL over {@link SqlTx}, one text for both providers.
 */

import type {
  InviteRecord,
  SessionMode,
  StaffAccessStore,
  StaffAccount,
  StaffRole,
} from "../desk/board/staffAuth.js";
import { type Database, onSql, type SqlExecutor } from "./database.js";
import { newId } from "./ids.js";
import { bool, date, iso, maybeDate, maybeStr, num, type SqlRow, type SqlTx, str } from "./sqlTx.js";

/** The board login key of a name: NFC, trimmed, lower case. */
export function boardLogin(name: string): string {
  return name.normalize("NFC").trim().toLowerCase();
}

/** A technician with their board password hash (at most one board identity each). */
const ACCOUNT = `SELECT t."id", t."name", t."role", t."active", i."secretHash" FROM "Technician" t
  LEFT JOIN "TechnicianIdentity" i ON i."technicianId" = t."id" AND i."desk" = 'board'`;

function toAccount(row: SqlRow | undefined): StaffAccount | null {
  if (!row) return null;
  return {
    id: str(row.id),
    name: str(row.name),
    role: row.role === "admin" ? "admin" : "technician",
    active: bool(row.active),
    hasPassword: Boolean(maybeStr(row.secretHash)),
  };
}

/** Inserts a technician's identity on a desk, or replaces the one they have there. */
async function putIdentity(
  tx: SqlTx,
  technicianId: string,
  desk: TechnicianDesk,
  set: { externalId: string } | { externalId: string; secretHash: string | null },
): Promise<void> {
  if ("secretHash" in set) {
    await tx.run(
      `INSERT INTO "TechnicianIdentity" ("id", "technicianId", "desk", "externalId", "secretHash", "createdAt")
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT ("technicianId", "desk") DO UPDATE SET "secretHash" = excluded."secretHash"`,
      newId(),
      technicianId,
      desk,
      set.externalId,
      set.secretHash,
      iso(new Date()),
    );
  } else {
    await tx.run(
      `INSERT INTO "TechnicianIdentity" ("id", "technicianId", "desk", "externalId", "createdAt")
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT ("technicianId", "desk") DO UPDATE SET "externalId" = excluded."externalId"`,
      newId(),
      technicianId,
      desk,
      set.externalId,
      iso(new Date()),
    );
  }
}

/** Staff access on `db` (each call on a session connection; the invite swap in a transaction). */
export function createStaffAccessStore(db: Database): StaffAccessStore {
  const sql = <T>(work: (tx: SqlTx) => T | Promise<T>): Promise<T> => onSql(db, work);
  return {
    findByName(name) {
      return sql(async (tx) => {
        const login = boardLogin(name);
        const byLogin = await tx.row(
          `${ACCOUNT} WHERE t."id" = (SELECT "technicianId" FROM "TechnicianIdentity" WHERE "desk" = 'board' AND "externalId" = ?)`,
          login,
        );
        if (byLogin) return toAccount(byLogin);
        const exact = await tx.row(`${ACCOUNT} WHERE t."name" = ?`, name.trim());
        if (exact) return toAccount(exact);
        // Names are few; SQLite's lower() folds ASCII only, so compare in JS for the rest.
        const all = await tx.rows(ACCOUNT);
        return toAccount(all.find((t) => boardLogin(str(t.name)) === login));
      });
    },
    findById(id) {
      return sql(async (tx) => toAccount(await tx.row(`${ACCOUNT} WHERE t."id" = ?`, id)));
    },
    passwordHash(technicianId) {
      return sql(async (tx) => {
        const row = await tx.row(
          `SELECT "secretHash" FROM "TechnicianIdentity" WHERE "technicianId" = ? AND "desk" = 'board'`,
          technicianId,
        );
        return maybeStr(row?.secretHash);
      });
    },
    list() {
      return sql(async (tx) => (await tx.rows(`${ACCOUNT} ORDER BY t."name" ASC`)).map((r) => toAccount(r)!));
    },
    create(name, role) {
      return db.transaction(async (tx) => {
        const id = newId();
        const at = iso(new Date());
        await tx.run(
          `INSERT INTO "Technician" ("id", "name", "active", "role", "createdAt") VALUES (?, ?, TRUE, ?, ?)`,
          id,
          name,
          role,
          at,
        );
        await tx.run(
          `INSERT INTO "TechnicianIdentity" ("id", "technicianId", "desk", "externalId", "createdAt") VALUES (?, ?, 'board', ?, ?)`,
          newId(),
          id,
          boardLogin(name),
          at,
        );
        return { id, name, role, active: true, hasPassword: false };
      });
    },
    setPassword(technicianId, hash) {
      return db.transaction(async (tx) => {
        const technician = await tx.row(`SELECT "name" FROM "Technician" WHERE "id" = ?`, technicianId);
        if (!technician) throw new Error(`no technician with id ${technicianId}`);
        await putIdentity(tx, technicianId, "board", {
          externalId: boardLogin(str(technician.name)),
          secretHash: hash,
        });
      });
    },
    async setRole(technicianId, role: StaffRole) {
      await sql((tx) => tx.run(`UPDATE "Technician" SET "role" = ? WHERE "id" = ?`, role, technicianId));
    },
    async setActive(technicianId, active) {
      await sql((tx) =>
        tx.run(`UPDATE "Technician" SET "active" = ? WHERE "id" = ?`, active ? 1 : 0, technicianId),
      );
    },
    createInvite(invite) {
      return db.transaction(async (tx) => {
        await tx.write(
          `UPDATE "StaffInvite" SET "revokedAt" = ? WHERE "technicianId" = ? AND "usedAt" IS NULL AND "revokedAt" IS NULL`,
          iso(invite.now),
          invite.technicianId,
        );
        await tx.write(
          `INSERT INTO "StaffInvite" ("id", "technicianId", "tokenHash", "purpose", "createdAt", "expiresAt") VALUES (?, ?, ?, ?, ?, ?)`,
          newId(),
          invite.technicianId,
          invite.tokenHash,
          invite.purpose,
          iso(invite.now),
          iso(invite.expiresAt),
        );
      });
    },
    findInvite(tokenHash): Promise<InviteRecord | null> {
      return sql(async (tx) => {
        const row = await tx.row(
          `SELECT "technicianId", "purpose", "expiresAt", "usedAt", "revokedAt" FROM "StaffInvite" WHERE "tokenHash" = ?`,
          tokenHash,
        );
        return row
          ? {
              technicianId: str(row.technicianId),
              purpose: row.purpose === "reset" ? "reset" : "invite",
              expiresAt: date(row.expiresAt),
              usedAt: maybeDate(row.usedAt),
              revokedAt: maybeDate(row.revokedAt),
            }
          : null;
      });
    },
    useInvite(tokenHash, now) {
      return sql(
        async (tx) =>
          (await tx.run(
            `UPDATE "StaffInvite" SET "usedAt" = ? WHERE "tokenHash" = ? AND "usedAt" IS NULL AND "revokedAt" IS NULL AND "expiresAt" > ?`,
            iso(now),
            tokenHash,
            iso(now),
          )) === 1,
      );
    },
    pendingInvite(technicianId, now) {
      return sql(async (tx) => {
        const row = await tx.row(
          `SELECT "expiresAt" FROM "StaffInvite" WHERE "technicianId" = ? AND "usedAt" IS NULL AND "revokedAt" IS NULL AND "expiresAt" > ?
           ORDER BY "expiresAt" DESC LIMIT 1`,
          technicianId,
          iso(now),
        );
        return maybeDate(row?.expiresAt);
      });
    },
    async revokeInvites(technicianId, now) {
      await sql((tx) =>
        tx.run(
          `UPDATE "StaffInvite" SET "revokedAt" = ? WHERE "technicianId" = ? AND "usedAt" IS NULL AND "revokedAt" IS NULL`,
          iso(now),
          technicianId,
        ),
      );
    },
    async createSession(session) {
      await sql((tx) =>
        tx.run(
          `INSERT INTO "StaffSession" ("id", "technicianId", "tokenHash", "mode", "createdAt", "expiresAt") VALUES (?, ?, ?, ?, ?, ?)`,
          newId(),
          session.technicianId,
          session.tokenHash,
          session.mode,
          iso(new Date()),
          iso(session.expiresAt),
        ),
      );
    },
    findSession(tokenHash) {
      return sql(async (tx) => {
        const row = await tx.row(
          `SELECT "technicianId", "mode", "expiresAt", "revokedAt" FROM "StaffSession" WHERE "tokenHash" = ?`,
          tokenHash,
        );
        return row
          ? {
              technicianId: str(row.technicianId),
              mode: str(row.mode) as SessionMode,
              expiresAt: date(row.expiresAt),
              revokedAt: maybeDate(row.revokedAt),
            }
          : null;
      });
    },
    revokeSessions(technicianId, now, exceptTokenHash) {
      return sql((tx) =>
        exceptTokenHash
          ? tx.run(
              `UPDATE "StaffSession" SET "revokedAt" = ? WHERE "technicianId" = ? AND "revokedAt" IS NULL AND "tokenHash" <> ?`,
              iso(now),
              technicianId,
              exceptTokenHash,
            )
          : tx.run(
              `UPDATE "StaffSession" SET "revokedAt" = ? WHERE "technicianId" = ? AND "revokedAt" IS NULL`,
              iso(now),
              technicianId,
            ),
      );
    },
    async revokeSession(tokenHash, now) {
      await sql((tx) =>
        tx.run(
          `UPDATE "StaffSession" SET "revokedAt" = ? WHERE "tokenHash" = ? AND "revokedAt" IS NULL`,
          iso(now),
          tokenHash,
        ),
      );
    },
    liveSessions(now) {
      return sql(async (tx) => {
        const rows = await tx.rows(
          `SELECT "technicianId", COUNT(*) AS "live" FROM "StaffSession" WHERE "revokedAt" IS NULL AND "expiresAt" > ? GROUP BY "technicianId"`,
          iso(now),
        );
        return new Map(rows.map((r) => [str(r.technicianId), num(r.live)]));
      });
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
  on: SqlExecutor,
  technicianId: string,
  desk: Exclude<TechnicianDesk, "board">,
  externalId: string,
): Promise<void> {
  const value = desk === "email" ? externalId.trim().toLowerCase() : externalId.trim();
  await onSql(on, async (tx) => {
    const owner = await tx.row(
      `SELECT "technicianId" FROM "TechnicianIdentity" WHERE "desk" = ? AND "externalId" = ?`,
      desk,
      value,
    );
    if (owner && owner.technicianId !== technicianId) {
      throw Object.assign(new Error(`${desk} identity ${value} belongs to another technician`), {
        code: "identity-taken",
      });
    }
    await putIdentity(tx, technicianId, desk, { externalId: value });
  });
}

/** Every technician's identities per desk (without secrets), keyed by technician id. */
export async function technicianIdentities(
  on: SqlExecutor,
): Promise<Map<string, Partial<Record<TechnicianDesk, string>>>> {
  const rows = await onSql(on, (tx) =>
    tx.rows(`SELECT "technicianId", "desk", "externalId" FROM "TechnicianIdentity"`),
  );
  const map = new Map<string, Partial<Record<TechnicianDesk, string>>>();
  for (const row of rows) {
    const entry = map.get(str(row.technicianId)) ?? {};
    entry[str(row.desk) as TechnicianDesk] = str(row.externalId);
    map.set(str(row.technicianId), entry);
  }
  return map;
}

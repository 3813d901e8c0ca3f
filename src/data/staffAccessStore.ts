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
import { qb, statement } from "./schema/queryBuilder.js";
import { completeRow } from "./schema/rows.js";
import { bool, date, iso, maybeDate, maybeStr, num, type SqlRow, type SqlTx, str } from "./sqlTx.js";
import { inviteSql, sessionSql } from "./staffAccessSql.js";
import { createTechnician, putDeskIdentity } from "./technicianStore.js";

/** The board login key of a name: NFC, trimmed, lower case. */
export function boardLogin(name: string): string {
  return name.normalize("NFC").trim().toLowerCase();
}

/** A technician with their board password hash (at most one board identity each). */
const ACCOUNT = qb
  .selectFrom("Technician as t")
  .leftJoin("TechnicianIdentity as i", (join) =>
    join.onRef("i.technicianId", "=", "t.id").on("i.desk", "=", "board"),
  )
  .select(["t.id", "t.name", "t.role", "t.active", "i.secretHash"]);
const accountByLogin = statement<{ login: string }>((p) =>
  ACCOUNT.where("t.id", "=", (eb) =>
    eb
      .selectFrom("TechnicianIdentity")
      .select("technicianId")
      .where("desk", "=", "board")
      .where("externalId", "=", p.login),
  ),
);
const accountByName = statement<{ name: string }>((p) => ACCOUNT.where("t.name", "=", p.name));
const accountById = statement<{ id: string }>((p) => ACCOUNT.where("t.id", "=", p.id));
const allAccounts = statement((_p) => ACCOUNT);
const accountsByName = statement((_p) => ACCOUNT.orderBy("t.name", "asc"));
const boardSecret = statement<{ technicianId: string }>((p) =>
  qb
    .selectFrom("TechnicianIdentity")
    .select("secretHash")
    .where("technicianId", "=", p.technicianId)
    .where("desk", "=", "board"),
);
const technicianName = statement<{ id: string }>((p) =>
  qb.selectFrom("Technician").select("name").where("id", "=", p.id),
);
const setRole = statement<{ id: string; role: StaffRole }>((p) =>
  qb.updateTable("Technician").set({ role: p.role }).where("id", "=", p.id),
);
const setActive = statement<{ id: string; active: 0 | 1 }>((p) =>
  qb.updateTable("Technician").set({ active: p.active }).where("id", "=", p.id),
);

interface NewIdentity {
  id: string;
  technicianId: string;
  desk: TechnicianDesk;
  externalId: string;
  createdAt: string;
}
const putSecret = statement<NewIdentity & { secretHash: string | null }>((p) =>
  qb
    .insertInto("TechnicianIdentity")
    .values({
      id: p.id,
      technicianId: p.technicianId,
      desk: p.desk,
      externalId: p.externalId,
      secretHash: p.secretHash,
      createdAt: p.createdAt,
    })
    .onConflict((oc) =>
      oc
        .columns(["technicianId", "desk"])
        .doUpdateSet((eb) => ({ secretHash: eb.ref("excluded.secretHash") })),
    ),
);
const insertBoardIdentity = statement<Omit<NewIdentity, "desk">>((p) =>
  qb.insertInto("TechnicianIdentity").values({
    id: p.id,
    technicianId: p.technicianId,
    desk: "board",
    externalId: p.externalId,
    createdAt: p.createdAt,
  }),
);
const identityOwner = statement<{ desk: TechnicianDesk; externalId: string }>((p) =>
  qb
    .selectFrom("TechnicianIdentity")
    .select("technicianId")
    .where("desk", "=", p.desk)
    .where("externalId", "=", p.externalId),
);
const allIdentities = statement((_p) =>
  qb.selectFrom("TechnicianIdentity").select(["technicianId", "desk", "externalId"]),
);

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
  const identity = {
    id: newId(),
    technicianId,
    desk,
    externalId: set.externalId,
    createdAt: iso(new Date()),
  };
  if ("secretHash" in set) {
    await tx.run(putSecret.sql, ...putSecret.args({ ...identity, secretHash: set.secretHash }));
  } else {
    await tx.run(putDeskIdentity.sql, ...putDeskIdentity.args(identity));
  }
}

/** Staff access on `db` (each call on a session connection; the invite swap in a transaction). */
export function createStaffAccessStore(db: Database): StaffAccessStore {
  const sql = <T>(work: (tx: SqlTx) => T | Promise<T>): Promise<T> => onSql(db, work);
  return {
    findByName(name) {
      return sql(async (tx) => {
        const login = boardLogin(name);
        const byLogin = await tx.row(accountByLogin.sql, ...accountByLogin.args({ login }));
        if (byLogin) return toAccount(byLogin);
        const exact = await tx.row(accountByName.sql, ...accountByName.args({ name: name.trim() }));
        if (exact) return toAccount(exact);
        // Names are few; SQLite's lower() folds ASCII only, so compare in JS for the rest.
        const all = await tx.rows(allAccounts.sql, ...allAccounts.args({}));
        return toAccount(all.find((t) => boardLogin(str(t.name)) === login));
      });
    },
    findById(id) {
      return sql(async (tx) => toAccount(await tx.row(accountById.sql, ...accountById.args({ id }))));
    },
    passwordHash(technicianId) {
      return sql(async (tx) => {
        const row = await tx.row(boardSecret.sql, ...boardSecret.args({ technicianId }));
        return maybeStr(row?.secretHash);
      });
    },
    list() {
      return sql(async (tx) =>
        (await tx.rows(accountsByName.sql, ...accountsByName.args({}))).map((r) => toAccount(r)!),
      );
    },
    create(name, role) {
      return db.transaction(async (tx) => {
        const at = new Date();
        const id = await createTechnician(tx, { name, role, at });
        await tx.run(
          insertBoardIdentity.sql,
          ...insertBoardIdentity.args({
            id: newId(),
            technicianId: id,
            externalId: boardLogin(name),
            createdAt: iso(at),
          }),
        );
        return { id, name, role, active: true, hasPassword: false };
      });
    },
    setPassword(technicianId, hash) {
      return db.transaction(async (tx) => {
        const technician = await tx.row(technicianName.sql, ...technicianName.args({ id: technicianId }));
        if (!technician) throw new Error(`no technician with id ${technicianId}`);
        await putIdentity(tx, technicianId, "board", {
          externalId: boardLogin(str(technician.name)),
          secretHash: hash,
        });
      });
    },
    async setRole(technicianId, role: StaffRole) {
      await sql((tx) => tx.run(setRole.sql, ...setRole.args({ id: technicianId, role })));
    },
    async setActive(technicianId, active) {
      await sql((tx) =>
        tx.run(setActive.sql, ...setActive.args({ id: technicianId, active: active ? 1 : 0 })),
      );
    },
    createInvite(invite) {
      return db.transaction(async (tx) => {
        await tx.write(
          inviteSql.revokeOpen.sql,
          ...inviteSql.revokeOpen.args({ technicianId: invite.technicianId, at: iso(invite.now) }),
        );
        await tx.write(
          inviteSql.insert.sql,
          ...inviteSql.insert.args(
            completeRow("StaffInvite", {
              id: newId(),
              technicianId: invite.technicianId,
              tokenHash: invite.tokenHash,
              purpose: invite.purpose,
              createdAt: invite.now,
              expiresAt: invite.expiresAt,
            }),
          ),
        );
      });
    },
    findInvite(tokenHash): Promise<InviteRecord | null> {
      return sql(async (tx) => {
        const row = await tx.row(inviteSql.byToken.sql, ...inviteSql.byToken.args({ tokenHash }));
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
          (await tx.run(inviteSql.use.sql, ...inviteSql.use.args({ tokenHash, now: iso(now) }))) === 1,
      );
    },
    pendingInvite(technicianId, now) {
      return sql(async (tx) => {
        const row = await tx.row(
          inviteSql.pending.sql,
          ...inviteSql.pending.args({ technicianId, now: iso(now) }),
        );
        return maybeDate(row?.expiresAt);
      });
    },
    async revokeInvites(technicianId, now) {
      await sql((tx) =>
        tx.run(inviteSql.revokeOpen.sql, ...inviteSql.revokeOpen.args({ technicianId, at: iso(now) })),
      );
    },
    async createSession(session) {
      await sql((tx) =>
        tx.run(
          sessionSql.insert.sql,
          ...sessionSql.insert.args(
            completeRow("StaffSession", {
              id: newId(),
              technicianId: session.technicianId,
              tokenHash: session.tokenHash,
              mode: session.mode,
              createdAt: new Date(),
              expiresAt: session.expiresAt,
            }),
          ),
        ),
      );
    },
    findSession(tokenHash) {
      return sql(async (tx) => {
        const row = await tx.row(sessionSql.byToken.sql, ...sessionSql.byToken.args({ tokenHash }));
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
              sessionSql.revokeOthers.sql,
              ...sessionSql.revokeOthers.args({ technicianId, at: iso(now), except: exceptTokenHash }),
            )
          : tx.run(sessionSql.revokeAll.sql, ...sessionSql.revokeAll.args({ technicianId, at: iso(now) })),
      );
    },
    async revokeSession(tokenHash, now) {
      await sql((tx) =>
        tx.run(sessionSql.revoke.sql, ...sessionSql.revoke.args({ tokenHash, at: iso(now) })),
      );
    },
    liveSessions(now) {
      return sql(async (tx) => {
        const rows = await tx.rows(sessionSql.live.sql, ...sessionSql.live.args({ now: iso(now) }));
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
    const owner = await tx.row(identityOwner.sql, ...identityOwner.args({ desk, externalId: value }));
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
  const rows = await onSql(on, (tx) => tx.rows(allIdentities.sql, ...allIdentities.args({})));
  const map = new Map<string, Partial<Record<TechnicianDesk, string>>>();
  for (const row of rows) {
    const entry = map.get(str(row.technicianId)) ?? {};
    entry[str(row.desk) as TechnicianDesk] = str(row.externalId);
    map.set(str(row.technicianId), entry);
  }
  return map;
}

/**
 * The SQL of staff invites and board sessions (`staffAccessStore.ts`), compiled once when this
 * module loads.
 */
import { qb, statement } from "./schema/queryBuilder.js";
import { insertRow } from "./schema/rows.js";

/** One-time invite (and reset) links: only a hash of the token is stored. */
export const inviteSql = {
  revokeOpen: statement<{ technicianId: string; at: string }>((p) =>
    qb
      .updateTable("StaffInvite")
      .set({ revokedAt: p.at })
      .where("technicianId", "=", p.technicianId)
      .where("usedAt", "is", null)
      .where("revokedAt", "is", null),
  ),
  insert: insertRow("StaffInvite"),
  byToken: statement<{ tokenHash: string }>((p) =>
    qb
      .selectFrom("StaffInvite")
      .select(["technicianId", "purpose", "expiresAt", "usedAt", "revokedAt"])
      .where("tokenHash", "=", p.tokenHash),
  ),
  use: statement<{ tokenHash: string; now: string }>((p) =>
    qb
      .updateTable("StaffInvite")
      .set({ usedAt: p.now })
      .where("tokenHash", "=", p.tokenHash)
      .where("usedAt", "is", null)
      .where("revokedAt", "is", null)
      .where("expiresAt", ">", p.now),
  ),
  pending: statement<{ technicianId: string; now: string }>((p) =>
    qb
      .selectFrom("StaffInvite")
      .select("expiresAt")
      .where("technicianId", "=", p.technicianId)
      .where("usedAt", "is", null)
      .where("revokedAt", "is", null)
      .where("expiresAt", ">", p.now)
      .orderBy("expiresAt", "desc")
      .limit(1),
  ),
};

/** Board sessions (hashes of their tokens). */
export const sessionSql = {
  insert: insertRow("StaffSession"),
  byToken: statement<{ tokenHash: string }>((p) =>
    qb
      .selectFrom("StaffSession")
      .select(["technicianId", "mode", "expiresAt", "revokedAt"])
      .where("tokenHash", "=", p.tokenHash),
  ),
  revokeAll: statement<{ technicianId: string; at: string }>((p) =>
    qb
      .updateTable("StaffSession")
      .set({ revokedAt: p.at })
      .where("technicianId", "=", p.technicianId)
      .where("revokedAt", "is", null),
  ),
  revokeOthers: statement<{ technicianId: string; at: string; except: string }>((p) =>
    qb
      .updateTable("StaffSession")
      .set({ revokedAt: p.at })
      .where("technicianId", "=", p.technicianId)
      .where("revokedAt", "is", null)
      .where("tokenHash", "<>", p.except),
  ),
  revoke: statement<{ tokenHash: string; at: string }>((p) =>
    qb
      .updateTable("StaffSession")
      .set({ revokedAt: p.at })
      .where("tokenHash", "=", p.tokenHash)
      .where("revokedAt", "is", null),
  ),
  live: statement<{ now: string }>((p) =>
    qb
      .selectFrom("StaffSession")
      .select((eb) => ["technicianId", eb.fn.countAll().as("live")])
      .where("revokedAt", "is", null)
      .where("expiresAt", ">", p.now)
      .groupBy("technicianId"),
  ),
};

/**
 * The pager's SQL (issue 23), written once for SQLite and PostgreSQL over {@link SqlTx}: the
 * ordered ways each technician is reached, pages and their attempts. The rota's queries are in
 * `rotaStore.ts`.
 */
import { newId } from "./ids.js";
import { PgTx } from "./pgTx.js";
import { date, iso, maybeDate, maybeStr, num, type SqlRow, type SqlTx, str } from "./sqlTx.js";

/** How a technician can be reached. */
export const CONTACT_KINDS = ["desk", "telegram", "whatsapp", "email", "sms", "voice"] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export interface ContactRow {
  id: string;
  technicianId: string;
  position: number;
  kind: ContactKind;
  /** Telegram chat id, E.164 phone or e-mail address; null for "desk" and an unlinked Telegram. */
  address: string | null;
  linkCode: string | null;
}

export interface StaffMember {
  id: string;
  name: string;
  role: string;
  phone: string | null;
}

export interface PageRow {
  id: string;
  subject: "ticket" | "outage";
  ticket: string | null;
  text: string;
  status: "open" | "acknowledged" | "exhausted" | "ended";
  step: number;
  ackedBy: string | null;
  ackedVia: string | null;
  ackedAt: Date | null;
  createdAt: Date;
}

export interface AttemptRow {
  id: string;
  pageId: string;
  step: number;
  technicianId: string | null;
  technician: string;
  kind: string;
  address: string | null;
  outcome: "sent" | "failed";
  error: string | null;
  ref: string | null;
  at: Date;
}

const toContact = (r: SqlRow): ContactRow => ({
  id: str(r.id),
  technicianId: str(r.technicianId),
  position: num(r.position),
  kind: str(r.kind) as ContactKind,
  address: maybeStr(r.address),
  linkCode: maybeStr(r.linkCode),
});

const toPage = (r: SqlRow): PageRow => ({
  id: str(r.id),
  subject: str(r.subject) as PageRow["subject"],
  ticket: maybeStr(r.ticket),
  text: str(r.text),
  status: str(r.status) as PageRow["status"],
  step: num(r.step),
  ackedBy: maybeStr(r.ackedBy),
  ackedVia: maybeStr(r.ackedVia),
  ackedAt: maybeDate(r.ackedAt),
  createdAt: date(r.createdAt),
});

const toAttempt = (r: SqlRow): AttemptRow => ({
  id: str(r.id),
  pageId: str(r.pageId),
  step: num(r.step),
  technicianId: maybeStr(r.technicianId),
  technician: str(r.technician),
  kind: str(r.kind),
  address: maybeStr(r.address),
  outcome: str(r.outcome) as AttemptRow["outcome"],
  error: maybeStr(r.error),
  ref: maybeStr(r.ref),
  at: date(r.at),
});

// ---------------------------------------------------------------------------------------------
// Technicians and their ways to be reached

const MEMBER = `SELECT "id", "name", "role", "phone" FROM "Technician"`;
const toMember = (r: SqlRow): StaffMember => ({
  id: str(r.id),
  name: str(r.name),
  role: str(r.role),
  phone: maybeStr(r.phone),
});

/** An active technician by id or name. */
export async function findMember(
  tx: SqlTx,
  by: { id: string } | { name: string },
): Promise<StaffMember | null> {
  const r =
    "id" in by
      ? await tx.row(`${MEMBER} WHERE "id" = ? AND "active" = TRUE`, by.id)
      : await tx.row(`${MEMBER} WHERE "name" = ? AND "active" = TRUE`, by.name);
  return r ? toMember(r) : null;
}

/** Active administrators, by name. */
export async function activeAdmins(tx: SqlTx): Promise<StaffMember[]> {
  return (await tx.rows(`${MEMBER} WHERE "role" = 'admin' AND "active" = TRUE ORDER BY "name"`)).map(
    toMember,
  );
}

/** Every active technician, by name. */
export async function activeMembers(tx: SqlTx): Promise<StaffMember[]> {
  return (await tx.rows(`${MEMBER} WHERE "active" = TRUE ORDER BY "name"`)).map(toMember);
}

/** A technician's ways to be reached, in order. */
export async function contactsOf(tx: SqlTx, technicianId: string): Promise<ContactRow[]> {
  return (
    await tx.rows(
      `SELECT * FROM "TechnicianContact" WHERE "technicianId" = ? ORDER BY "position", "createdAt"`,
      technicianId,
    )
  ).map(toContact);
}

/** Replaces a technician's ways to be reached (in the given order). */
export async function replaceContacts(
  tx: SqlTx,
  technicianId: string,
  contacts: { kind: ContactKind; address: string | null; linkCode: string | null }[],
  at: Date,
): Promise<void> {
  await tx.write(`DELETE FROM "TechnicianContact" WHERE "technicianId" = ?`, technicianId);
  let position = 0;
  for (const c of contacts) {
    await tx.write(
      `INSERT INTO "TechnicianContact" ("id", "technicianId", "position", "kind", "address", "linkCode", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?)`,
      newId(),
      technicianId,
      position++,
      c.kind,
      c.address,
      c.linkCode,
      iso(at),
    );
  }
}

/** The (unlinked) contact waiting for this link code. */
export async function contactByLinkCode(tx: SqlTx, code: string): Promise<ContactRow | null> {
  const r = await tx.row(`SELECT * FROM "TechnicianContact" WHERE "linkCode" = ?`, code);
  return r ? toContact(r) : null;
}

/** Links a contact to its address (a Telegram chat) and drops the code. */
export async function linkContact(tx: SqlTx, id: string, address: string): Promise<void> {
  await tx.write(
    `UPDATE "TechnicianContact" SET "address" = ?, "linkCode" = NULL WHERE "id" = ?`,
    address,
    id,
  );
}

/** The technicians reached at this address by a way of one of these kinds. */
export async function membersByContact(
  tx: SqlTx,
  kinds: readonly ContactKind[],
  address: string,
): Promise<StaffMember[]> {
  const marks = kinds.map(() => "?").join(", ");
  return (
    await tx.rows(
      `SELECT DISTINCT t."id", t."name", t."role", t."phone" FROM "TechnicianContact" c JOIN "Technician" t ON t."id" = c."technicianId"
       WHERE c."kind" IN (${marks}) AND lower(c."address") = lower(?) AND t."active" = TRUE`,
      ...kinds,
      address,
    )
  ).map(toMember);
}

// ---------------------------------------------------------------------------------------------
// Pages and attempts

export async function createPage(
  tx: SqlTx,
  p: { subject: PageRow["subject"]; ticket: string | null; text: string; at: Date },
): Promise<string> {
  const id = newId();
  await tx.write(
    `INSERT INTO "Page" ("id", "subject", "ticket", "text", "status", "step", "createdAt") VALUES (?, ?, ?, ?, 'open', 0, ?)`,
    id,
    p.subject,
    p.ticket,
    p.text,
    iso(p.at),
  );
  return id;
}

export async function findPage(tx: SqlTx, id: string): Promise<PageRow | null> {
  const r = await tx.row(`SELECT * FROM "Page" WHERE "id" = ?`, id);
  return r ? toPage(r) : null;
}

/** The open page of a ticket, if any. */
export async function openPageOfTicket(tx: SqlTx, ticket: string): Promise<PageRow | null> {
  const r = await tx.row(
    `SELECT * FROM "Page" WHERE "ticket" = ? AND "status" = 'open' ORDER BY "createdAt" DESC LIMIT 1`,
    ticket,
  );
  return r ? toPage(r) : null;
}

/**
 * Serialises the outage notices of one component across instances until the transaction ends:
 * PostgreSQL, a transaction-level advisory lock on the component (a second instance waits, then
 * reads the page the first one committed); SQLite, nothing (its one writer runs one transaction
 * at a time).
 */
export async function lockOutage(tx: SqlTx, component: string): Promise<void> {
  if (tx instanceof PgTx)
    await tx.write("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", `outage:${component}`);
}

/** Open pages, oldest first. */
export async function openPages(tx: SqlTx): Promise<PageRow[]> {
  return (await tx.rows(`SELECT * FROM "Page" WHERE "status" = 'open' ORDER BY "createdAt"`)).map(toPage);
}

/** Pages of a ticket, newest first. */
export async function pagesOfTicket(tx: SqlTx, ticket: string): Promise<PageRow[]> {
  return (await tx.rows(`SELECT * FROM "Page" WHERE "ticket" = ? ORDER BY "createdAt" DESC`, ticket)).map(
    toPage,
  );
}

/** Recent pages (any status), newest first. */
export async function recentPages(tx: SqlTx, limit: number): Promise<PageRow[]> {
  return (await tx.rows(`SELECT * FROM "Page" ORDER BY "createdAt" DESC LIMIT ?`, limit)).map(toPage);
}

/**
 * Moves an open page from step `from` to `to`; false when another pass (or instance) already did,
 * or the page is no longer open: that pass does nothing.
 */
export async function advancePage(tx: SqlTx, id: string, from: number, to: number): Promise<boolean> {
  const changed = await tx.run(
    `UPDATE "Page" SET "step" = ? WHERE "id" = ? AND "step" = ? AND "status" = 'open'`,
    to,
    id,
    from,
  );
  return changed === 1;
}

/** Ends an open page (acknowledged, exhausted or ended); false when it was not open any more. */
export async function endPage(
  tx: SqlTx,
  id: string,
  status: Exclude<PageRow["status"], "open">,
  ack: { by: string; via: string; at: Date } | null,
): Promise<boolean> {
  const changed = await tx.run(
    `UPDATE "Page" SET "status" = ?, "ackedBy" = ?, "ackedVia" = ?, "ackedAt" = ? WHERE "id" = ? AND "status" = 'open'`,
    status,
    ack?.by ?? null,
    ack?.via ?? null,
    ack ? iso(ack.at) : null,
    id,
  );
  return changed === 1;
}

export async function addAttempt(tx: SqlTx, a: Omit<AttemptRow, "id">): Promise<string> {
  const id = newId();
  await tx.write(
    `INSERT INTO "PageAttempt" ("id", "pageId", "step", "technicianId", "technician", "kind", "address", "outcome", "error", "ref", "at")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    a.pageId,
    a.step,
    a.technicianId,
    a.technician,
    a.kind,
    a.address,
    a.outcome,
    a.error,
    a.ref,
    iso(a.at),
  );
  return id;
}

export async function attemptsOf(tx: SqlTx, pageId: string): Promise<AttemptRow[]> {
  return (await tx.rows(`SELECT * FROM "PageAttempt" WHERE "pageId" = ? ORDER BY "at", "step"`, pageId)).map(
    toAttempt,
  );
}

/** The attempt a provider reference (a Twilio Call SID) belongs to. */
export async function attemptByRef(tx: SqlTx, ref: string): Promise<AttemptRow | null> {
  const r = await tx.row(`SELECT * FROM "PageAttempt" WHERE "ref" = ? LIMIT 1`, ref);
  return r ? toAttempt(r) : null;
}

/** The newest open page that reached this technician (what a bare "ok" acknowledges). */
export async function openPageReaching(tx: SqlTx, technicianId: string): Promise<PageRow | null> {
  const r = await tx.row(
    `SELECT p.* FROM "Page" p JOIN "PageAttempt" a ON a."pageId" = p."id"
     WHERE a."technicianId" = ? AND p."status" = 'open' ORDER BY a."at" DESC LIMIT 1`,
    technicianId,
  );
  return r ? toPage(r) : null;
}

/**
 * The pager's SQL (issue 23), written once for SQLite and PostgreSQL over {@link SqlTx}: the
 * ordered ways each technician is reached, pages and their attempts. The rota's queries are in
 * `rotaStore.ts`.
 */
import { newId } from "./ids.js";
import { pageSql } from "./pageSql.js";
import { PgTx } from "./pgTx.js";
import { perShape, qb, type Statement, statement } from "./schema/queryBuilder.js";
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

const MEMBER = qb.selectFrom("Technician").select(["id", "name", "role", "phone"]);
const activeMemberById = statement<{ id: string }>((p) =>
  MEMBER.where("id", "=", p.id).where("active", "=", 1),
);
const activeMemberByName = statement<{ name: string }>((p) =>
  MEMBER.where("name", "=", p.name).where("active", "=", 1),
);
const activeAdminsByName = statement((_p) =>
  MEMBER.where("role", "=", "admin").where("active", "=", 1).orderBy("name"),
);
const activeMembersByName = statement((_p) => MEMBER.where("active", "=", 1).orderBy("name"));
const contactsOfTechnician = statement<{ technicianId: string }>((p) =>
  qb
    .selectFrom("TechnicianContact")
    .selectAll()
    .where("technicianId", "=", p.technicianId)
    .orderBy("position")
    .orderBy("createdAt"),
);
const deleteContacts = statement<{ technicianId: string }>((p) =>
  qb.deleteFrom("TechnicianContact").where("technicianId", "=", p.technicianId),
);
const insertContact = statement<{
  id: string;
  technicianId: string;
  position: number;
  kind: ContactKind;
  address: string | null;
  linkCode: string | null;
  createdAt: string;
}>((p) =>
  qb.insertInto("TechnicianContact").values({
    id: p.id,
    technicianId: p.technicianId,
    position: p.position,
    kind: p.kind,
    address: p.address,
    linkCode: p.linkCode,
    createdAt: p.createdAt,
  }),
);
const contactWithLinkCode = statement<{ code: string }>((p) =>
  qb.selectFrom("TechnicianContact").selectAll().where("linkCode", "=", p.code),
);
const setContactAddress = statement<{ id: string; address: string }>((p) =>
  qb.updateTable("TechnicianContact").set({ address: p.address, linkCode: null }).where("id", "=", p.id),
);

/** {@link membersByContact}'s statement per number of kinds (compiled on first use). */
const membersByContactStatement = perShape(
  (n: number): Statement<{ kinds: readonly ContactKind[]; address: string }> => {
    const kinds = Array.from({ length: n }, (_, i) => `kind${i}` as const);
    const inner = statement<{ [kind: `kind${number}`]: ContactKind; address: string }>((p) =>
      qb
        .selectFrom("TechnicianContact as c")
        .innerJoin("Technician as t", "t.id", "c.technicianId")
        .select(["t.id", "t.name", "t.role", "t.phone"])
        .distinct()
        // p[k] is a parameter: the proxy answers every name.
        .where(
          "c.kind",
          "in",
          kinds.map((k) => p[k]!),
        )
        .where((eb) => eb(eb.fn("lower", ["c.address"]), "=", eb.fn("lower", [eb.val(p.address)])))
        .where("t.active", "=", 1),
    );
    return {
      sql: inner.sql,
      args: ({ kinds: given, address }) =>
        inner.args({ ...Object.fromEntries(given.map((k, i) => [`kind${i}`, k])), address }),
    };
  },
);
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
      ? await tx.row(activeMemberById.sql, ...activeMemberById.args({ id: by.id }))
      : await tx.row(activeMemberByName.sql, ...activeMemberByName.args({ name: by.name }));
  return r ? toMember(r) : null;
}

/** Active administrators, by name. */
export async function activeAdmins(tx: SqlTx): Promise<StaffMember[]> {
  return (await tx.rows(activeAdminsByName.sql, ...activeAdminsByName.args({}))).map(toMember);
}

/** Every active technician, by name. */
export async function activeMembers(tx: SqlTx): Promise<StaffMember[]> {
  return (await tx.rows(activeMembersByName.sql, ...activeMembersByName.args({}))).map(toMember);
}

/** A technician's ways to be reached, in order. */
export async function contactsOf(tx: SqlTx, technicianId: string): Promise<ContactRow[]> {
  return (await tx.rows(contactsOfTechnician.sql, ...contactsOfTechnician.args({ technicianId }))).map(
    toContact,
  );
}

/** Replaces a technician's ways to be reached (in the given order). */
export async function replaceContacts(
  tx: SqlTx,
  technicianId: string,
  contacts: { kind: ContactKind; address: string | null; linkCode: string | null }[],
  at: Date,
): Promise<void> {
  await tx.write(deleteContacts.sql, ...deleteContacts.args({ technicianId }));
  let position = 0;
  for (const c of contacts) {
    await tx.write(
      insertContact.sql,
      ...insertContact.args({
        id: newId(),
        technicianId,
        position: position++,
        kind: c.kind,
        address: c.address,
        linkCode: c.linkCode,
        createdAt: iso(at),
      }),
    );
  }
}

/** The (unlinked) contact waiting for this link code. */
export async function contactByLinkCode(tx: SqlTx, code: string): Promise<ContactRow | null> {
  const r = await tx.row(contactWithLinkCode.sql, ...contactWithLinkCode.args({ code }));
  return r ? toContact(r) : null;
}

/** Links a contact to its address (a Telegram chat) and drops the code. */
export async function linkContact(tx: SqlTx, id: string, address: string): Promise<void> {
  await tx.write(setContactAddress.sql, ...setContactAddress.args({ id, address }));
}

/** The technicians reached at this address by a way of one of these kinds. */
export async function membersByContact(
  tx: SqlTx,
  kinds: readonly ContactKind[],
  address: string,
): Promise<StaffMember[]> {
  const select = membersByContactStatement(kinds.length);
  return (await tx.rows(select.sql, ...select.args({ kinds, address }))).map(toMember);
}

// ---------------------------------------------------------------------------------------------
// Pages and attempts

export async function createPage(
  tx: SqlTx,
  p: { subject: PageRow["subject"]; ticket: string | null; text: string; at: Date },
): Promise<string> {
  const id = newId();
  await tx.write(
    pageSql.insert.sql,
    ...pageSql.insert.args({ id, subject: p.subject, ticket: p.ticket, text: p.text, createdAt: iso(p.at) }),
  );
  return id;
}

export async function findPage(tx: SqlTx, id: string): Promise<PageRow | null> {
  const r = await tx.row(pageSql.byId.sql, ...pageSql.byId.args({ id }));
  return r ? toPage(r) : null;
}

/** The open page of a ticket, if any. */
export async function openPageOfTicket(tx: SqlTx, ticket: string): Promise<PageRow | null> {
  const r = await tx.row(pageSql.openOfTicket.sql, ...pageSql.openOfTicket.args({ ticket }));
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
    await tx.write(pageSql.outageLock.sql, ...pageSql.outageLock.args({ key: `outage:${component}` }));
}

/** Open pages, oldest first. */
export async function openPages(tx: SqlTx): Promise<PageRow[]> {
  return (await tx.rows(pageSql.open.sql, ...pageSql.open.args({}))).map(toPage);
}

/** Pages of a ticket, newest first. */
export async function pagesOfTicket(tx: SqlTx, ticket: string): Promise<PageRow[]> {
  return (await tx.rows(pageSql.ofTicket.sql, ...pageSql.ofTicket.args({ ticket }))).map(toPage);
}

/** Recent pages (any status), newest first. */
export async function recentPages(tx: SqlTx, limit: number): Promise<PageRow[]> {
  return (await tx.rows(pageSql.newest.sql, ...pageSql.newest.args({ limit }))).map(toPage);
}

/**
 * Moves an open page from step `from` to `to`; false when another pass (or instance) already did,
 * or the page is no longer open: that pass does nothing.
 */
export async function advancePage(tx: SqlTx, id: string, from: number, to: number): Promise<boolean> {
  const changed = await tx.run(pageSql.advance.sql, ...pageSql.advance.args({ id, from, to }));
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
    pageSql.end.sql,
    ...pageSql.end.args({
      id,
      status,
      by: ack?.by ?? null,
      via: ack?.via ?? null,
      at: ack ? iso(ack.at) : null,
    }),
  );
  return changed === 1;
}

export async function addAttempt(tx: SqlTx, a: Omit<AttemptRow, "id">): Promise<string> {
  const id = newId();
  await tx.write(pageSql.insertAttempt.sql, ...pageSql.insertAttempt.args({ ...a, id, at: iso(a.at) }));
  return id;
}

export async function attemptsOf(tx: SqlTx, pageId: string): Promise<AttemptRow[]> {
  return (await tx.rows(pageSql.attemptsOf.sql, ...pageSql.attemptsOf.args({ pageId }))).map(toAttempt);
}

/** The attempt a provider reference (a Twilio Call SID) belongs to. */
export async function attemptByRef(tx: SqlTx, ref: string): Promise<AttemptRow | null> {
  const r = await tx.row(pageSql.attemptByRef.sql, ...pageSql.attemptByRef.args({ ref }));
  return r ? toAttempt(r) : null;
}

/** The newest open page that reached this technician (what a bare "ok" acknowledges). */
export async function openPageReaching(tx: SqlTx, technicianId: string): Promise<PageRow | null> {
  const r = await tx.row(pageSql.openReaching.sql, ...pageSql.openReaching.args({ technicianId }));
  return r ? toPage(r) : null;
}

/**
 * The hot path's SQL for tickets, written once for SQLite and PostgreSQL
 * (see {@link SqlTx}); values stored exactly as Prisma stores them.
 */
import { newId } from "./ids.js";
import { columnNames, completeRow, insertRow, type NewRow, rowReader } from "./schema/rows.js";
import { iso, type SqlArg, type SqlRow, type SqlTx, str } from "./sqlTx.js";
import type { TicketRow, TicketUpdate } from "./ticketStore.js";

// ---------------------------------------------------------------------------------------------
// Tickets

/** Every column of a ticket (a statement prefix). */
export const TICKET = `SELECT * FROM "Ticket"`;

/** A stored ticket row as the repositories see it (see rows.ts). */
export const toTicket = rowReader("Ticket");
const INSERT_TICKET = insertRow("Ticket");

/**
 * The next readable number. On PostgreSQL it is taken outside the caller's transaction (see
 * {@link SqlTx.outside}): the counter row is locked only for that statement, so tickets opened
 * at once never wait for each other's transactions to end; a transaction that fails after taking
 * a number leaves a gap, as a sequence would. On SQLite numbers have no gaps.
 */
export async function nextTicketNumber(tx: SqlTx, prefix: string, year: number): Promise<string> {
  const [r] = (await tx.outside(
    `INSERT INTO "TicketCounter" ("prefix", "year", "last") VALUES (?, ?, 1)
     ON CONFLICT ("prefix", "year") DO UPDATE SET "last" = "TicketCounter"."last" + 1 RETURNING "last"`,
    prefix,
    year,
  )) as [SqlRow];
  return `${prefix}-${year}-${String(r.last).padStart(5, "0")}`;
}

/**
 * Stores a new ticket: the columns given, the nullable ones not given as NULL (a column added to
 * the schema needs no change here), version 0. Returns the row as stored.
 */
export async function createTicket(
  tx: SqlTx,
  t: Omit<NewRow<"Ticket">, "id" | "coverage" | "createdAt" | "updatedAt" | "version"> & {
    coverage: string;
    at: Date;
  },
): Promise<TicketRow> {
  const { at, ...given } = t;
  const row = completeRow("Ticket", {
    ...given,
    id: newId(),
    createdAt: at,
    updatedAt: new Date(),
    version: 0,
  });
  // The row as stored (no read back: the insert may not even be answered yet on PostgreSQL).
  await tx.write(INSERT_TICKET.sql, ...INSERT_TICKET.args(row));
  return row;
}

export async function findTicket(tx: SqlTx, number: string): Promise<TicketRow | null> {
  const r = await tx.row(`${TICKET} WHERE "number" = ?`, number.trim().toUpperCase());
  return r ? toTicket(r) : null;
}

export async function openTicketsForCustomer(tx: SqlTx, customerId: string): Promise<TicketRow[]> {
  const rows = await tx.rows(
    `${TICKET} WHERE "customerId" = ? AND "status" <> 'closed' ORDER BY "createdAt" ASC`,
    customerId,
  );
  return rows.map(toTicket);
}

/**
 * The open tickets (oldest first) of the customer a sender's channel identity belongs to, with
 * that customer's id; null when the sender has no identity yet. Needs no customer id, so the
 * inbound pipeline sends it together with the customer lookup (one round trip on PostgreSQL).
 */
export async function openTicketsOfSender(
  tx: SqlTx,
  channel: string,
  senderId: string,
): Promise<{ customerId: string; tickets: TicketRow[] } | null> {
  const rows = await tx.rows(
    `SELECT i."customerId" AS "identityCustomerId", t.* FROM "ChannelIdentity" i
     LEFT JOIN "Ticket" t ON t."customerId" = i."customerId" AND t."status" <> 'closed'
     WHERE i."channel" = ? AND i."externalId" = ? ORDER BY t."createdAt" ASC`,
    channel,
    senderId,
  );
  const first = rows[0];
  if (!first) return null;
  return {
    customerId: str(first.identityCustomerId),
    tickets: rows.filter((r) => r.id !== null && r.id !== undefined).map(toTicket),
  };
}

/** The columns an update may set: all but the ticket's identity, origin and bookkeeping. */
const TICKET_COLUMNS = new Set<string>(
  columnNames("Ticket").filter(
    (c) =>
      ![
        "id",
        "number",
        "policy",
        "customerId",
        "channel",
        "chatId",
        "createdAt",
        "updatedAt",
        "version",
      ].includes(c),
  ),
);

function toSql(value: unknown): SqlArg {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return iso(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" || typeof value === "number") return value;
  return JSON.stringify(value);
}

/** Optimistic update: false when the ticket changed since `version` was read. */
export async function updateTicket(
  tx: SqlTx,
  id: string,
  version: number,
  data: TicketUpdate,
  conflict: () => Error,
): Promise<void> {
  const sets: string[] = [];
  const args: SqlArg[] = [];
  for (const [column, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (!TICKET_COLUMNS.has(column)) throw new Error(`updateTicket: unknown column ${column}`);
    sets.push(`"${column}" = ?`);
    args.push(toSql(value));
  }
  sets.push(`"updatedAt" = ?`, `"version" = "version" + 1`);
  args.push(iso(new Date()));
  await tx.writeExpecting(
    `UPDATE "Ticket" SET ${sets.join(", ")} WHERE "id" = ? AND "version" = ?`,
    [...args, id, version],
    1,
    conflict,
  );
}

/** Sets the given columns of a ticket and bumps its version (no version check). */
export async function setTicketColumns(
  tx: SqlTx,
  id: string,
  data: Partial<Record<"category" | "blocking" | "salesRep" | "coverage", string | boolean>>,
): Promise<void> {
  const sets: string[] = [`"version" = "version" + 1`];
  const args: SqlArg[] = [];
  for (const [column, value] of Object.entries(data)) {
    if (value === undefined) continue;
    sets.push(`"${column}" = ?`);
    args.push(toSql(value));
  }
  // As every other write of a ticket (the Prisma path this replaced set it, this one had drifted).
  sets.push(`"updatedAt" = ?`);
  args.push(iso(new Date()));
  await tx.write(`UPDATE "Ticket" SET ${sets.join(", ")} WHERE "id" = ?`, ...args, id);
}

/** A ticket's coverage (raw JSON), or null for an unknown ticket. */
export async function ticketCoverage(tx: SqlTx, id: string): Promise<string | null> {
  const r = await tx.row(`SELECT "coverage" FROM "Ticket" WHERE "id" = ?`, id);
  return r ? str(r.coverage) : null;
}

export async function linkIntakeMessages(
  tx: SqlTx,
  channel: string,
  chatId: string,
  ticketId: string,
): Promise<void> {
  await tx.write(
    `UPDATE "Message" SET "ticketId" = ? WHERE "channel" = ? AND "chatId" = ? AND "ticketId" IS NULL`,
    ticketId,
    channel,
    chatId,
  );
}

/** Each desk's stored reference for a ticket (raw JSON). */
export async function ticketDeskRefRows(
  tx: SqlTx,
  ticketId: string,
): Promise<{ desk: string; ref: string }[]> {
  const rows = await tx.rows(`SELECT "desk", "ref" FROM "TicketDeskRef" WHERE "ticketId" = ?`, ticketId);
  return rows.map((r) => ({ desk: str(r.desk), ref: str(r.ref) }));
}

export async function setCallbackDue(tx: SqlTx, id: string, dueAt: Date): Promise<void> {
  await tx.write(
    `UPDATE "Ticket" SET "callbackDueAt" = ?, "updatedAt" = ? WHERE "id" = ?`,
    iso(dueAt),
    iso(new Date()),
    id,
  );
}

export async function recordEvent(
  tx: SqlTx,
  e: { ticketId: string | null; type: string; actor: string | null; payload: string; at: Date },
): Promise<void> {
  await tx.write(
    `INSERT INTO "TicketEvent" ("id", "ticketId", "type", "actor", "payload", "at") VALUES (?, ?, ?, ?, ?, ?)`,
    newId(),
    e.ticketId,
    e.type,
    e.actor,
    e.payload,
    iso(e.at),
  );
}

export async function recordFeedback(
  tx: SqlTx,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): Promise<void> {
  await tx.write(
    `INSERT INTO "Feedback" ("id", "ticketId", "rating", "comment", "at") VALUES (?, ?, ?, ?, ?)`,
    newId(),
    f.ticketId,
    f.rating,
    f.comment,
    iso(f.at),
  );
}

/**
 * The hot path's SQL for tickets, written once for SQLite and PostgreSQL
 * (see {@link SqlTx}); values stored exactly as Prisma stores them. Every statement is built
 * with the query builder and compiled once (see queryBuilder.ts); values the SQL always had as
 * literals (`'closed'`, `+ 1`) stay literals, so each provider plans them as before.
 */
import { sql, type UpdateObject } from "kysely";
import type { DomainEventName } from "../../flows/domainEvents.js";
import { newId } from "./ids.js";
import { qb, type Statement, statement } from "./schema/queryBuilder.js";
import { columnNames, completeRow, insertRow, type NewRow, rowReader } from "./schema/rows.js";
import type { Tables } from "./schema/tables.js";
import { iso, type SqlArg, type SqlRow, type SqlTx, str } from "./sqlTx.js";
import type { TicketRow, TicketUpdate } from "./ticketStore.js";

// ---------------------------------------------------------------------------------------------
// Tickets

/** Every column of a ticket (the start of a query reading whole tickets). */
export const selectTicket = () => qb.selectFrom("Ticket").selectAll();

/** A stored ticket row as the repositories see it (see rows.ts). */
export const toTicket = rowReader("Ticket");
const INSERT_TICKET = insertRow("Ticket");

const takeTicketNumber = statement<{ prefix: string; year: number }>((p) =>
  qb
    .insertInto("TicketCounter")
    .values({ prefix: p.prefix, year: p.year, last: sql.lit(1) })
    .onConflict((oc) =>
      oc.columns(["prefix", "year"]).doUpdateSet({ last: (eb) => eb("TicketCounter.last", "+", sql.lit(1)) }),
    )
    .returning("last"),
);

/**
 * The next readable number. On PostgreSQL it is taken outside the caller's transaction (see
 * {@link SqlTx.outside}): the counter row is locked only for that statement, so tickets opened
 * at once never wait for each other's transactions to end; a transaction that fails after taking
 * a number leaves a gap, as a sequence would. On SQLite numbers have no gaps.
 */
export async function nextTicketNumber(tx: SqlTx, prefix: string, year: number): Promise<string> {
  const [r] = (await tx.outside(takeTicketNumber.sql, ...takeTicketNumber.args({ prefix, year }))) as [
    SqlRow,
  ];
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

const ticketByNumber = statement<{ number: string }>((p) => selectTicket().where("number", "=", p.number));

export async function findTicket(tx: SqlTx, number: string): Promise<TicketRow | null> {
  const r = await tx.row(ticketByNumber.sql, ...ticketByNumber.args({ number: number.trim().toUpperCase() }));
  return r ? toTicket(r) : null;
}

/**
 * What every inbound message reads of its customer's open tickets: which one the chat follows and
 * what the conversation tells about each. (Every message reads them: not the whole rows.)
 */
export type OpenTicket = Pick<TicketRow, "id" | "number" | "status" | "category" | "channel" | "chatId">;
const OPEN_TICKET_COLUMNS = ["id", "number", "status", "category", "channel", "chatId"] as const;

export function toOpenTicket(r: SqlRow): OpenTicket {
  return {
    id: str(r.id),
    number: str(r.number),
    status: str(r.status),
    category: str(r.category),
    channel: str(r.channel),
    chatId: str(r.chatId),
  };
}

const openTicketsOfCustomer = statement<{ customerId: string }>((p) =>
  qb
    .selectFrom("Ticket")
    .select(OPEN_TICKET_COLUMNS)
    .where("customerId", "=", p.customerId)
    .where("status", "<>", sql.lit("closed"))
    .orderBy("createdAt", "asc"),
);

/** The customer's open tickets, oldest first. */
export async function openTicketsForCustomer(tx: SqlTx, customerId: string): Promise<OpenTicket[]> {
  const rows = await tx.rows(openTicketsOfCustomer.sql, ...openTicketsOfCustomer.args({ customerId }));
  return rows.map(toOpenTicket);
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

/** A ticket UPDATE's parameters: the columns it sets (by name) and its fixed ones. */
type TicketSets = Record<string, SqlArg> & { id: string; updatedAt: string };

/**
 * The columns of a list like "category,blocking," each set to the parameter of its name (the
 * names are checked against the schema by the callers; the builder's types cannot know them).
 */
function setsOf(columns: string, p: Record<string, SqlArg>): UpdateObject<Tables, "Ticket"> {
  const sets: Record<string, SqlArg> = {};
  for (const column of columns.split(",")) if (column) sets[column] = p[column]!;
  return sets as UpdateObject<Tables, "Ticket">;
}

/** Statements whose SET list depends on the columns given, compiled once per list (by its text). */
function compiledOnce<P>(
  cache: Map<string, Statement<P>>,
  columns: string,
  compile: (columns: string) => Statement<P>,
): Statement<P> {
  let s = cache.get(columns);
  if (!s) {
    s = compile(columns);
    cache.set(columns, s);
  }
  return s;
}

const ticketUpdates = new Map<string, Statement<TicketSets & { version: number }>>();
const compileTicketUpdate = (columns: string) =>
  statement<TicketSets & { version: number }>((p) =>
    qb
      .updateTable("Ticket")
      .set(setsOf(columns, p))
      .set({ updatedAt: p.updatedAt, version: (eb) => eb("version", "+", sql.lit(1)) })
      .where("id", "=", p.id)
      .where("version", "=", p.version),
  );

/** Optimistic update: false when the ticket changed since `version` was read. */
export async function updateTicket(
  tx: SqlTx,
  id: string,
  version: number,
  data: TicketUpdate,
  conflict: () => Error,
): Promise<void> {
  const params: TicketSets & { version: number } = { id, version, updatedAt: "" };
  let columns = "";
  for (const [column, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (!TICKET_COLUMNS.has(column)) throw new Error(`updateTicket: unknown column ${column}`);
    columns += `${column},`;
    params[column] = toSql(value);
  }
  params.updatedAt = iso(new Date());
  const update = compiledOnce(ticketUpdates, columns, compileTicketUpdate);
  await tx.writeExpecting(update.sql, update.args(params), 1, conflict);
}

/** The columns {@link setTicketColumns} may set. */
type FactColumn = "category" | "blocking" | "salesRep" | "coverage";

const ticketColumnSets = new Map<string, Statement<TicketSets>>();
const compileColumnSet = (columns: string) =>
  statement<TicketSets>((p) =>
    qb
      .updateTable("Ticket")
      .set({ version: (eb) => eb("version", "+", sql.lit(1)) })
      .set(setsOf(columns, p))
      // As every other write of a ticket (the Prisma path this replaced set it, this one had drifted).
      .set({ updatedAt: p.updatedAt })
      .where("id", "=", p.id),
  );

/** Sets the given columns of a ticket and bumps its version (no version check). */
export async function setTicketColumns(
  tx: SqlTx,
  id: string,
  data: Partial<Record<FactColumn, string | boolean>>,
): Promise<void> {
  const params: TicketSets = { id, updatedAt: "" };
  let columns = "";
  for (const [column, value] of Object.entries(data)) {
    if (value === undefined) continue;
    columns += `${column},`;
    params[column] = toSql(value);
  }
  params.updatedAt = iso(new Date());
  const update = compiledOnce(ticketColumnSets, columns, compileColumnSet);
  await tx.write(update.sql, ...update.args(params));
}

const coverageOfTicket = statement<{ id: string }>((p) =>
  qb.selectFrom("Ticket").select("coverage").where("id", "=", p.id),
);

/** A ticket's coverage (raw JSON), or null for an unknown ticket. */
export async function ticketCoverage(tx: SqlTx, id: string): Promise<string | null> {
  const r = await tx.row(coverageOfTicket.sql, ...coverageOfTicket.args({ id }));
  return r ? str(r.coverage) : null;
}

const linkIntake = statement<{ ticketId: string; channel: string; chatId: string }>((p) =>
  qb
    .updateTable("Message")
    .set({ ticketId: p.ticketId })
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId)
    .where("ticketId", "is", null),
);

export async function linkIntakeMessages(
  tx: SqlTx,
  channel: string,
  chatId: string,
  ticketId: string,
): Promise<void> {
  await tx.write(linkIntake.sql, ...linkIntake.args({ ticketId, channel, chatId }));
}

const deskRefsOfTicket = statement<{ ticketId: string }>((p) =>
  qb.selectFrom("TicketDeskRef").select(["desk", "ref"]).where("ticketId", "=", p.ticketId),
);

/** Each desk's stored reference for a ticket (raw JSON). */
export async function ticketDeskRefRows(
  tx: SqlTx,
  ticketId: string,
): Promise<{ desk: string; ref: string }[]> {
  const rows = await tx.rows(deskRefsOfTicket.sql, ...deskRefsOfTicket.args({ ticketId }));
  return rows.map((r) => ({ desk: str(r.desk), ref: str(r.ref) }));
}

const moveCallback = statement<{ id: string; callbackDueAt: string; updatedAt: string }>((p) =>
  qb
    .updateTable("Ticket")
    .set({ callbackDueAt: p.callbackDueAt, updatedAt: p.updatedAt })
    .where("id", "=", p.id),
);

export async function setCallbackDue(tx: SqlTx, id: string, dueAt: Date): Promise<void> {
  await tx.write(
    moveCallback.sql,
    ...moveCallback.args({ id, callbackDueAt: iso(dueAt), updatedAt: iso(new Date()) }),
  );
}

const insertEvent = statement<{
  id: string;
  ticketId: string | null;
  type: DomainEventName;
  actor: string | null;
  payload: string;
  at: string;
}>((p) =>
  qb.insertInto("TicketEvent").values({
    id: p.id,
    ticketId: p.ticketId,
    type: p.type,
    actor: p.actor,
    payload: p.payload,
    at: p.at,
  }),
);

/** Stores a domain event (its payload already JSON; see `recordEvent` in ticketStore.ts). */
export async function recordEvent(
  tx: SqlTx,
  e: { ticketId: string | null; type: DomainEventName; actor: string | null; payload: string; at: Date },
): Promise<void> {
  await tx.write(
    insertEvent.sql,
    ...insertEvent.args({
      id: newId(),
      ticketId: e.ticketId,
      type: e.type,
      actor: e.actor,
      payload: e.payload,
      at: iso(e.at),
    }),
  );
}

const insertFeedback = statement<{
  id: string;
  ticketId: string;
  rating: number;
  comment: string | null;
  at: string;
}>((p) =>
  qb
    .insertInto("Feedback")
    .values({ id: p.id, ticketId: p.ticketId, rating: p.rating, comment: p.comment, at: p.at }),
);

export async function recordFeedback(
  tx: SqlTx,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): Promise<void> {
  await tx.write(
    insertFeedback.sql,
    ...insertFeedback.args({
      id: newId(),
      ticketId: f.ticketId,
      rating: f.rating,
      comment: f.comment,
      at: iso(f.at),
    }),
  );
}

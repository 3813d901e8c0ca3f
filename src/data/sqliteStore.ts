/**
 * The runtime's transactional reads and writes as plain SQL on the shared SQLite connection,
 * with cached prepared statements (the hot path: one inbound message = one transaction of these).
 * {@link supportStore} dispatches here when it is handed a {@link SqliteTx}; values are stored
 * exactly as Prisma stores them (ISO instants with "+00:00", booleans as 0/1, cuid-shaped ids).
 */
import { newId } from "./ids.js";
import type { SqliteConnection } from "./sqliteConnection.js";
import type {
  CustomerRecord,
  NewCustomer,
  TechnicianRecord,
  TicketRow,
  TicketUpdate,
} from "./supportStore.js";

type Value = string | number | null;
type Row = Record<string, Value>;

/** A write transaction on the shared SQLite connection (from {@link SqliteConnection.transaction}). */
export class SqliteTx {
  constructor(private readonly conn: SqliteConnection) {}

  rows(sql: string, ...args: Value[]): Row[] {
    return this.conn.statement(sql).all(...args) as Row[];
  }

  row(sql: string, ...args: Value[]): Row | undefined {
    return this.conn.statement(sql).get(...args) as Row | undefined;
  }

  run(sql: string, ...args: Value[]): number {
    return this.conn.statement(sql).run(...args).changes;
  }
}

/** An instant as Prisma's libSQL adapter stores it. */
export const iso = (d: Date): string => d.toISOString().replace("Z", "+00:00");
const date = (v: unknown): Date => new Date(v as string);
const maybeDate = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));
const str = (v: unknown): string => v as string;
const maybeStr = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));

// ---------------------------------------------------------------------------------------------
// Customers

function parsePlans(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : [];
  } catch {
    return [];
  }
}

function toCustomer(tx: SqliteTx, r: Row): CustomerRecord {
  const purchases = tx
    .rows(
      `SELECT "item", "purchasedOn", "warrantyMonths" FROM "HardwarePurchase" WHERE "customerId" = ? ORDER BY "id"`,
      r.id as string,
    )
    .map((p) => ({
      item: str(p.item),
      purchasedOn: str(p.purchasedOn),
      warrantyMonths: p.warrantyMonths as number,
    }));
  return { ...toCustomerFields(r), purchases };
}

function toCustomerFields(r: Row): Omit<CustomerRecord, "purchases"> {
  return {
    id: str(r.id),
    code: str(r.code),
    company: str(r.company),
    contactName: maybeStr(r.contactName),
    phone: maybeStr(r.phone),
    email: maybeStr(r.email),
    language: str(r.language),
    plans: parsePlans(str(r.plans)),
    verified: r.verified === 1,
    salesRep: maybeStr(r.salesRep),
  };
}

const CUSTOMER = `SELECT "id", "code", "company", "contactName", "phone", "email", "language", "plans", "verified", "salesRep" FROM "Customer"`;

export function getCustomer(tx: SqliteTx, id: string): CustomerRecord | null {
  const r = tx.row(`${CUSTOMER} WHERE "id" = ?`, id);
  return r ? toCustomer(tx, r) : null;
}

export function findCustomerForSender(
  tx: SqliteTx,
  channel: string,
  senderId: string,
  phone: string | null,
): CustomerRecord | null {
  const known = customerBySender(tx, channel, senderId);
  if (known) return known;
  if (!phone) return null;
  const byPhone = tx.row(`${CUSTOMER} WHERE "phone" = ?`, phone);
  if (!byPhone) return null;
  tx.run(
    `INSERT INTO "ChannelIdentity" ("id", "channel", "externalId", "customerId", "createdAt") VALUES (?, ?, ?, ?, ?)`,
    newId(),
    channel,
    senderId,
    str(byPhone.id),
    iso(new Date()),
  );
  return toCustomer(tx, byPhone);
}

/**
 * The customer behind a channel identity with their purchases, in one statement (identity,
 * customer and purchases joined: the lookup every inbound message makes).
 */
function customerBySender(tx: SqliteTx, channel: string, senderId: string): CustomerRecord | null {
  const rows = tx.rows(
    `SELECT c."id", c."code", c."company", c."contactName", c."phone", c."email", c."language", c."plans", c."verified", c."salesRep",
            p."item", p."purchasedOn", p."warrantyMonths"
     FROM "ChannelIdentity" i
     JOIN "Customer" c ON c."id" = i."customerId"
     LEFT JOIN "HardwarePurchase" p ON p."customerId" = c."id"
     WHERE i."channel" = ? AND i."externalId" = ?
     ORDER BY p."id"`,
    channel,
    senderId,
  );
  const r = rows[0];
  if (!r) return null;
  return {
    ...toCustomerFields(r),
    purchases: rows
      .filter((p) => p.item !== null)
      .map((p) => ({
        item: str(p.item),
        purchasedOn: str(p.purchasedOn),
        warrantyMonths: p.warrantyMonths as number,
      })),
  };
}

export function findCustomerByCode(tx: SqliteTx, code: string): CustomerRecord | null {
  const r = tx.row(`${CUSTOMER} WHERE "code" = ?`, code.toUpperCase());
  return r ? toCustomer(tx, r) : null;
}

export function linkIdentity(tx: SqliteTx, customerId: string, channel: string, externalId: string): void {
  tx.run(
    `INSERT INTO "ChannelIdentity" ("id", "channel", "externalId", "customerId", "createdAt") VALUES (?, ?, ?, ?, ?)
     ON CONFLICT ("channel", "externalId") DO UPDATE SET "customerId" = excluded."customerId"`,
    newId(),
    channel,
    externalId,
    customerId,
    iso(new Date()),
  );
}

export function createCustomer(tx: SqliteTx, code: string, data: NewCustomer): CustomerRecord {
  const id = newId();
  const now = iso(new Date());
  tx.run(
    `INSERT INTO "Customer" ("id", "code", "company", "contactName", "phone", "email", "language", "plans", "salesRep", "verified", "createdAt", "updatedAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    code,
    data.company,
    data.contactName ?? null,
    data.phone ?? null,
    data.email ?? null,
    data.language,
    JSON.stringify(data.plans ?? []),
    data.salesRep ?? null,
    data.verified ? 1 : 0,
    now,
    now,
  );
  for (const p of data.purchases ?? []) {
    tx.run(
      `INSERT INTO "HardwarePurchase" ("id", "customerId", "item", "purchasedOn", "warrantyMonths") VALUES (?, ?, ?, ?, ?)`,
      newId(),
      id,
      p.item,
      p.purchasedOn,
      p.warrantyMonths,
    );
  }
  return getCustomer(tx, id)!;
}

export function setCustomerLanguage(tx: SqliteTx, customerId: string, language: string): void {
  tx.run(
    `UPDATE "Customer" SET "language" = ?, "updatedAt" = ? WHERE "id" = ?`,
    language,
    iso(new Date()),
    customerId,
  );
}

// ---------------------------------------------------------------------------------------------
// Messages

export function inboundSeen(tx: SqliteTx, channel: string, platformMessageId: string): boolean {
  return (
    tx.row(
      `SELECT 1 AS "one" FROM "Message" WHERE "channel" = ? AND "platformMessageId" = ?`,
      channel,
      platformMessageId,
    ) !== undefined
  );
}

/** Inserts a transcript or outbox row; returns its id. */
export function insertMessage(
  tx: SqliteTx,
  m: {
    channel: string;
    chatId: string;
    direction: "in" | "out";
    platformMessageId: string | null;
    text: string;
    body: string;
    at: Date;
    status: string;
    nextAttemptAt: Date | null;
    ticketId: string | null;
  },
): string {
  const id = newId();
  tx.run(
    `INSERT INTO "Message" ("id", "channel", "chatId", "direction", "platformMessageId", "ticketId", "text", "body", "status", "attempts", "at", "nextAttemptAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    id,
    m.channel,
    m.chatId,
    m.direction,
    m.platformMessageId,
    m.ticketId,
    m.text,
    m.body,
    m.status,
    iso(m.at),
    m.nextAttemptAt ? iso(m.nextAttemptAt) : null,
  );
  return id;
}

export function linkIntakeMessages(tx: SqliteTx, channel: string, chatId: string, ticketId: string): void {
  tx.run(
    `UPDATE "Message" SET "ticketId" = ? WHERE "channel" = ? AND "chatId" = ? AND "ticketId" IS NULL`,
    ticketId,
    channel,
    chatId,
  );
}

// ---------------------------------------------------------------------------------------------
// Conversations

export interface ConversationRecord {
  id: string;
  channel: string;
  chatId: string;
  customerId: string | null;
  snapshot: string;
  version: number;
  updatedAt: Date;
}

export function loadConversation(tx: SqliteTx, channel: string, chatId: string): ConversationRecord | null {
  const r = tx.row(
    `SELECT "id", "channel", "chatId", "customerId", "snapshot", "version", "updatedAt" FROM "Conversation" WHERE "channel" = ? AND "chatId" = ?`,
    channel,
    chatId,
  );
  return r
    ? {
        id: str(r.id),
        channel: str(r.channel),
        chatId: str(r.chatId),
        customerId: maybeStr(r.customerId),
        snapshot: str(r.snapshot),
        version: r.version as number,
        updatedAt: date(r.updatedAt),
      }
    : null;
}

export function saveConversation(
  tx: SqliteTx,
  c: { channel: string; chatId: string; customerId: string | null; snapshot: string },
  expectedVersion: number | null,
): boolean {
  const now = iso(new Date());
  if (expectedVersion === null) {
    tx.run(
      `INSERT INTO "Conversation" ("id", "channel", "chatId", "customerId", "snapshot", "version", "updatedAt") VALUES (?, ?, ?, ?, ?, 1, ?)`,
      newId(),
      c.channel,
      c.chatId,
      c.customerId,
      c.snapshot,
      now,
    );
    return true;
  }
  return (
    tx.run(
      `UPDATE "Conversation" SET "snapshot" = ?, "customerId" = ?, "version" = "version" + 1, "updatedAt" = ? WHERE "channel" = ? AND "chatId" = ? AND "version" = ?`,
      c.snapshot,
      c.customerId,
      now,
      c.channel,
      c.chatId,
      expectedVersion,
    ) === 1
  );
}

// ---------------------------------------------------------------------------------------------
// Tickets

const TICKET = `SELECT * FROM "Ticket"`;

function toTicket(r: Row): TicketRow {
  return {
    id: str(r.id),
    number: str(r.number),
    policy: str(r.policy),
    status: str(r.status),
    category: maybeStr(r.category),
    priority: str(r.priority),
    blocking: r.blocking === 1,
    description: str(r.description),
    coverage: str(r.coverage),
    customerId: str(r.customerId),
    channel: str(r.channel),
    chatId: str(r.chatId),
    salesRep: maybeStr(r.salesRep),
    assigneeId: maybeStr(r.assigneeId),
    callbackDueAt: maybeDate(r.callbackDueAt),
    minutes: r.minutes as number | null,
    resolution: maybeStr(r.resolution),
    chargeNetCents: r.chargeNetCents as number | null,
    chargeVatCents: r.chargeVatCents as number | null,
    chargeGrossCents: r.chargeGrossCents as number | null,
    deskRef: maybeStr(r.deskRef),
    createdAt: date(r.createdAt),
    updatedAt: date(r.updatedAt),
    claimedAt: maybeDate(r.claimedAt),
    closedAt: maybeDate(r.closedAt),
    version: r.version as number,
  };
}

export function nextTicketNumber(tx: SqliteTx, prefix: string, year: number): string {
  const r = tx.row(
    `INSERT INTO "TicketCounter" ("prefix", "year", "last") VALUES (?, ?, 1)
     ON CONFLICT ("prefix", "year") DO UPDATE SET "last" = "last" + 1 RETURNING "last"`,
    prefix,
    year,
  )!;
  return `${prefix}-${year}-${String(r.last).padStart(5, "0")}`;
}

export function createTicket(
  tx: SqliteTx,
  t: Omit<
    TicketRow,
    | "id"
    | "coverage"
    | "assigneeId"
    | "minutes"
    | "resolution"
    | "chargeNetCents"
    | "chargeVatCents"
    | "chargeGrossCents"
    | "deskRef"
    | "createdAt"
    | "updatedAt"
    | "claimedAt"
    | "closedAt"
    | "version"
  > & {
    coverage: string;
    at: Date;
  },
): TicketRow {
  const id = newId();
  tx.run(
    `INSERT INTO "Ticket" ("id", "number", "policy", "status", "category", "priority", "blocking", "description", "coverage", "customerId", "channel", "chatId", "salesRep", "callbackDueAt", "createdAt", "updatedAt", "version")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    id,
    t.number,
    t.policy,
    t.status,
    t.category,
    t.priority,
    t.blocking ? 1 : 0,
    t.description,
    t.coverage,
    t.customerId,
    t.channel,
    t.chatId,
    t.salesRep,
    t.callbackDueAt ? iso(t.callbackDueAt) : null,
    iso(t.at),
    iso(new Date()),
  );
  return toTicket(tx.row(`${TICKET} WHERE "id" = ?`, id)!);
}

export function findTicket(tx: SqliteTx, number: string): TicketRow | null {
  const r = tx.row(`${TICKET} WHERE "number" = ?`, number.trim().toUpperCase());
  return r ? toTicket(r) : null;
}

export function openTicketsForCustomer(tx: SqliteTx, customerId: string): TicketRow[] {
  return tx
    .rows(`${TICKET} WHERE "customerId" = ? AND "status" <> 'closed' ORDER BY "createdAt" ASC`, customerId)
    .map(toTicket);
}

const TICKET_COLUMNS = new Set([
  "status",
  "category",
  "priority",
  "blocking",
  "description",
  "coverage",
  "salesRep",
  "assigneeId",
  "callbackDueAt",
  "minutes",
  "resolution",
  "chargeNetCents",
  "chargeVatCents",
  "chargeGrossCents",
  "deskRef",
  "claimedAt",
  "closedAt",
]);

function toSql(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return iso(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" || typeof value === "number") return value;
  return JSON.stringify(value);
}

/** Optimistic update: false when the ticket changed since `version` was read. */
export function updateTicket(tx: SqliteTx, id: string, version: number, data: TicketUpdate): boolean {
  const sets: string[] = [];
  const args: Value[] = [];
  for (const [column, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (!TICKET_COLUMNS.has(column)) throw new Error(`updateTicket: unknown column ${column}`);
    sets.push(`"${column}" = ?`);
    args.push(toSql(value));
  }
  sets.push(`"updatedAt" = ?`, `"version" = "version" + 1`);
  args.push(iso(new Date()));
  return (
    tx.run(
      `UPDATE "Ticket" SET ${sets.join(", ")} WHERE "id" = ? AND "version" = ?`,
      ...args,
      id,
      version,
    ) === 1
  );
}

export function setCallbackDue(tx: SqliteTx, id: string, dueAt: Date): void {
  tx.run(
    `UPDATE "Ticket" SET "callbackDueAt" = ?, "updatedAt" = ? WHERE "id" = ?`,
    iso(dueAt),
    iso(new Date()),
    id,
  );
}

export function recordEvent(
  tx: SqliteTx,
  e: { ticketId: string | null; type: string; actor: string | null; payload: string; at: Date },
): void {
  tx.run(
    `INSERT INTO "TicketEvent" ("id", "ticketId", "type", "actor", "payload", "at") VALUES (?, ?, ?, ?, ?, ?)`,
    newId(),
    e.ticketId,
    e.type,
    e.actor,
    e.payload,
    iso(e.at),
  );
}

/** Minutes and coverage of a customer's tickets closed since `monthStart`. */
export function closedSince(tx: SqliteTx, customerId: string, monthStart: Date) {
  return tx
    .rows(
      `SELECT "minutes", "coverage" FROM "Ticket" WHERE "customerId" = ? AND "status" = 'closed' AND "closedAt" >= ?`,
      customerId,
      iso(monthStart),
    )
    .map((r) => ({ minutes: r.minutes as number | null, coverage: str(r.coverage) }));
}

export function recordFeedback(
  tx: SqliteTx,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): void {
  tx.run(
    `INSERT INTO "Feedback" ("id", "ticketId", "rating", "comment", "at") VALUES (?, ?, ?, ?, ?)`,
    newId(),
    f.ticketId,
    f.rating,
    f.comment,
    iso(f.at),
  );
}

// ---------------------------------------------------------------------------------------------
// Technicians

function toTechnician(tx: SqliteTx, r: Row): TechnicianRecord {
  const id = str(r.id);
  const identities = tx.rows(
    `SELECT "desk", "externalId" FROM "TechnicianIdentity" WHERE "technicianId" = ? AND "desk" <> 'board'`,
    id,
  );
  return {
    id,
    name: str(r.name),
    phone: maybeStr(r.phone),
    identities: Object.fromEntries(identities.map((i) => [str(i.desk), str(i.externalId)])),
  };
}

export function findTechnician(
  tx: SqliteTx,
  by: { id: string } | { name: string } | { desk: string; externalId: string },
): TechnicianRecord | null {
  const r =
    "desk" in by
      ? tx.row(
          `SELECT t."id", t."name", t."phone" FROM "Technician" t JOIN "TechnicianIdentity" i ON i."technicianId" = t."id"
           WHERE i."desk" = ? AND i."externalId" = ? AND t."active" = 1 LIMIT 1`,
          by.desk,
          by.externalId,
        )
      : tx.row(
          `SELECT "id", "name", "phone" FROM "Technician" WHERE "${"id" in by ? "id" : "name"}" = ? AND "active" = 1 LIMIT 1`,
          "id" in by ? by.id : by.name,
        );
  return r ? toTechnician(tx, r) : null;
}

/** Each desk's stored reference for a ticket (raw JSON). */
export function ticketDeskRefRows(tx: SqliteTx, ticketId: string): { desk: string; ref: string }[] {
  return tx
    .rows(`SELECT "desk", "ref" FROM "TicketDeskRef" WHERE "ticketId" = ?`, ticketId)
    .map((r) => ({ desk: str(r.desk), ref: str(r.ref) }));
}

export function onCallAt(tx: SqliteTx, at: Date): TechnicianRecord | null {
  const r = tx.row(
    `SELECT t."id", t."name", t."phone" FROM "OnCallShift" s JOIN "Technician" t ON t."id" = s."technicianId"
     WHERE s."startsAt" <= ? AND s."endsAt" > ? AND t."active" = 1 ORDER BY s."startsAt" DESC LIMIT 1`,
    iso(at),
    iso(at),
  );
  return r ? toTechnician(tx, r) : null;
}

// ---------------------------------------------------------------------------------------------
// Jobs

export function scheduleJob(
  tx: SqliteTx,
  j: { kind: string; key: string; dueAt: Date; payload: string },
): void {
  tx.run(
    `INSERT INTO "Job" ("id", "kind", "key", "dueAt", "payload", "status", "attempts", "createdAt") VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)
     ON CONFLICT ("key") DO UPDATE SET "kind" = excluded."kind", "dueAt" = excluded."dueAt", "payload" = excluded."payload",
       "status" = 'pending', "attempts" = 0, "lastError" = NULL,
       -- Rescheduled while it runs (a repeated page): the running pass must not mark it done.
       "claimedBy" = NULL, "leaseUntil" = NULL`,
    newId(),
    j.kind,
    j.key,
    iso(j.dueAt),
    j.payload,
    iso(new Date()),
  );
}

export function cancelJobs(tx: SqliteTx, keys: string[]): void {
  for (const key of keys)
    tx.run(`UPDATE "Job" SET "status" = 'cancelled' WHERE "key" = ? AND "status" = 'pending'`, key);
}

// ---------------------------------------------------------------------------------------------
// Outbox

/** A chat's undelivered messages, oldest first (at most 100). */
export function pendingForChat(tx: SqliteTx, channel: string, chatId: string) {
  return tx
    .rows(
      `SELECT "id", "channel", "chatId", "text", "body", "attempts", "nextAttemptAt" FROM "Message"
       WHERE "channel" = ? AND "chatId" = ? AND "direction" = 'out' AND "status" = 'pending'
       ORDER BY "at" ASC, "id" ASC LIMIT 100`,
      channel,
      chatId,
    )
    .map((r) => ({
      id: str(r.id),
      channel: str(r.channel),
      chatId: str(r.chatId),
      text: str(r.text),
      body: str(r.body),
      attempts: r.attempts as number,
      nextAttemptAt: maybeDate(r.nextAttemptAt),
    }));
}

/** Marks messages sent in one statement (one commit), by the ids the sender already has. */
export function markDelivered(tx: SqliteTx, ids: string[], at: Date): void {
  if (ids.length === 0) return;
  tx.run(
    `UPDATE "Message" SET "status" = 'sent', "deliveredAt" = ?, "attempts" = "attempts" + 1, "claimedBy" = NULL, "leaseUntil" = NULL WHERE "id" IN (${ids.map(() => "?").join(", ")})`,
    iso(at),
    ...ids,
  );
}

export function markDeliveryFailed(tx: SqliteTx, id: string, error: string, retryAt: Date | null): void {
  tx.run(
    `UPDATE "Message" SET "status" = ?, "attempts" = "attempts" + 1, "lastError" = ?, "nextAttemptAt" = ?, "claimedBy" = NULL, "leaseUntil" = NULL WHERE "id" = ?`,
    retryAt ? "pending" : "failed",
    error.slice(0, 1000),
    retryAt ? iso(retryAt) : null,
    id,
  );
}

export function countPendingOutbound(tx: SqliteTx): number {
  return tx.row(`SELECT COUNT(*) AS "n" FROM "Message" WHERE "direction" = 'out' AND "status" = 'pending'`)!
    .n as number;
}

/** Claims a chat's pending outbound messages (oldest first, at most 100) for this instance. */
export function claimChatOutbox(
  tx: SqliteTx,
  channel: string,
  chatId: string,
  instanceId: string,
  leaseUntil: Date,
) {
  const rows = pendingForChat(tx, channel, chatId);
  if (rows.length === 0) return rows;
  tx.run(
    `UPDATE "Message" SET "claimedBy" = ?, "leaseUntil" = ? WHERE "id" IN (${rows.map(() => "?").join(", ")})`,
    instanceId,
    iso(leaseUntil),
    ...rows.map((r) => r.id),
  );
  return rows;
}

/** Gives back claimed, unsent messages. */
export function releaseOutbox(tx: SqliteTx, ids: string[], instanceId: string): void {
  if (ids.length === 0) return;
  tx.run(
    `UPDATE "Message" SET "claimedBy" = NULL, "leaseUntil" = NULL WHERE "claimedBy" = ? AND "id" IN (${ids.map(() => "?").join(", ")})`,
    instanceId,
    ...ids,
  );
}

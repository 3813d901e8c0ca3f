/**
 * The runtime's transactional reads and writes as plain SQL over a {@link SqlTx} (the hot path:
 * one inbound message = one transaction of these), written once for SQLite and PostgreSQL.
 * {@link supportStore} dispatches here when it is handed a {@link SqlTx}; values are stored
 * exactly as Prisma stores them (ISO instants with "+00:00", booleans as 1/0, cuid-shaped ids).
 */
import { newId } from "./ids.js";
import {
  bool,
  date,
  iso,
  maybeDate,
  maybeNum,
  maybeStr,
  num,
  type SqlArg,
  type SqlRow,
  type SqlTx,
  str,
} from "./sqlTx.js";
import type {
  CustomerRecord,
  NewCustomer,
  TechnicianRecord,
  TicketRow,
  TicketUpdate,
} from "./supportStore.js";

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

async function toCustomer(tx: SqlTx, r: SqlRow): Promise<CustomerRecord> {
  const purchases = await tx.rows(
    `SELECT "item", "purchasedOn", "warrantyMonths" FROM "HardwarePurchase" WHERE "customerId" = ? ORDER BY "id"`,
    str(r.id),
  );
  return {
    id: str(r.id),
    code: str(r.code),
    company: str(r.company),
    contactName: maybeStr(r.contactName),
    phone: maybeStr(r.phone),
    email: maybeStr(r.email),
    language: str(r.language),
    plans: parsePlans(str(r.plans)),
    verified: bool(r.verified),
    salesRep: maybeStr(r.salesRep),
    purchases: purchases.map((p) => ({
      item: str(p.item),
      purchasedOn: str(p.purchasedOn),
      warrantyMonths: num(p.warrantyMonths),
    })),
  };
}

const CUSTOMER = `SELECT "id", "code", "company", "contactName", "phone", "email", "language", "plans", "verified", "salesRep" FROM "Customer"`;

export async function getCustomer(tx: SqlTx, id: string): Promise<CustomerRecord | null> {
  const r = await tx.row(`${CUSTOMER} WHERE "id" = ?`, id);
  return r ? toCustomer(tx, r) : null;
}

export async function findCustomerForSender(
  tx: SqlTx,
  channel: string,
  senderId: string,
  phone: string | null,
): Promise<CustomerRecord | null> {
  const identity = await tx.row(
    `SELECT "customerId" FROM "ChannelIdentity" WHERE "channel" = ? AND "externalId" = ?`,
    channel,
    senderId,
  );
  if (identity) return getCustomer(tx, str(identity.customerId));
  if (!phone) return null;
  const byPhone = await tx.row(`${CUSTOMER} WHERE "phone" = ?`, phone);
  if (!byPhone) return null;
  await tx.run(
    `INSERT INTO "ChannelIdentity" ("id", "channel", "externalId", "customerId", "createdAt") VALUES (?, ?, ?, ?, ?)`,
    newId(),
    channel,
    senderId,
    str(byPhone.id),
    iso(new Date()),
  );
  return toCustomer(tx, byPhone);
}

export async function findCustomerByCode(tx: SqlTx, code: string): Promise<CustomerRecord | null> {
  const r = await tx.row(`${CUSTOMER} WHERE "code" = ?`, code.toUpperCase());
  return r ? toCustomer(tx, r) : null;
}

/** The oldest customer with an e-mail address (bound in lower case), whatever the stored case. */
export const CUSTOMER_ID_BY_EMAIL = `SELECT "id" FROM "Customer" WHERE lower("email") = ? ORDER BY "createdAt" ASC LIMIT 1`;

export async function customerIdByEmail(tx: SqlTx, address: string): Promise<string | null> {
  const r = await tx.row(CUSTOMER_ID_BY_EMAIL, address);
  return r ? str(r.id) : null;
}

export async function linkIdentity(
  tx: SqlTx,
  customerId: string,
  channel: string,
  externalId: string,
): Promise<void> {
  await tx.run(
    `INSERT INTO "ChannelIdentity" ("id", "channel", "externalId", "customerId", "createdAt") VALUES (?, ?, ?, ?, ?)
     ON CONFLICT ("channel", "externalId") DO UPDATE SET "customerId" = excluded."customerId"`,
    newId(),
    channel,
    externalId,
    customerId,
    iso(new Date()),
  );
}

export async function createCustomer(tx: SqlTx, code: string, data: NewCustomer): Promise<CustomerRecord> {
  const id = newId();
  const now = iso(new Date());
  await tx.run(
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
    await tx.run(
      `INSERT INTO "HardwarePurchase" ("id", "customerId", "item", "purchasedOn", "warrantyMonths") VALUES (?, ?, ?, ?, ?)`,
      newId(),
      id,
      p.item,
      p.purchasedOn,
      p.warrantyMonths,
    );
  }
  return (await getCustomer(tx, id))!;
}

export async function setCustomerLanguage(tx: SqlTx, customerId: string, language: string): Promise<void> {
  await tx.run(
    `UPDATE "Customer" SET "language" = ?, "updatedAt" = ? WHERE "id" = ?`,
    language,
    iso(new Date()),
    customerId,
  );
}

// ---------------------------------------------------------------------------------------------
// Messages

export async function inboundSeen(tx: SqlTx, channel: string, platformMessageId: string): Promise<boolean> {
  const r = await tx.row(
    `SELECT 1 AS "one" FROM "Message" WHERE "channel" = ? AND "platformMessageId" = ?`,
    channel,
    platformMessageId,
  );
  return r !== undefined;
}

/** Inserts a transcript or outbox row; returns its id. */
export async function insertMessage(
  tx: SqlTx,
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
): Promise<string> {
  const id = newId();
  await tx.run(
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

/** Replaces the text of a queued outbound message. */
export async function setOutboundText(tx: SqlTx, id: string, text: string): Promise<void> {
  await tx.run(`UPDATE "Message" SET "text" = ? WHERE "id" = ?`, text, id);
}

export async function linkIntakeMessages(
  tx: SqlTx,
  channel: string,
  chatId: string,
  ticketId: string,
): Promise<void> {
  await tx.run(
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

export async function loadConversation(
  tx: SqlTx,
  channel: string,
  chatId: string,
): Promise<ConversationRecord | null> {
  const r = await tx.row(
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
        version: num(r.version),
        updatedAt: date(r.updatedAt),
      }
    : null;
}

export async function saveConversation(
  tx: SqlTx,
  c: { channel: string; chatId: string; customerId: string | null; snapshot: string },
  expectedVersion: number | null,
): Promise<boolean> {
  const now = iso(new Date());
  if (expectedVersion === null) {
    await tx.run(
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
  const changed = await tx.run(
    `UPDATE "Conversation" SET "snapshot" = ?, "customerId" = ?, "version" = "version" + 1, "updatedAt" = ? WHERE "channel" = ? AND "chatId" = ? AND "version" = ?`,
    c.snapshot,
    c.customerId,
    now,
    c.channel,
    c.chatId,
    expectedVersion,
  );
  return changed === 1;
}

// ---------------------------------------------------------------------------------------------
// Tickets

const TICKET = `SELECT * FROM "Ticket"`;

function toTicket(r: SqlRow): TicketRow {
  return {
    id: str(r.id),
    number: str(r.number),
    policy: str(r.policy),
    status: str(r.status),
    category: maybeStr(r.category),
    priority: str(r.priority),
    blocking: bool(r.blocking),
    description: str(r.description),
    coverage: str(r.coverage),
    customerId: str(r.customerId),
    channel: str(r.channel),
    chatId: str(r.chatId),
    salesRep: maybeStr(r.salesRep),
    assigneeId: maybeStr(r.assigneeId),
    callbackDueAt: maybeDate(r.callbackDueAt),
    minutes: maybeNum(r.minutes),
    resolution: maybeStr(r.resolution),
    chargeNetCents: maybeNum(r.chargeNetCents),
    chargeVatCents: maybeNum(r.chargeVatCents),
    chargeGrossCents: maybeNum(r.chargeGrossCents),
    deskRef: maybeStr(r.deskRef),
    createdAt: date(r.createdAt),
    updatedAt: date(r.updatedAt),
    claimedAt: maybeDate(r.claimedAt),
    closedAt: maybeDate(r.closedAt),
    version: num(r.version),
  };
}

export async function nextTicketNumber(tx: SqlTx, prefix: string, year: number): Promise<string> {
  const r = (await tx.row(
    `INSERT INTO "TicketCounter" ("prefix", "year", "last") VALUES (?, ?, 1)
     ON CONFLICT ("prefix", "year") DO UPDATE SET "last" = "TicketCounter"."last" + 1 RETURNING "last"`,
    prefix,
    year,
  ))!;
  return `${prefix}-${year}-${String(r.last).padStart(5, "0")}`;
}

export async function createTicket(
  tx: SqlTx,
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
): Promise<TicketRow> {
  const id = newId();
  await tx.run(
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
  return toTicket((await tx.row(`${TICKET} WHERE "id" = ?`, id))!);
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
): Promise<boolean> {
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
  const changed = await tx.run(
    `UPDATE "Ticket" SET ${sets.join(", ")} WHERE "id" = ? AND "version" = ?`,
    ...args,
    id,
    version,
  );
  return changed === 1;
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
  await tx.run(`UPDATE "Ticket" SET ${sets.join(", ")} WHERE "id" = ?`, ...args, id);
}

/** A ticket's coverage (raw JSON), or null for an unknown ticket. */
export async function ticketCoverage(tx: SqlTx, id: string): Promise<string | null> {
  const r = await tx.row(`SELECT "coverage" FROM "Ticket" WHERE "id" = ?`, id);
  return r ? str(r.coverage) : null;
}

export async function setCallbackDue(tx: SqlTx, id: string, dueAt: Date): Promise<void> {
  await tx.run(
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
  await tx.run(
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
export async function closedSince(tx: SqlTx, customerId: string, monthStart: Date) {
  const rows = await tx.rows(
    `SELECT "minutes", "coverage" FROM "Ticket" WHERE "customerId" = ? AND "status" = 'closed' AND "closedAt" >= ?`,
    customerId,
    iso(monthStart),
  );
  return rows.map((r) => ({ minutes: maybeNum(r.minutes), coverage: str(r.coverage) }));
}

export async function recordFeedback(
  tx: SqlTx,
  f: { ticketId: string; rating: number; comment: string | null; at: Date },
): Promise<void> {
  await tx.run(
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

async function toTechnician(tx: SqlTx, r: SqlRow): Promise<TechnicianRecord> {
  const id = str(r.id);
  const identities = await tx.rows(
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

export async function findTechnician(
  tx: SqlTx,
  by: { id: string } | { name: string } | { desk: string; externalId: string },
): Promise<TechnicianRecord | null> {
  const r =
    "desk" in by
      ? await tx.row(
          `SELECT t."id", t."name", t."phone" FROM "Technician" t JOIN "TechnicianIdentity" i ON i."technicianId" = t."id"
           WHERE i."desk" = ? AND i."externalId" = ? AND t."active" = TRUE LIMIT 1`,
          by.desk,
          by.externalId,
        )
      : await tx.row(
          `SELECT "id", "name", "phone" FROM "Technician" WHERE "${"id" in by ? "id" : "name"}" = ? AND "active" = TRUE LIMIT 1`,
          "id" in by ? by.id : by.name,
        );
  return r ? toTechnician(tx, r) : null;
}

/** Each desk's stored reference for a ticket (raw JSON). */
export async function ticketDeskRefRows(
  tx: SqlTx,
  ticketId: string,
): Promise<{ desk: string; ref: string }[]> {
  const rows = await tx.rows(`SELECT "desk", "ref" FROM "TicketDeskRef" WHERE "ticketId" = ?`, ticketId);
  return rows.map((r) => ({ desk: str(r.desk), ref: str(r.ref) }));
}

export async function onCallAt(tx: SqlTx, at: Date): Promise<TechnicianRecord | null> {
  const r = await tx.row(
    `SELECT t."id", t."name", t."phone" FROM "OnCallShift" s JOIN "Technician" t ON t."id" = s."technicianId"
     WHERE s."startsAt" <= ? AND s."endsAt" > ? AND t."active" = TRUE ORDER BY s."startsAt" DESC LIMIT 1`,
    iso(at),
    iso(at),
  );
  return r ? toTechnician(tx, r) : null;
}

// ---------------------------------------------------------------------------------------------
// Jobs

export async function scheduleJob(
  tx: SqlTx,
  j: { kind: string; key: string; dueAt: Date; payload: string },
): Promise<void> {
  await tx.run(
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

export async function cancelJobs(tx: SqlTx, keys: string[]): Promise<void> {
  for (const key of keys)
    await tx.run(`UPDATE "Job" SET "status" = 'cancelled' WHERE "key" = ? AND "status" = 'pending'`, key);
}

// ---------------------------------------------------------------------------------------------
// Outbox

/** A chat's undelivered messages, oldest first (at most 100). */
export async function pendingForChat(tx: SqlTx, channel: string, chatId: string) {
  const rows = await tx.rows(
    `SELECT "id", "channel", "chatId", "text", "body", "attempts", "nextAttemptAt" FROM "Message"
     WHERE "channel" = ? AND "chatId" = ? AND "direction" = 'out' AND "status" = 'pending'
     ORDER BY "at" ASC, "id" ASC LIMIT 100`,
    channel,
    chatId,
  );
  return rows.map((r) => ({
    id: str(r.id),
    channel: str(r.channel),
    chatId: str(r.chatId),
    text: str(r.text),
    body: str(r.body),
    attempts: num(r.attempts),
    nextAttemptAt: maybeDate(r.nextAttemptAt),
  }));
}

/** Marks messages sent in one statement (one commit), by the ids the sender already has. */
export async function markDelivered(tx: SqlTx, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx.run(
    `UPDATE "Message" SET "status" = 'sent', "deliveredAt" = ?, "attempts" = "attempts" + 1, "claimedBy" = NULL, "leaseUntil" = NULL WHERE "id" IN (${ids.map(() => "?").join(", ")})`,
    iso(at),
    ...ids,
  );
}

export async function markDeliveryFailed(
  tx: SqlTx,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await tx.run(
    `UPDATE "Message" SET "status" = ?, "attempts" = "attempts" + 1, "lastError" = ?, "nextAttemptAt" = ?, "claimedBy" = NULL, "leaseUntil" = NULL WHERE "id" = ?`,
    retryAt ? "pending" : "failed",
    error.slice(0, 1000),
    retryAt ? iso(retryAt) : null,
    id,
  );
}

export async function countPendingOutbound(tx: SqlTx): Promise<number> {
  const r = await tx.row(
    `SELECT COUNT(*) AS "n" FROM "Message" WHERE "direction" = 'out' AND "status" = 'pending'`,
  );
  return num(r!.n);
}

/** Claims a chat's pending outbound messages (oldest first, at most 100) for this instance. */
export async function claimChatOutbox(
  tx: SqlTx,
  channel: string,
  chatId: string,
  instanceId: string,
  leaseUntil: Date,
) {
  const rows = await pendingForChat(tx, channel, chatId);
  if (rows.length === 0) return rows;
  await tx.run(
    `UPDATE "Message" SET "claimedBy" = ?, "leaseUntil" = ? WHERE "id" IN (${rows.map(() => "?").join(", ")})`,
    instanceId,
    iso(leaseUntil),
    ...rows.map((r) => r.id),
  );
  return rows;
}

/** Gives back claimed, unsent messages. */
export async function releaseOutbox(tx: SqlTx, ids: string[], instanceId: string): Promise<void> {
  if (ids.length === 0) return;
  await tx.run(
    `UPDATE "Message" SET "claimedBy" = NULL, "leaseUntil" = NULL WHERE "claimedBy" = ? AND "id" IN (${ids.map(() => "?").join(", ")})`,
    instanceId,
    ...ids,
  );
}

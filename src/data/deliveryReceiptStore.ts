/**
 * Delivery receipts and the customer-service window, for channels that report what became of a
 * sent message (WhatsApp Cloud API) and only take free text within a window after the customer's
 * last message. Queries of their own (`DeliveryReceipt`, and reads of `Message`/`Conversation`), over
 * {@link SqlTx}.
 */
import { onSql, type SqlExecutor } from "./database.js";
import { iso, maybeDate, maybeNum, maybeStr, type SqlTx } from "./sqlTx.js";

/** Later statuses never go back to earlier ones; `failed` wins over any but itself. */
const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3 };

/** One message the outbox handed to a channel, and the id the platform gave it. */
export interface SentId {
  channel: string;
  chatId: string;
  platformMessageId: string;
  /** The outbound Message row. */
  messageId: string;
}

/** Notes which outbound row each platform id belongs to (a status may already be there). */
export async function noteSentIds(on: SqlExecutor, sent: SentId[], at: Date): Promise<void> {
  await onSql(on, async (tx) => {
    for (const s of sent) {
      await tx.run(
        `INSERT INTO "DeliveryReceipt" ("channel", "platformMessageId", "chatId", "messageId", "at") VALUES (?, ?, ?, ?, ?)
         ON CONFLICT ("channel", "platformMessageId") DO UPDATE SET "messageId" = excluded."messageId"`,
        s.channel,
        s.platformMessageId,
        s.chatId,
        s.messageId,
        iso(at),
      );
    }
  });
}

/** What recording a status found. */
export interface ReceiptOutcome {
  /** The outbound row the status is about, when the outbox noted it. */
  messageId: string | null;
  /** True the first time this message is reported failed (a redelivered status is not). */
  newlyFailed: boolean;
}

/** The condition on the stored status under which `status` replaces it (never moving back). */
function replaceable(status: string): string {
  if (status === "failed") return `("status" IS NULL OR "status" <> 'failed')`;
  const earlier = Object.keys(RANK).filter((s) => RANK[s]! < (RANK[status] ?? 0));
  return earlier.length === 0
    ? `"status" IS NULL`
    : `("status" IS NULL OR "status" IN (${earlier.map((s) => `'${s}'`).join(", ")}))`;
}

/** Records a platform's status for a message, never moving back (`read` then `delivered` stays `read`). */
export async function recordReceipt(
  on: SqlExecutor,
  r: { channel: string; chatId: string; platformMessageId: string; status: string; error?: string; at: Date },
): Promise<ReceiptOutcome> {
  return onSql(on, async (tx: SqlTx) => {
    await tx.run(
      `INSERT INTO "DeliveryReceipt" ("channel", "platformMessageId", "chatId", "at") VALUES (?, ?, ?, ?)
       ON CONFLICT ("channel", "platformMessageId") DO NOTHING`,
      r.channel,
      r.platformMessageId,
      r.chatId,
      iso(r.at),
    );
    const where = `WHERE "channel" = ? AND "platformMessageId" = ? AND ${replaceable(r.status)}`;
    const changed = r.error
      ? await tx.run(
          `UPDATE "DeliveryReceipt" SET "status" = ?, "at" = ?, "error" = ? ${where}`,
          r.status,
          iso(r.at),
          r.error.slice(0, 1000),
          r.channel,
          r.platformMessageId,
        )
      : await tx.run(
          `UPDATE "DeliveryReceipt" SET "status" = ?, "at" = ? ${where}`,
          r.status,
          iso(r.at),
          r.channel,
          r.platformMessageId,
        );
    const row = await tx.row(
      `SELECT "messageId" FROM "DeliveryReceipt" WHERE "channel" = ? AND "platformMessageId" = ?`,
      r.channel,
      r.platformMessageId,
    );
    return { messageId: maybeStr(row?.messageId), newlyFailed: r.status === "failed" && changed > 0 };
  });
}

/** The platform's last status for an outbound row (null: none reported yet). */
export async function receiptOf(
  on: SqlExecutor,
  messageId: string,
): Promise<{ status: string | null; error: string | null } | null> {
  const row = await onSql(on, (tx) =>
    tx.row(
      `SELECT "status", "error" FROM "DeliveryReceipt" WHERE "messageId" = ? ORDER BY "at" DESC LIMIT 1`,
      messageId,
    ),
  );
  return row ? { status: maybeStr(row.status), error: maybeStr(row.error) } : null;
}

/** How many times an outbound row was tried (null: no such row). */
export async function outboundAttempts(on: SqlExecutor, messageId: string): Promise<number | null> {
  const row = await onSql(on, (tx) => tx.row(`SELECT "attempts" FROM "Message" WHERE "id" = ?`, messageId));
  return maybeNum(row?.attempts);
}

/** Marks an outbound row failed after the platform said it never arrived. */
export async function markOutboundFailed(on: SqlExecutor, messageId: string, error: string): Promise<void> {
  await onSql(on, (tx) =>
    tx.run(
      `UPDATE "Message" SET "status" = 'failed', "lastError" = ? WHERE "id" = ? AND "direction" = 'out'`,
      error.slice(0, 1000),
      messageId,
    ),
  );
}

/** When the customer of a chat last wrote, and their language when the chat knows the customer. */
export async function serviceWindowFacts(
  on: SqlExecutor,
  channel: string,
  chatId: string,
): Promise<{ lastInboundAt: Date | null; language: "it" | "en" | null }> {
  return onSql(on, async (tx) => {
    const last = await tx.row(
      `SELECT "at" FROM "Message" WHERE "channel" = ? AND "chatId" = ? AND "direction" = 'in' ORDER BY "at" DESC LIMIT 1`,
      channel,
      chatId,
    );
    const customer = await tx.row(
      `SELECT c."language" FROM "Conversation" v JOIN "Customer" c ON c."id" = v."customerId"
       WHERE v."channel" = ? AND v."chatId" = ?`,
      channel,
      chatId,
    );
    const language = customer?.language === "it" || customer?.language === "en" ? customer.language : null;
    return { lastInboundAt: maybeDate(last?.at), language };
  });
}

/**
 * Delivery receipts and the customer-service window, for channels that report what became of a
 * sent message (WhatsApp Cloud API) and only take free text within a window after the customer's
 * last message. Queries of their own (`DeliveryReceipt`, and reads of `Message`/`Conversation`), over
 * {@link SqlTx}.
 */
import { onSql, type SqlExecutor } from "./database.js";
import { qb, type Statement, statement } from "./schema/queryBuilder.js";
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
        noteSent.sql,
        ...noteSent.args({
          channel: s.channel,
          platformMessageId: s.platformMessageId,
          chatId: s.chatId,
          messageId: s.messageId,
          at: iso(at),
        }),
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

const noteSent = statement<{
  channel: string;
  platformMessageId: string;
  chatId: string;
  messageId: string;
  at: string;
}>((p) =>
  qb
    .insertInto("DeliveryReceipt")
    .values({
      channel: p.channel,
      platformMessageId: p.platformMessageId,
      chatId: p.chatId,
      messageId: p.messageId,
      at: p.at,
    })
    .onConflict((oc) =>
      oc
        .columns(["channel", "platformMessageId"])
        .doUpdateSet((eb) => ({ messageId: eb.ref("excluded.messageId") })),
    ),
);
const insertReceipt = statement<{ channel: string; platformMessageId: string; chatId: string; at: string }>(
  (p) =>
    qb
      .insertInto("DeliveryReceipt")
      .values({ channel: p.channel, platformMessageId: p.platformMessageId, chatId: p.chatId, at: p.at })
      .onConflict((oc) => oc.columns(["channel", "platformMessageId"]).doNothing()),
);
const messageIdOfReceipt = statement<{ channel: string; platformMessageId: string }>((p) =>
  qb
    .selectFrom("DeliveryReceipt")
    .select("messageId")
    .where("channel", "=", p.channel)
    .where("platformMessageId", "=", p.platformMessageId),
);
const lastReceiptOf = statement<{ messageId: string }>((p) =>
  qb
    .selectFrom("DeliveryReceipt")
    .select(["status", "error"])
    .where("messageId", "=", p.messageId)
    .orderBy("at", "desc")
    .limit(1),
);
const attemptsOfMessage = statement<{ id: string }>((p) =>
  qb.selectFrom("Message").select("attempts").where("id", "=", p.id),
);
const failOutbound = statement<{ id: string; error: string }>((p) =>
  qb
    .updateTable("Message")
    .set({ status: "failed", lastError: p.error })
    .where("id", "=", p.id)
    .where("direction", "=", "out"),
);
const lastInboundOf = statement<{ channel: string; chatId: string }>((p) =>
  qb
    .selectFrom("Message")
    .select("at")
    .where("channel", "=", p.channel)
    .where("chatId", "=", p.chatId)
    .where("direction", "=", "in")
    .orderBy("at", "desc")
    .limit(1),
);
const languageOfChat = statement<{ channel: string; chatId: string }>((p) =>
  qb
    .selectFrom("Conversation as v")
    .innerJoin("Customer as c", "c.id", "v.customerId")
    .select("c.language")
    .where("v.channel", "=", p.channel)
    .where("v.chatId", "=", p.chatId),
);

interface StatusUpdate {
  channel: string;
  platformMessageId: string;
  status: string;
  at: string;
}
/** The UPDATEs recording a status, without and with an error, for one condition on the stored status. */
interface StatusUpdates {
  plain: Statement<StatusUpdate>;
  withError: Statement<StatusUpdate & { error: string }>;
}

/**
 * The UPDATEs for a status that replaces the stored one only when `earlier` is (never moving
 * back); `failed` replaces any but itself.
 */
function statusUpdates(earlier: "failed" | readonly string[]): StatusUpdates {
  const build = <P extends StatusUpdate>(set: (p: P) => Partial<Record<"status" | "at" | "error", string>>) =>
    statement<P>((p) =>
      qb
        .updateTable("DeliveryReceipt")
        .set(set(p))
        .where("channel", "=", p.channel)
        .where("platformMessageId", "=", p.platformMessageId)
        .where((eb) =>
          earlier === "failed"
            ? eb.or([eb("status", "is", null), eb("status", "<>", "failed")])
            : earlier.length === 0
              ? eb("status", "is", null)
              : eb.or([eb("status", "is", null), eb("status", "in", earlier)]),
        ),
    );
  return {
    plain: build<StatusUpdate>((p) => ({ status: p.status, at: p.at })),
    withError: build<StatusUpdate & { error: string }>((p) => ({
      status: p.status,
      at: p.at,
      error: p.error,
    })),
  };
}

/** The statuses ranked below `status`. */
const earlierThan = (status: string) => Object.keys(RANK).filter((s) => RANK[s]! < (RANK[status] ?? 0));

/** The UPDATEs per status (see {@link replaceable}); an unranked status replaces no status. */
const UPDATES = new Map<string, StatusUpdates>([
  ["failed", statusUpdates("failed")],
  ...Object.keys(RANK).map((s): [string, StatusUpdates] => [s, statusUpdates(earlierThan(s))]),
]);
const UNRANKED = statusUpdates([]);

/** The UPDATEs under which `status` replaces the stored one (never moving back). */
function replaceable(status: string): StatusUpdates {
  return UPDATES.get(status) ?? UNRANKED;
}

/** Records a platform's status for a message, never moving back (`read` then `delivered` stays `read`). */
export async function recordReceipt(
  on: SqlExecutor,
  r: { channel: string; chatId: string; platformMessageId: string; status: string; error?: string; at: Date },
): Promise<ReceiptOutcome> {
  return onSql(on, async (tx: SqlTx) => {
    const receipt = { channel: r.channel, platformMessageId: r.platformMessageId };
    await tx.run(insertReceipt.sql, ...insertReceipt.args({ ...receipt, chatId: r.chatId, at: iso(r.at) }));
    const update = replaceable(r.status);
    const set = { ...receipt, status: r.status, at: iso(r.at) };
    const changed = r.error
      ? await tx.run(
          update.withError.sql,
          ...update.withError.args({ ...set, error: r.error.slice(0, 1000) }),
        )
      : await tx.run(update.plain.sql, ...update.plain.args(set));
    const row = await tx.row(messageIdOfReceipt.sql, ...messageIdOfReceipt.args(receipt));
    return { messageId: maybeStr(row?.messageId), newlyFailed: r.status === "failed" && changed > 0 };
  });
}

/** The platform's last status for an outbound row (null: none reported yet). */
export async function receiptOf(
  on: SqlExecutor,
  messageId: string,
): Promise<{ status: string | null; error: string | null } | null> {
  const row = await onSql(on, (tx) => tx.row(lastReceiptOf.sql, ...lastReceiptOf.args({ messageId })));
  return row ? { status: maybeStr(row.status), error: maybeStr(row.error) } : null;
}

/** How many times an outbound row was tried (null: no such row). */
export async function outboundAttempts(on: SqlExecutor, messageId: string): Promise<number | null> {
  const row = await onSql(on, (tx) =>
    tx.row(attemptsOfMessage.sql, ...attemptsOfMessage.args({ id: messageId })),
  );
  return maybeNum(row?.attempts);
}

/** Marks an outbound row failed after the platform said it never arrived. */
export async function markOutboundFailed(on: SqlExecutor, messageId: string, error: string): Promise<void> {
  await onSql(on, (tx) =>
    tx.run(failOutbound.sql, ...failOutbound.args({ id: messageId, error: error.slice(0, 1000) })),
  );
}

/** When the customer of a chat last wrote, and their language when the chat knows the customer. */
export async function serviceWindowFacts(
  on: SqlExecutor,
  channel: string,
  chatId: string,
): Promise<{ lastInboundAt: Date | null; language: "it" | "en" | null }> {
  return onSql(on, async (tx) => {
    const last = await tx.row(lastInboundOf.sql, ...lastInboundOf.args({ channel, chatId }));
    const customer = await tx.row(languageOfChat.sql, ...languageOfChat.args({ channel, chatId }));
    const language = customer?.language === "it" || customer?.language === "en" ? customer.language : null;
    return { lastInboundAt: maybeDate(last?.at), language };
  });
}

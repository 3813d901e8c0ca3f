/**
 * Delivery receipts and the customer-service window, for channels that report what became of a
 * sent message (WhatsApp Cloud API) and only take free text within a window after the customer's
 * last message. Queries of their own (`DeliveryReceipt`, and reads of `Message`/`Conversation`).
 */
import { type PrismaExecutor, prismaOf } from "./database.js";

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
export async function noteSentIds(on: PrismaExecutor, sent: SentId[], at: Date): Promise<void> {
  const prisma = prismaOf(on);
  for (const s of sent) {
    await prisma.deliveryReceipt.upsert({
      where: { channel_platformMessageId: { channel: s.channel, platformMessageId: s.platformMessageId } },
      create: { ...s, at },
      update: { messageId: s.messageId },
    });
  }
}

/** What recording a status found. */
export interface ReceiptOutcome {
  /** The outbound row the status is about, when the outbox noted it. */
  messageId: string | null;
  /** True the first time this message is reported failed (a redelivered status is not). */
  newlyFailed: boolean;
}

/** Records a platform's status for a message, never moving back (`read` then `delivered` stays `read`). */
export async function recordReceipt(
  on: PrismaExecutor,
  r: { channel: string; chatId: string; platformMessageId: string; status: string; error?: string; at: Date },
): Promise<ReceiptOutcome> {
  const prisma = prismaOf(on);
  const key = { channel: r.channel, platformMessageId: r.platformMessageId };
  await prisma.deliveryReceipt.upsert({
    where: { channel_platformMessageId: key },
    create: { ...key, chatId: r.chatId, at: r.at },
    update: {},
  });
  const earlier =
    r.status === "failed"
      ? { OR: [{ status: null }, { status: { not: "failed" } }] }
      : {
          OR: [
            { status: null },
            { status: { in: Object.keys(RANK).filter((s) => RANK[s]! < (RANK[r.status] ?? 0)) } },
          ],
        };
  const changed = await prisma.deliveryReceipt.updateMany({
    where: { ...key, ...earlier },
    data: { status: r.status, at: r.at, ...(r.error ? { error: r.error.slice(0, 1000) } : {}) },
  });
  const row = await prisma.deliveryReceipt.findUnique({
    where: { channel_platformMessageId: key },
    select: { messageId: true },
  });
  return { messageId: row?.messageId ?? null, newlyFailed: r.status === "failed" && changed.count > 0 };
}

/** The platform's last status for an outbound row (null: none reported yet). */
export async function receiptOf(
  on: PrismaExecutor,
  messageId: string,
): Promise<{ status: string | null; error: string | null } | null> {
  return prismaOf(on).deliveryReceipt.findFirst({
    where: { messageId },
    orderBy: { at: "desc" },
    select: { status: true, error: true },
  });
}

/** How many times an outbound row was tried (null: no such row). */
export async function outboundAttempts(on: PrismaExecutor, messageId: string): Promise<number | null> {
  const row = await prismaOf(on).message.findUnique({ where: { id: messageId }, select: { attempts: true } });
  return row?.attempts ?? null;
}

/** Marks an outbound row failed after the platform said it never arrived. */
export async function markOutboundFailed(
  on: PrismaExecutor,
  messageId: string,
  error: string,
): Promise<void> {
  await prismaOf(on).message.updateMany({
    where: { id: messageId, direction: "out" },
    data: { status: "failed", lastError: error.slice(0, 1000) },
  });
}

/** When the customer of a chat last wrote, and their language when the chat knows the customer. */
export async function serviceWindowFacts(
  on: PrismaExecutor,
  channel: string,
  chatId: string,
): Promise<{ lastInboundAt: Date | null; language: "it" | "en" | null }> {
  const prisma = prismaOf(on);
  const [last, conversation] = await Promise.all([
    prisma.message.findFirst({
      where: { channel, chatId, direction: "in" },
      orderBy: { at: "desc" },
      select: { at: true },
    }),
    prisma.conversation.findUnique({
      where: { channel_chatId: { channel, chatId } },
      select: { customerId: true },
    }),
  ]);
  const customer = conversation?.customerId
    ? await prisma.customer.findUnique({ where: { id: conversation.customerId }, select: { language: true } })
    : null;
  const language = customer?.language === "it" || customer?.language === "en" ? customer.language : null;
  return { lastInboundAt: last?.at ?? null, language };
}

/**
 * E-mail threads (subject and Message-IDs per customer problem thread) and the look-ups the
 * e-mail adapter needs to thread a reply: the chat of a ticket, the latest ticket of a chat.
 */

import { z } from "zod";
import { type PrismaExecutor, prismaOf } from "./database.js";
import { parseJson, toJson } from "./json.js";

/** Message-IDs kept per thread for `References` (the root and the latest ones). */
const MAX_REFERENCES = 20;

export interface MailThreadRecord {
  chatId: string;
  address: string;
  subject: string;
  rootMessageId: string;
  lastMessageId: string;
  references: string[];
}

const ids = z.array(z.string());

function toRecord(row: {
  chatId: string;
  address: string;
  subject: string;
  rootMessageId: string;
  lastMessageId: string;
  references: string;
}): MailThreadRecord {
  return { ...row, references: parseJson(ids, row.references, []) };
}

/** The e-mail store the adapter is given (a seam: tests and other stores can stand in). */
export interface MailThreadStore {
  thread(chatId: string): Promise<MailThreadRecord | null>;
  /** The thread one of these Message-IDs started, if any (a customer replying to their own mail). */
  threadOfMessage(messageIds: string[]): Promise<MailThreadRecord | null>;
  /** Records an inbound message on its thread (created on the first one). */
  noteInbound(m: { chatId: string; address: string; subject: string; messageId: string }): Promise<void>;
  /** Records an outbound message's id on its thread (created when we start the thread). */
  noteOutbound(m: { chatId: string; address: string; subject: string; messageId: string }): Promise<void>;
  /** The chat of an e-mail ticket, when `number` is one. */
  chatOfTicket(number: string): Promise<{ chatId: string; channel: string } | null>;
  /** The number of the newest ticket opened in a chat. */
  ticketOfChat(chatId: string): Promise<string | null>;
}

function trimRefs(refs: string[], add: string): string[] {
  const next = refs.includes(add) ? refs : [...refs, add];
  return next.length <= MAX_REFERENCES ? next : [next[0]!, ...next.slice(-(MAX_REFERENCES - 1))];
}

export function createMailThreadStore(on: PrismaExecutor): MailThreadStore {
  const prisma = prismaOf(on);
  const note = async (
    m: { chatId: string; address: string; subject: string; messageId: string },
    inbound: boolean,
  ) => {
    const existing = await prisma.mailThread.findUnique({ where: { chatId: m.chatId } });
    if (!existing) {
      await prisma.mailThread
        .create({
          data: {
            chatId: m.chatId,
            address: m.address,
            subject: m.subject.slice(0, 300),
            rootMessageId: m.messageId,
            lastMessageId: m.messageId,
            references: toJson([m.messageId]),
          },
        })
        // Two deliveries of the same first mail: the other one created it.
        .catch(() => undefined);
      return;
    }
    const refs = trimRefs(parseJson(ids, existing.references, []), m.messageId);
    await prisma.mailThread.update({
      where: { chatId: m.chatId },
      data: {
        references: toJson(refs),
        // Replies answer the customer's latest message.
        ...(inbound ? { lastMessageId: m.messageId } : {}),
      },
    });
  };
  return {
    async thread(chatId) {
      const row = await prisma.mailThread.findUnique({ where: { chatId } });
      return row ? toRecord(row) : null;
    },
    async threadOfMessage(messageIds) {
      if (messageIds.length === 0) return null;
      const row = await prisma.mailThread.findFirst({ where: { rootMessageId: { in: messageIds } } });
      return row ? toRecord(row) : null;
    },
    noteInbound: (m) => note(m, true),
    noteOutbound: (m) => note(m, false),
    async chatOfTicket(number) {
      const row = await prisma.ticket.findUnique({
        where: { number },
        select: { chatId: true, channel: true },
      });
      return row;
    },
    async ticketOfChat(chatId) {
      const row = await prisma.ticket.findFirst({
        where: { channel: "email", chatId },
        orderBy: { createdAt: "desc" },
        select: { number: true },
      });
      return row?.number ?? null;
    },
  };
}

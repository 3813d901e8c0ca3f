/**
 * E-mail threads (subject and Message-IDs per customer problem thread) and the look-ups the
 * e-mail adapter needs to thread a reply: the chat of a ticket, the latest ticket of a chat.
 */

import { z } from "zod";
import { onSql, type SqlExecutor } from "./database.js";
import { parseJson, toJson } from "./json.js";
import { iso, maybeStr, type SqlRow, str } from "./sqlTx.js";

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

function toRecord(row: SqlRow): MailThreadRecord {
  return {
    chatId: str(row.chatId),
    address: str(row.address),
    subject: str(row.subject),
    rootMessageId: str(row.rootMessageId),
    lastMessageId: str(row.lastMessageId),
    references: parseJson(ids, str(row.references), []),
  };
}

const THREAD = `SELECT "chatId", "address", "subject", "rootMessageId", "lastMessageId", "references" FROM "MailThread"`;

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

/** The store on the database (each call on a session connection) or in a transaction. */
export function createMailThreadStore(on: SqlExecutor): MailThreadStore {
  const note = (
    m: { chatId: string; address: string; subject: string; messageId: string },
    inbound: boolean,
  ) =>
    onSql(on, async (tx) => {
      const existing = await tx.row(`SELECT "references" FROM "MailThread" WHERE "chatId" = ?`, m.chatId);
      const now = iso(new Date());
      if (!existing) {
        // Two deliveries of the same first mail: the other one created it.
        await tx.run(
          `INSERT INTO "MailThread" ("chatId", "address", "subject", "rootMessageId", "lastMessageId", "references", "updatedAt")
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          m.chatId,
          m.address,
          m.subject.slice(0, 300),
          m.messageId,
          m.messageId,
          toJson([m.messageId]),
          now,
        );
        return;
      }
      const refs = toJson(trimRefs(parseJson(ids, str(existing.references), []), m.messageId));
      // Replies answer the customer's latest message.
      if (inbound)
        await tx.run(
          `UPDATE "MailThread" SET "references" = ?, "lastMessageId" = ?, "updatedAt" = ? WHERE "chatId" = ?`,
          refs,
          m.messageId,
          now,
          m.chatId,
        );
      else
        await tx.run(
          `UPDATE "MailThread" SET "references" = ?, "updatedAt" = ? WHERE "chatId" = ?`,
          refs,
          now,
          m.chatId,
        );
    });
  return {
    thread(chatId) {
      return onSql(on, async (tx) => {
        const row = await tx.row(`${THREAD} WHERE "chatId" = ?`, chatId);
        return row ? toRecord(row) : null;
      });
    },
    threadOfMessage(messageIds) {
      if (messageIds.length === 0) return Promise.resolve(null);
      return onSql(on, async (tx) => {
        const row = await tx.row(
          `${THREAD} WHERE "rootMessageId" IN (${messageIds.map(() => "?").join(", ")}) LIMIT 1`,
          ...messageIds,
        );
        return row ? toRecord(row) : null;
      });
    },
    noteInbound: (m) => note(m, true),
    noteOutbound: (m) => note(m, false),
    chatOfTicket(number) {
      return onSql(on, async (tx) => {
        const row = await tx.row(`SELECT "chatId", "channel" FROM "Ticket" WHERE "number" = ?`, number);
        return row ? { chatId: str(row.chatId), channel: str(row.channel) } : null;
      });
    },
    ticketOfChat(chatId) {
      return onSql(on, async (tx) => {
        const row = await tx.row(
          `SELECT "number" FROM "Ticket" WHERE "channel" = 'email' AND "chatId" = ? ORDER BY "createdAt" DESC LIMIT 1`,
          chatId,
        );
        return maybeStr(row?.number);
      });
    },
  };
}

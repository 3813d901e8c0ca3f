/**
 * E-mail threads (subject and Message-IDs per customer problem thread) and the look-ups the
 * e-mail adapter needs to thread a reply: the chat of a ticket, the latest ticket of a chat.
 */

import { z } from "zod";
import { onSql, type SqlExecutor } from "./database.js";
import { parseJson, toJson } from "./json.js";
import { perShape, qb, type Statement, statement } from "./schema/queryBuilder.js";
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

const THREAD = qb
  .selectFrom("MailThread")
  .select(["chatId", "address", "subject", "rootMessageId", "lastMessageId", "references"]);
const threadOfChat = statement<{ chatId: string }>((p) => THREAD.where("chatId", "=", p.chatId));
const referencesOf = statement<{ chatId: string }>((p) =>
  qb.selectFrom("MailThread").select("references").where("chatId", "=", p.chatId),
);
const insertThread = statement<{
  chatId: string;
  address: string;
  subject: string;
  messageId: string;
  references: string;
  updatedAt: string;
}>((p) =>
  qb
    .insertInto("MailThread")
    .values({
      chatId: p.chatId,
      address: p.address,
      subject: p.subject,
      rootMessageId: p.messageId,
      lastMessageId: p.messageId,
      references: p.references,
      updatedAt: p.updatedAt,
    })
    .onConflict((oc) => oc.doNothing()),
);
const noteInboundId = statement<{ chatId: string; references: string; messageId: string; updatedAt: string }>(
  (p) =>
    qb
      .updateTable("MailThread")
      .set({ references: p.references, lastMessageId: p.messageId, updatedAt: p.updatedAt })
      .where("chatId", "=", p.chatId),
);
const noteOutboundId = statement<{ chatId: string; references: string; updatedAt: string }>((p) =>
  qb
    .updateTable("MailThread")
    .set({ references: p.references, updatedAt: p.updatedAt })
    .where("chatId", "=", p.chatId),
);
const chatOfTicketNumber = statement<{ number: string }>((p) =>
  qb.selectFrom("Ticket").select(["chatId", "channel"]).where("number", "=", p.number),
);
const newestEmailTicketOf = statement<{ chatId: string }>((p) =>
  qb
    .selectFrom("Ticket")
    .select("number")
    .where("channel", "=", "email")
    .where("chatId", "=", p.chatId)
    .orderBy("createdAt", "desc")
    .limit(1),
);

/** The thread started by one of `n` Message-IDs, per `n` (compiled on first use). */
const threadOfRoot = perShape((n: number): Statement<{ messageIds: readonly string[] }> => {
  const names = Array.from({ length: n }, (_, i) => `id${i}` as const);
  const inner = statement<{ [id: `id${number}`]: string }>((p) =>
    // p[name] is a parameter: the proxy answers every name.
    THREAD.where(
      "rootMessageId",
      "in",
      names.map((name) => p[name]!),
    ).limit(1),
  );
  return {
    sql: inner.sql,
    args: ({ messageIds }) => inner.args(Object.fromEntries(messageIds.map((id, i) => [`id${i}`, id]))),
  };
});

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
      const existing = await tx.row(referencesOf.sql, ...referencesOf.args({ chatId: m.chatId }));
      const now = iso(new Date());
      if (!existing) {
        // Two deliveries of the same first mail: the other one created it.
        await tx.run(
          insertThread.sql,
          ...insertThread.args({
            chatId: m.chatId,
            address: m.address,
            subject: m.subject.slice(0, 300),
            messageId: m.messageId,
            references: toJson([m.messageId]),
            updatedAt: now,
          }),
        );
        return;
      }
      const refs = toJson(trimRefs(parseJson(ids, str(existing.references), []), m.messageId));
      // Replies answer the customer's latest message.
      if (inbound)
        await tx.run(
          noteInboundId.sql,
          ...noteInboundId.args({
            chatId: m.chatId,
            references: refs,
            messageId: m.messageId,
            updatedAt: now,
          }),
        );
      else
        await tx.run(
          noteOutboundId.sql,
          ...noteOutboundId.args({ chatId: m.chatId, references: refs, updatedAt: now }),
        );
    });
  return {
    thread(chatId) {
      return onSql(on, async (tx) => {
        const row = await tx.row(threadOfChat.sql, ...threadOfChat.args({ chatId }));
        return row ? toRecord(row) : null;
      });
    },
    threadOfMessage(headerIds) {
      if (headerIds.length === 0) return Promise.resolve(null);
      // A mail's headers may list any number of ids (a forged one, thousands): the thread's root
      // and the latest ones are enough, and keep one compiled statement per length, few in all.
      const unique = [...new Set(headerIds)];
      const messageIds =
        unique.length <= MAX_REFERENCES ? unique : [unique[0]!, ...unique.slice(-(MAX_REFERENCES - 1))];
      return onSql(on, async (tx) => {
        const select = threadOfRoot(messageIds.length);
        const row = await tx.row(select.sql, ...select.args({ messageIds }));
        return row ? toRecord(row) : null;
      });
    },
    noteInbound: (m) => note(m, true),
    noteOutbound: (m) => note(m, false),
    chatOfTicket(number) {
      return onSql(on, async (tx) => {
        const row = await tx.row(chatOfTicketNumber.sql, ...chatOfTicketNumber.args({ number }));
        return row ? { chatId: str(row.chatId), channel: str(row.channel) } : null;
      });
    },
    ticketOfChat(chatId) {
      return onSql(on, async (tx) => {
        const row = await tx.row(newestEmailTicketOf.sql, ...newestEmailTicketOf.args({ chatId }));
        return maybeStr(row?.number);
      });
    },
  };
}

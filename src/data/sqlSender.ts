/**
 * What every inbound message reads of its sender, in one statement: the customer their channel
 * identity belongs to, with purchases and open tickets.
 */

import { sql } from "kysely";
import type { CustomerRecord } from "./customerStore.js";
import { qb, statement } from "./schema/queryBuilder.js";
import { CUSTOMER, withPurchases } from "./sqlCustomers.js";
import { type OpenTicket, toOpenTicket } from "./sqlTickets.js";
import type { SqlRow, SqlTx } from "./sqlTx.js";

/** A known sender: their customer record and that customer's open tickets (oldest first). */
export interface KnownSender {
  customer: CustomerRecord;
  tickets: OpenTicket[];
}

const NULL = sql.lit(null);

/**
 * Two kinds of row, by `kind`: `c`, the customer's columns and one purchase (one row per
 * purchase, or one row with no item), in the order purchases were recorded; `t`, one open ticket,
 * oldest first. No row: the sender has no identity yet. (A customer's own columns and their
 * tickets' columns never share a row, so each has its own; `pOrder` and `tOrder` sort each kind.)
 */
const senderRows = statement<{ channel: string; externalId: string }>((p) =>
  qb
    .selectFrom("ChannelIdentity as i")
    .innerJoin("Customer as c", "c.id", "i.customerId")
    .leftJoin("HardwarePurchase as p", "p.customerId", "c.id")
    .select([
      sql.lit("c").as("kind"),
      ...CUSTOMER.map((column) => `c.${column}` as const),
      "p.item",
      "p.purchasedOn",
      "p.warrantyMonths",
      NULL.as("number"),
      NULL.as("status"),
      NULL.as("category"),
      NULL.as("channel"),
      NULL.as("chatId"),
      "p.id as pOrder",
      NULL.as("tOrder"),
    ])
    .where("i.channel", "=", p.channel)
    .where("i.externalId", "=", p.externalId)
    .unionAll(
      // Typed apart: its columns are the customer branch's, NULL where the other kind has a value.
      qb
        .selectFrom("ChannelIdentity as i")
        .innerJoin("Ticket as t", "t.customerId", "i.customerId")
        .select([
          sql.lit("t").as("kind"),
          "t.id",
          NULL.as("code"),
          NULL.as("company"),
          NULL.as("contactName"),
          NULL.as("phone"),
          NULL.as("email"),
          NULL.as("language"),
          NULL.as("plans"),
          NULL.as("verified"),
          NULL.as("salesRep"),
          NULL.as("item"),
          NULL.as("purchasedOn"),
          NULL.as("warrantyMonths"),
          "t.number",
          "t.status",
          "t.category",
          "t.channel",
          "t.chatId",
          NULL.as("pOrder"),
          "t.createdAt as tOrder",
        ])
        .where("i.channel", "=", p.channel)
        .where("i.externalId", "=", p.externalId)
        .where("t.status", "<>", sql.lit("closed")) as never,
    )
    .orderBy("kind")
    .orderBy("pOrder")
    .orderBy("tOrder"),
);

/** The sender's customer, purchases and open tickets; null when the sender has no identity yet. */
export async function knownSender(tx: SqlTx, channel: string, senderId: string): Promise<KnownSender | null> {
  const rows = await tx.rows(senderRows.sql, ...senderRows.args({ channel, externalId: senderId }));
  const purchases: SqlRow[] = [];
  const tickets: OpenTicket[] = [];
  for (const r of rows) {
    if (r.kind === "c") purchases.push(r);
    else tickets.push(toOpenTicket(r));
  }
  const first = purchases[0];
  return first ? { customer: withPurchases(first, purchases), tickets } : null;
}

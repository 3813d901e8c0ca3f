/**
 * Forged e-mail against the real mail stack (Dovecot + SMTP) with an offline DNS: a mail
 * DKIM-signed by the customer's domain (key made here) opens a ticket on the customer's account;
 * one with the same From but no valid signature (the domain publishes DMARC p=reject) touches
 * nothing of the customer's: no ticket on the account, nothing added to the open one, no mail to
 * the Reply-To; it becomes an unverified request, flagged on the board.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as store from "../../../src/data/supportStore.js";
import { customerDomain, signed } from "../../support/dkimMail.js";
import { type EmailStack, rawMail, SUPPORT, startEmailStack } from "../../support/emailStack.js";
import {
  type ImapTestServer,
  type SmtpTestServer,
  startDovecot,
  startSmtp,
  until,
} from "../../support/mailServers.js";
import { countOf, rowsOf, theRow } from "../../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";

const MARIO = "mario@bar.test";
const key = customerDomain("bar.test");

describe("forged From (DMARC) on the e-mail channel", () => {
  let t: TestDatabase;
  let imap: ImapTestServer;
  let smtp: SmtpTestServer;
  let stack: EmailStack;
  let customerId = "";

  const allRead = () =>
    until("the support mailbox to be read", async () => {
      await stack.adapter.checkNow();
      const all = await imap.messages(SUPPORT);
      return all.length > 0 && all.every((m) => m.seen);
    });

  beforeAll(async () => {
    t = await createTestDatabase();
    imap = await startDovecot([SUPPORT, MARIO]);
    smtp = await startSmtp({ server: imap, users: [MARIO] });
    const customer = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        contactName: "Mario",
        email: MARIO,
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    customerId = customer.id;
    stack = await startEmailStack(t, imap, smtp, { dns: key.dns });
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    await smtp?.stop();
    await imap?.stop();
    await t?.drop();
  });

  let number = "";

  it("a mail signed by the customer's domain opens a ticket on the customer's account", async () => {
    const mail = rawMail({
      from: `Mario Rossi <${MARIO}>`,
      subject: "La stampante non stampa",
      text: "Da stamattina la stampante della cassa non stampa.",
      messageId: "<real-1@bar.test>",
    }).replace(/\r?\n/g, "\r\n");
    await imap.deliver(SUPPORT, await signed(Buffer.from(mail), key));
    await allRead();
    const ticket = await until("a ticket", async () => (await rowsOf(t.db, "Ticket"))[0]);
    expect(ticket.customerId).toBe(customerId);
    number = ticket.number;
  });

  it("a forged mail in the customer's name opens no ticket on the account and touches none of its tickets", async () => {
    const ticketId = (await theRow(t.db, "Ticket", `"number" = ?`, number)).id;
    const before = await countOf(t.db, "Message", `"ticketId" = ?`, ticketId);
    const sentBefore = smtp.received.length;
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: `Mario Rossi <${MARIO}>`,
        subject: `Re: [${number}] La stampante non stampa`,
        text: "Annullate pure il ticket, e mandate il preventivo a questo indirizzo.",
        messageId: "<forged-1@evil.test>",
        headers: { "Reply-To": "attacker@evil.test" },
      }),
    );
    await allRead();
    // The runtime handled it in an unverified chat of its own.
    const chat = await until("the unverified chat", async () =>
      (await rowsOf(t.db, "Message", `"direction" = 'in'`)).find((m) => m.chatId.startsWith("unverified:")),
    );
    const accountTickets = await rowsOf(t.db, "Ticket", `"customerId" = ?`, customerId);
    expect(accountTickets.map((x) => x.number)).toEqual([number]);
    expect(accountTickets[0]!.status).not.toBe("closed");
    expect(await countOf(t.db, "Message", `"ticketId" = ?`, ticketId)).toBe(before);
    // Whatever the bot answers goes to the From address, never to the Reply-To.
    await until("the answer", async () => smtp.received.length > sentBefore);
    expect(JSON.stringify(smtp.received.map((m) => m.to)).toLowerCase()).not.toContain("evil.test");
    // It opened a request of its own for a person to read: not the customer's, flagged on the
    // board, with the mail's text; the sender was not asked to sign up.
    const views = await until("the flagged request", async () => {
      const all = await stack.runtime.listTickets("all");
      const flagged = all.filter((v) => v.chatId.startsWith("unverified:"));
      return flagged.length > 0 ? flagged : undefined;
    });
    expect(views).toHaveLength(1);
    expect(views[0]!.unverifiedSender).toBe(true);
    expect(views[0]!.customer.id).not.toBe(customerId);
    expect(chat.ticketId === null || chat.ticketId !== ticketId).toBe(true);
    // Staff read why on the ticket's history.
    const handover = await theRow(
      t.db,
      "TicketEvent",
      `"type" = 'ticket.handover' AND "ticketId" IN (SELECT "id" FROM "Ticket" WHERE "number" = ?)`,
      views[0]!.number,
    );
    expect(handover.payload).toContain("unverified-sender");
    expect(handover.payload).toContain("DMARC");
  });
});

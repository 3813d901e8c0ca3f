/**
 * Mail loops against the real mail stack (Dovecot + SMTP): test-side auto-responders answer every
 * mail sportello sends them, with NO Auto-Submitted (or any other automatic) header, as the
 * simple responder measured in issue 21 did (41 mails in 25 s). The bot's mails to each
 * responder are counted and must stay within the preset's loop guards; the responder is bounded
 * too, so a broken guard fails the test instead of running forever.
 */
import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as store from "../../../src/data/supportStore.js";
import { loadPolicy } from "../../../src/policy/loadPolicy.js";
import { type EmailStack, rawMail, SUPPORT, startEmailStack } from "../../support/emailStack.js";
import {
  type ImapTestServer,
  type SmtpTestServer,
  startDovecot,
  startSmtp,
  until,
} from "../../support/mailServers.js";
import { countOf, rowsOf } from "../../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";

const KNOWN = "ufficio@ferramenta.test";
const UNKNOWN = "info@sconosciuto.test";
const CHATTY = "desk@chiacchiere.test";
const SUBJECTED = "segreteria@studio.test";
const THREADLESS = "noreply-ish@gestionale.test";
/** The most mails a responder answers: far above any guard, so a loop shows as a count. */
const RESPONDER_LIMIT = 30;

const { loopGuard } = loadPolicy("leotron").conversation;

describe("e-mail loops with auto-responders (Dovecot + SMTP)", () => {
  let t: TestDatabase;
  let imap: ImapTestServer;
  let smtp: SmtpTestServer;
  let stack: EmailStack;
  let seq = 0;

  /** Every mail in the support mailbox was handed to the runtime (and its replies were sent). */
  const allRead = () =>
    until("the support mailbox to be read", async () => {
      await stack.adapter.checkNow();
      const all = await imap.messages(SUPPORT);
      return all.length > 0 && all.every((m) => m.seen);
    });
  const mailsTo = (address: string) =>
    smtp.received.filter((m) => m.to && JSON.stringify(m.to).toLowerCase().includes(address));

  /**
   * Plays an auto-responder at `address`: after the customer's first mail, every mail sportello
   * sends there is answered with `answer(n)` (threaded, no automatic headers), until sportello
   * stops writing or the responder's own limit. Returns the bot's mails to the responder.
   */
  async function respond(
    address: string,
    first: { subject: string; text: string },
    answer: (n: number) => { subject?: string; text: string; threaded?: boolean },
  ): Promise<ParsedMail[]> {
    await imap.deliver(
      SUPPORT,
      rawMail({ from: address, subject: first.subject, text: first.text, messageId: `<first-${address}>` }),
    );
    let answered = 0;
    while (answered < RESPONDER_LIMIT) {
      await allRead();
      const bot = mailsTo(address);
      if (bot.length === answered) break; // sportello said nothing new: the exchange is over
      for (const mail of bot.slice(answered)) {
        const reply = answer(++answered);
        await imap.deliver(
          SUPPORT,
          rawMail({
            from: address,
            subject: reply.subject ?? `Re: ${mail.subject}`,
            text: reply.text,
            messageId: `<auto-${++seq}@responder.test>`,
            headers:
              reply.threaded === false ? {} : { "In-Reply-To": mail.messageId!, References: mail.messageId! },
          }),
        );
      }
    }
    await allRead();
    return mailsTo(address);
  }

  const handovers = (reason: string) =>
    stack.events.filter((e) => e.type === "ticket.handover" && e.payload.reason === reason);

  beforeAll(async () => {
    t = await createTestDatabase();
    imap = await startDovecot([SUPPORT, KNOWN, UNKNOWN, CHATTY, SUBJECTED, THREADLESS]);
    smtp = await startSmtp({ server: imap, users: [KNOWN, UNKNOWN, CHATTY, SUBJECTED, THREADLESS] });
    for (const [company, email] of [
      ["Ferramenta Neri", KNOWN],
      ["Chiacchiere srl", CHATTY],
      ["Studio Bianchi", SUBJECTED],
      ["Gestionale spa", THREADLESS],
    ] as const)
      await t.db.transaction((tx) =>
        store.createCustomer(tx, {
          company,
          email,
          language: "it",
          plans: ["standard"],
          verified: true,
        }),
      );
    stack = await startEmailStack(t, imap, smtp);
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    await smtp?.stop();
    await imap?.stop();
    await t?.drop();
  });

  it("a responder that repeats itself stops getting mail after mailsPerThreadWithoutHuman; staff get the ticket, silently", async () => {
    const bot = await respond(
      KNOWN,
      { subject: "La stampante non stampa", text: "Da stamattina la stampante della cassa non stampa." },
      () => ({ text: "Grazie per il messaggio. Risponderò al più presto." }),
    );
    // The ticket's mail, then one per repeated answer up to the thread's limit; then nothing.
    expect(bot.length).toBe(1 + loopGuard.mailsPerThreadWithoutHuman);
    expect(bot.some((m) => (m.text ?? "").includes("Passo la conversazione"))).toBe(false);
    expect(handovers("mail-limit")).toHaveLength(1);
    const [ticket] = await rowsOf(t.db, "Ticket", `"chatId" LIKE ?`, `${KNOWN}#%`);
    // Every answer of the responder is on the ticket, the last ones included.
    const kept = await countOf(t.db, "Message", `"ticketId" = ? AND "direction" = 'in'`, ticket!.id);
    expect(kept).toBe(1 + bot.length);
    expect(stack.events).toContainEqual(
      expect.objectContaining({ type: "ticket.handover", ticket: ticket!.number }),
    );
  }, 60_000);

  it("an unknown sender's responder (identification questions) is bounded the same way and lands on a ticket to classify", async () => {
    const bot = await respond(
      UNKNOWN,
      { subject: "Richiesta informazioni", text: "Buongiorno, vorrei informazioni sul vostro servizio." },
      () => ({ text: "Questa casella non è presidiata. Per favore non rispondere." }),
    );
    expect(bot.length).toBeLessThanOrEqual(1 + loopGuard.mailsPerThreadWithoutHuman);
    const tickets = await rowsOf(t.db, "Ticket", `"chatId" LIKE ?`, `${UNKNOWN}#%`);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ category: null, status: "open" });
  }, 60_000);

  it("a responder whose text changes every time is stopped by the loop guard: the customer is told once a person will answer", async () => {
    const bot = await respond(
      CHATTY,
      { subject: "Il PC è lento", text: "Il computer della reception è lentissimo da ieri." },
      (n) => ({ text: `Messaggio ricevuto (protocollo ${1000 + n}). La contatteremo appena possibile.` }),
    );
    // The ticket's mail, at most botMessagesWithoutProgress repeats, the hand-over line; then silence.
    expect(bot.length).toBeLessThanOrEqual(2 + loopGuard.botMessagesWithoutProgress);
    expect(bot.filter((m) => (m.text ?? "").includes("Passo la conversazione"))).toHaveLength(1);
    expect(handovers("loop").length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("a responder recognised by its subject alone gets nothing back, and its mails are kept", async () => {
    const bot = await respond(
      SUBJECTED,
      { subject: "Il router non si connette", text: "Il router dello studio non si connette a internet." },
      () => ({ subject: "Risposta automatica: sono fuori ufficio", text: "Sarò in ufficio lunedì." }),
    );
    expect(bot).toHaveLength(1);
    const kept = await countOf(t.db, "Message", `"chatId" LIKE ? AND "direction" = 'in'`, `${SUBJECTED}#%`);
    expect(kept).toBe(2);
  }, 60_000);

  it("a responder that starts a new thread every time (new subject, new text) is stopped by mailsPerSenderPerHour", async () => {
    const bot = await respond(
      THREADLESS,
      { subject: "Errore nel gestionale", text: "Il gestionale dà errore all'avvio." },
      (n) => ({
        subject: `Notifica ${n}: il ticket è stato registrato nel nostro sistema`,
        text: `Notifica numero ${n}: abbiamo registrato la sua segnalazione nel nostro sistema interno.`,
        threaded: false,
      }),
    );
    expect(bot.length).toBe(loopGuard.mailsPerSenderPerHour);
    expect(handovers("mail-limit").length).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

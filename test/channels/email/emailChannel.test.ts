import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as store from "../../../src/data/supportStore.js";
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

const MARIO = "mario@bar.test";
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

describe("e-mail channel on the real runtime (Dovecot + SMTP)", () => {
  let t: TestDatabase;
  let imap: ImapTestServer & { pause(): Promise<void> };
  let smtp: SmtpTestServer;
  let stack: EmailStack;

  const tickets = () => rowsOf(t.db, "Ticket", `1 = 1 ORDER BY "createdAt"`);
  /** Waits until the support mailbox has no unread mail: everything was handed to the runtime. */
  const allRead = () =>
    until("the support mailbox to be read", async () => {
      await stack.adapter.checkNow();
      const all = await imap.messages(SUPPORT);
      return all.length > 0 && all.every((m) => m.seen);
    });

  beforeAll(async () => {
    t = await createTestDatabase();
    imap = (await startDovecot([SUPPORT, MARIO])) as typeof imap;
    smtp = await startSmtp({ server: imap, users: [MARIO] });
    await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        contactName: "Mario",
        email: "Mario@Bar.test",
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    stack = await startEmailStack(t, imap, smtp);
    await store.upsertTechnician(t.db, { name: "giulia" });
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    await smtp?.stop();
    await imap?.stop();
    await t?.drop();
  });

  let number = "";
  let firstReplyId = "";

  it("an e-mail with a photo opens a ticket; the customer gets one threaded reply with the number and the questions", async () => {
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: "Mario Rossi <MARIO@bar.test>",
        subject: "La stampante non stampa",
        text: "Da stamattina la stampante della cassa non stampa gli scontrini.\n\n-- \nMario Rossi\nBar Roma",
        messageId: "<m1@bar.test>",
        photo: { name: "errore.png", bytes: PNG },
      }),
    );
    const [ticket] = await until("a ticket", async () => {
      const rows = await tickets();
      return rows.length === 1 ? rows : null;
    });
    number = ticket!.number;
    expect(ticket).toMatchObject({ channel: "email", status: "open" });
    expect(ticket!.description).toContain("La stampante non stampa");
    expect(ticket!.description).not.toContain("Bar Roma");
    expect(JSON.parse(ticket!.coverage).attachments).toEqual([
      expect.objectContaining({ kind: "image", name: "errore.png" }),
    ]);
    const reply = await smtp.waitFor((m) => (m.subject ?? "").includes(number), "the reply with the number");
    firstReplyId = reply.messageId!;
    expect(reply.subject).toBe(`Re: [${number}] La stampante non stampa`);
    expect(reply.inReplyTo).toBe("<m1@bar.test>");
    expect(reply.headers.get("auto-submitted")).toBe("auto-replied");
    expect(reply.text).toContain(number);
    expect(reply.text).toMatch(/1\) Tipo di problema/);
    expect(reply.text).toMatch(/2\) Riesci comunque a lavorare/);
    // One e-mail for the whole turn, and it reached the customer's mailbox.
    expect(smtp.received).toHaveLength(1);
    await until("the reply in Mario's mailbox", async () =>
      (await imap.messages(MARIO)).some((m) => m.messageId === firstReplyId),
    );
  });

  it("the customer's answer by e-mail (quoted text below) completes the ticket", async () => {
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: MARIO,
        subject: `Re: [${number}] La stampante non stampa`,
        text: `1) sì\n2) sono bloccato\n\nIl giorno mar 30 mar 2027 alle 10:00 Assistenza <${SUPPORT}> ha scritto:\n> Per completare la segnalazione`,
        messageId: "<m2@bar.test>",
        headers: { "In-Reply-To": firstReplyId, References: `<m1@bar.test> ${firstReplyId}` },
      }),
    );
    const ticket = await until("the ticket to be completed", async () => {
      const row = await store.findTicket(t.db, number);
      return row?.blocking ? row : null;
    });
    expect(ticket.blocking).toBe(true);
    expect(stack.events.find((e) => e.type === "ticket.completed")?.payload).toMatchObject({
      blocking: true,
    });
    const thanks = await smtp.waitFor((m) => m.inReplyTo === "<m2@bar.test>", "the thanks");
    expect(thanks.subject).toBe(`Re: [${number}] La stampante non stampa`);
    expect(thanks.references).toEqual(expect.arrayContaining(["<m1@bar.test>", "<m2@bar.test>"]));
    expect(await tickets()).toHaveLength(1);
  });

  it("a technician's reply reaches the customer's mailbox, threaded", async () => {
    const by = { name: "giulia" };
    expect((await stack.runtime.perform({ type: "claim", ticket: number, by })).ok).toBe(true);
    expect(
      (
        await stack.runtime.perform({
          type: "reply",
          ticket: number,
          by,
          text: "Provi a riavviare la stampante.",
        })
      ).ok,
    ).toBe(true);
    const inbox = await until("the technician's reply in Mario's mailbox", async () => {
      const all = await imap.messages(MARIO);
      return all.find((m) => (m.text ?? "").includes("Provi a riavviare la stampante")) ?? null;
    });
    expect(inbox.subject).toContain(`[${number}]`);
    expect(inbox.inReplyTo).toBe("<m2@bar.test>");
    expect(inbox.html).toContain("Provi a riavviare la stampante");
  });

  it("an SMTP 4xx is retried until delivered; a 5xx is told to staff on the ticket with the server's reply", async () => {
    const by = { name: "giulia" };
    smtp.failNext(1, 451);
    expect(
      (await stack.runtime.perform({ type: "reply", ticket: number, by, text: "Riprovo tra poco." })).ok,
    ).toBe(true);
    // The retry is due a little later (on the runtime's clock).
    stack.clock.advance(60_000);
    await smtp.waitFor((m) => (m.text ?? "").includes("Riprovo tra poco."), "the reply after a 451");
    expect(stack.events.some((e) => e.type === "message.delivery-failed")).toBe(false);

    smtp.failNext(1, 550);
    expect(
      (await stack.runtime.perform({ type: "reply", ticket: number, by, text: "Le mando il tecnico." })).ok,
    ).toBe(true);
    const note = await until("a staff note about the failed e-mail", async () =>
      stack.events.find(
        (e) => e.type === "ticket.note" && String(e.payload.text).includes("non è stata recapitata"),
      ),
    );
    expect(note.ticket).toBe(number);
    expect(note.payload.text).toContain(MARIO);
    expect(note.payload.text).toContain("550 test failure 550");
    expect(stack.events.find((e) => e.type === "message.delivery-failed")?.payload).toMatchObject({
      channel: "email",
      address: MARIO,
      reason: expect.stringContaining("550"),
    });
    // Stored on the ticket's trail, where the board shows notes.
    const ticket = await store.findTicket(t.db, number);
    const trail = await rowsOf(t.db, "TicketEvent", `"ticketId" = ? AND "type" = 'ticket.note'`, ticket!.id);
    expect(trail.some((e) => e.payload.includes(MARIO) && e.payload.includes("550"))).toBe(true);
    // Given up: the failed reply is not sent again, and later messages still go out.
    smtp.failNext(0, 0);
    await stack.runtime.perform({ type: "reply", ticket: number, by, text: "Ci sentiamo domani." });
    await smtp.waitFor((m) => (m.text ?? "").includes("Ci sentiamo domani."), "the next reply");
    expect(smtp.received.some((m) => (m.text ?? "").includes("Le mando il tecnico."))).toBe(false);
  });

  it("an auto-reply and a bounce open nothing and get no answer; both are kept, the auto-reply on the thread's ticket", async () => {
    const sentBefore = smtp.received.length;
    const ticketsBefore = (await tickets()).length;
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: MARIO,
        subject: `Fuori sede: Re: [${number}] La stampante non stampa`,
        text: "Sono fuori ufficio fino a lunedì.",
        messageId: "<ooo1@bar.test>",
        headers: { "Auto-Submitted": "auto-replied" },
      }),
    );
    await imap.deliver(
      SUPPORT,
      [
        "From: Mail Delivery System <MAILER-DAEMON@bar.test>",
        `To: ${SUPPORT}`,
        "Subject: Undelivered Mail Returned to Sender",
        "Message-ID: <bounce1@bar.test>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
        "",
        "--r",
        "Content-Type: text/plain",
        "",
        "This is the mail system. Your message could not be delivered.",
        "--r",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; bar.test",
        "Final-Recipient: rfc822; nobody@bar.test",
        "Action: failed",
        "Status: 5.1.1",
        "--r--",
        "",
      ].join("\n"),
    );
    await allRead();
    await stack.runtime.runDueJobs();
    expect((await tickets()).length).toBe(ticketsBefore);
    expect(smtp.received.length).toBe(sentBefore);
    const stored = await rowsOf(
      t.db,
      "Message",
      `"platformMessageId" IN ('<ooo1@bar.test>', '<bounce1@bar.test>') ORDER BY "platformMessageId" DESC`,
    );
    expect(stored).toHaveLength(2);
    const ticket = await store.findTicket(t.db, number);
    expect(stored.map((m) => [m.platformMessageId, m.direction, m.ticketId])).toEqual([
      ["<ooo1@bar.test>", "in", ticket!.id],
      ["<bounce1@bar.test>", "in", null],
    ]);
  });

  it("the same message fetched twice opens one ticket", async () => {
    const before = (await tickets()).length;
    const copy = rawMail({
      from: MARIO,
      subject: "Il registratore di cassa non si accende",
      text: "Il registratore di cassa è spento e non si riaccende.",
      messageId: "<dup1@bar.test>",
    });
    await imap.deliver(SUPPORT, copy);
    await imap.deliver(SUPPORT, copy);
    await allRead();
    const after = await tickets();
    expect(after.length).toBe(before + 1);
    expect(await countOf(t.db, "Message", `"platformMessageId" = '<dup1@bar.test>'`)).toBe(1);
  });

  it("a restart during IMAP IDLE, and the mail server going away, lose nothing", async () => {
    const before = (await tickets()).length;
    // sportello stops while idling; a mail arrives meanwhile; a new process reads it.
    await stack.stop();
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: MARIO,
        subject: "Lo scanner non legge",
        text: "Lo scanner dei codici non legge più nulla.",
        messageId: "<r1@bar.test>",
      }),
    );
    stack = await startEmailStack(t, imap, smtp);
    await until("the ticket of the mail sent while sportello was down", async () =>
      (await tickets()).length === before + 1 ? true : null,
    );
    // Dovecot goes away while sportello idles: the channel reports it and reconnects.
    await until("IDLE", async () => stack.adapter.state().status === "connected");
    await imap.pause();
    await until("the error state", async () => stack.adapter.state().status === "error");
    await imap.start();
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: MARIO,
        subject: "Il monitor sfarfalla",
        text: "Il monitor della cassa sfarfalla di continuo.",
        messageId: "<r2@bar.test>",
      }),
    );
    await until(
      "the ticket after the reconnection",
      async () => ((await tickets()).length === before + 2 ? true : null),
      20_000,
    );
    await until(
      "the channel to be connected again",
      async () => stack.adapter.state().status === "connected",
    );
  }, 40_000);
});

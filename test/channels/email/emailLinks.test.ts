/**
 * One-time links sent by e-mail, end to end on Dovecot + SMTP and the real HTTP pages:
 * LeghornGroup's sales representative authorizes from the e-mail's link once and only once;
 * Leotron's close summary arrives with a feedback link that is filled in in real Chromium.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { ParsedMail } from "mailparser";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as links from "../../../src/data/linkStore.js";
import * as store from "../../../src/data/supportStore.js";
import { createRenderer } from "../../../src/i18n/renderer.js";
import { loadPolicy } from "../../../src/policy/loadPolicy.js";
import { registerLinkRoutes } from "../../../src/server/linkRoutes.js";
import { type EmailStack, rawMail, SUPPORT, startEmailStack } from "../../support/emailStack.js";
import {
  type ImapTestServer,
  type SmtpTestServer,
  startDovecot,
  startSmtp,
  until,
} from "../../support/mailServers.js";
import { rowOf, rowsOf } from "../../support/rows.js";
import { launchChromium } from "../../support/testBrowser.js";
import { createTestDatabase, type TestDatabase } from "../../support/testDatabase.js";

const CUSTOMER = "acquisti@porto-sigilli.test";
const REP = "luca.bianchi@leghorn.test";

/** The link pages of a stack's runtime on a real port. */
async function servePages(
  stack: () => EmailStack,
  policy: string,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  const p = loadPolicy(policy);
  registerLinkRoutes(app, {
    links: {
      info: (t) => stack().runtime.links.info(t),
      decide: (t, d) => stack().runtime.links.decide(t, d),
      rate: (t, r, c) => stack().runtime.links.rate(t, r, c),
    },
    render: createRenderer(p).render,
    company: p.company,
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, url };
}

/** The first recipient of a parsed mail. */
const firstTo = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value?.[0]?.address;

const linkIn = (text: string, path: string) => {
  const m = new RegExp(`https?://\\S+/${path}/[\\w-]+(\\?do=\\w+)?`).exec(text);
  if (!m) throw new Error(`no /${path}/ link in:\n${text}`);
  return m[0];
};

describe("e-mail links: the sales representative's authorization (LeghornGroup)", () => {
  let t: TestDatabase;
  let imap: ImapTestServer;
  let smtp: SmtpTestServer;
  let stack: EmailStack;
  let pages: { app: FastifyInstance; url: string };

  beforeAll(async () => {
    t = await createTestDatabase();
    imap = await startDovecot([SUPPORT, CUSTOMER]);
    smtp = await startSmtp({ server: imap, users: [CUSTOMER] });
    pages = await servePages(() => stack, "leghorn");
    stack = await startEmailStack(t, imap, smtp, {
      policy: "leghorn",
      at: "2027-03-30T10:00:00+02:00",
      publicUrl: () => pages.url,
    });
    const customer = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Porto Sigilli",
        email: CUSTOMER,
        language: "it",
        plans: [],
        verified: true,
      }),
    );
    await t.db.transaction(async (tx) => {
      const rep = await links.upsertSalesRep(tx, {
        name: "Luca Bianchi",
        email: REP,
        phone: "+39 0586 000000",
      });
      await links.linkCustomerToRep(tx, customer.id, rep);
    });
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    await pages?.app.close();
    await smtp?.stop();
    await imap?.stop();
    await t?.drop();
  });

  it("the rep's Authorize link authorizes once and only once; the callback promise starts then", async () => {
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: CUSTOMER,
        subject: "Sigillo elettronico non comunica",
        text: "Il sigillo RFID non comunica più con il lettore da ieri.",
        messageId: "<lg1@porto-sigilli.test>",
      }),
    );
    const repMail = await smtp.waitFor((m) => firstTo(m) === REP, "the rep's e-mail");
    const ticket = (await rowOf(t.db, "Ticket"))!;
    expect(ticket.status).toBe("awaiting-authorization");
    expect(ticket.callbackDueAt).toBeNull();
    expect(repMail.subject).toBe(`[${ticket.number}] Richiesta di autorizzazione: Porto Sigilli`);
    expect(repMail.text).toContain("Il sigillo RFID non comunica");
    const authorize = linkIn(repMail.text ?? "", "rep");
    expect(authorize).toMatch(/\?do=authorize$/);
    // Staff see the links too, to forward them.
    const note = await rowOf(t.db, "TicketEvent", `"type" = 'ticket.note' AND "ticketId" = ?`, ticket.id);
    expect(note?.payload).toContain(authorize);

    // Opening the link changes nothing (mail scanners follow links); the button does.
    const shown = await fetch(authorize);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain("Autorizza");
    expect((await store.findTicket(t.db, ticket.number))!.status).toBe("awaiting-authorization");

    const post = () =>
      fetch(authorize.replace(/\?.*$/, ""), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "do=authorize",
      });
    const [a, b] = await Promise.all([post(), post()]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const again = await post();
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("già stato usato");

    const after = (await store.findTicket(t.db, ticket.number))!;
    expect(after.status).toBe("open");
    expect(after.callbackDueAt?.toISOString()).toBe("2027-03-31T08:00:00.000Z");
    expect(stack.events.filter((e) => e.type === "ticket.authorized")).toHaveLength(1);
    const told = await smtp.waitFor(
      (m) => firstTo(m) === CUSTOMER && (m.text ?? "").includes("autorizzato"),
      "the customer told of the authorization",
    );
    expect(told.subject).toContain(`[${ticket.number}]`);
  });

  it("a decline tells the customer politely; a bad link is a 404 page", async () => {
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: CUSTOMER,
        subject: "Lucchetto bloccato",
        text: "Il lucchetto elettronico resta bloccato in chiusura.",
        messageId: "<lg2@porto-sigilli.test>",
      }),
    );
    const repMail = await smtp.waitFor(
      (m) => firstTo(m) === REP && (m.text ?? "").includes("Lucchetto bloccato"),
      "the second rep e-mail",
    );
    const decline = linkIn(repMail.text ?? "", "rep").replace("do=authorize", "do=decline");
    const res = await fetch(decline.replace(/\?.*$/, ""), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "do=decline",
    });
    expect(res.status).toBe(200);
    const ticket = (await rowOf(t.db, "Ticket", `"description" LIKE '%Lucchetto%'`))!;
    expect(ticket.status).toBe("closed");
    const told = await smtp.waitFor(
      (m) => firstTo(m) === CUSTOMER && (m.text ?? "").includes("non ha autorizzato"),
      "the polite decline",
    );
    expect(told.subject).toContain(`[${ticket.number}]`);
    expect((await fetch(`${pages.url}/rep/not-a-real-token-123456`)).status).toBe(404);
  });
});

describe("e-mail links: the close summary and the feedback form in Chromium (Leotron)", () => {
  let t: TestDatabase;
  let imap: ImapTestServer;
  let smtp: SmtpTestServer;
  let stack: EmailStack;
  let pages: { app: FastifyInstance; url: string };
  let browser: Browser;
  const MARIA = "maria@ferramenta.test";

  beforeAll(async () => {
    t = await createTestDatabase();
    imap = await startDovecot([SUPPORT, MARIA]);
    smtp = await startSmtp({ server: imap, users: [MARIA] });
    pages = await servePages(() => stack, "leotron");
    stack = await startEmailStack(t, imap, smtp, { publicUrl: () => pages.url });
    await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Ferramenta Neri",
        contactName: "Maria",
        email: "Maria@Ferramenta.test",
        phone: "+393331112233",
        language: "it",
        plans: [],
        verified: true,
      }),
    );
    await store.upsertTechnician(t.db, { name: "giulia" });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await pages?.app.close();
    await smtp?.stop();
    await imap?.stop();
    await t?.drop();
  });

  it("the summary (outcome, minutes, net + VAT = gross) arrives with a feedback link that works once, on a phone", async () => {
    await imap.deliver(
      SUPPORT,
      rawMail({
        from: MARIA,
        subject: "Stampante fiscale",
        text: "La stampante fiscale non stampa lo scontrino.",
        messageId: "<lt1@ferramenta.test>",
      }),
    );
    const number = (await until("a ticket", () => rowOf(t.db, "Ticket")))!.number;
    const by = { name: "giulia" };
    expect((await stack.runtime.perform({ type: "claim", ticket: number, by })).ok).toBe(true);
    const closed = await stack.runtime.perform({
      type: "close",
      ticket: number,
      by,
      minutes: 70,
      resolution: "Driver della stampante reinstallato",
      plan: "none",
    });
    expect(closed.ok).toBe(true);
    const summary = await smtp.waitFor((m) => (m.text ?? "").includes("/feedback/"), "the close summary");
    expect(summary.subject).toBe(`Re: [${number}] Stampante fiscale`);
    expect(summary.text).toContain("Esito: Driver della stampante reinstallato");
    expect(summary.text).toContain("Durata dell'intervento: 70 minuti");
    expect(summary.text).toMatch(/Addebito: 120,00\s€ \+ IVA 26,40\s€ = 146,40\s€/);
    const link = linkIn(summary.text ?? "", "feedback");

    const page = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await page.goto(link);
    await page.getByRole("heading", { name: `La tua opinione sulla segnalazione ${number}` }).waitFor();
    await page.locator('label[for="r4"]').click();
    await page.getByLabel("Un commento o un suggerimento (facoltativo)").fill("Tecnico gentile e veloce");
    await page.getByRole("button", { name: "Invia" }).click();
    await page.getByRole("heading", { name: "Grazie per la tua opinione!" }).waitFor();
    await page.goto(link);
    await page.getByText("Questo modulo è già stato compilato").waitFor();
    await page.close();

    const ticket = (await store.findTicket(t.db, number))!;
    const feedback = await rowsOf(t.db, "Feedback", `"ticketId" = ?`, ticket.id);
    expect(feedback).toEqual([expect.objectContaining({ rating: 4, comment: "Tecnico gentile e veloce" })]);
    expect(stack.events.filter((e) => e.type === "feedback.recorded")).toHaveLength(1);
  }, 40_000);

  it("a ticket from another channel also gets the summary by e-mail, in a thread of its own", async () => {
    const customer = (await rowOf(t.db, "Customer"))!;
    await stack.runtime.handleInbound({
      channel: "whatsapp",
      chatId: "393331112233@c.us",
      senderId: "+393331112233",
      platformMessageId: "wa-1",
      at: new Date(),
      text: "Il computer della cassa ha un virus, si aprono finestre",
      attachments: [],
    });
    // WhatsApp has no adapter here: the intake runs on the stored conversation.
    await stack.runtime.handleInbound({
      channel: "whatsapp",
      chatId: "393331112233@c.us",
      senderId: "+393331112233",
      platformMessageId: "wa-2",
      at: new Date(),
      text: "Altro",
      attachments: [],
    });
    const ticket = await rowOf(t.db, "Ticket", `"channel" = 'whatsapp' AND "customerId" = ?`, customer.id);
    if (!ticket) {
      // The chat intake asks what it still needs: the category, whether the customer can work, consent.
      for (const [i, text] of ["Virus informatici", "1", "accetto"].entries())
        await stack.runtime.handleInbound({
          channel: "whatsapp",
          chatId: "393331112233@c.us",
          senderId: "+393331112233",
          platformMessageId: `wa-${3 + i}`,
          at: new Date(),
          text,
          attachments: [],
        });
    }
    const opened = await until("the WhatsApp ticket", () =>
      rowOf(t.db, "Ticket", `"channel" = 'whatsapp' AND "customerId" = ?`, customer.id),
    );
    const by = { name: "giulia" };
    await stack.runtime.perform({ type: "claim", ticket: opened.number, by });
    await stack.runtime.perform({
      type: "close",
      ticket: opened.number,
      by,
      minutes: 20,
      resolution: "Virus rimosso",
    });
    const summary = await smtp.waitFor(
      (m) => (m.subject ?? "") === `[${opened.number}] Segnalazione chiusa: riepilogo`,
      "the summary of the WhatsApp ticket",
    );
    expect(firstTo(summary)).toBe(MARIA);
    expect(summary.text).toContain("Esito: Virus rimosso");
    expect(summary.text).toContain("/feedback/");
  });
});

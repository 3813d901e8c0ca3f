import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { automatedReason, automaticSubject } from "../../../src/channels/email/automatedMail.js";
import { parseImapUrl } from "../../../src/channels/email/emailConfig.js";
import { newTextOfReply } from "../../../src/channels/email/mailText.js";
import {
  baseSubject,
  emailChatId,
  outboundMessageId,
  parseEmailChatId,
  replySubject,
  threadKeysFromIds,
  ticketNumbersInSubject,
} from "../../../src/channels/email/threading.js";
import { toEmailReply } from "../../../src/channels/email/toEmailReply.js";
import { toInboundMessage } from "../../../src/channels/email/toInboundMessage.js";
import { loadConfig } from "../../../src/config/env.js";

const parse = (raw: string) => simpleParser(raw.replace(/\n/g, "\r\n"));

describe("e-mail: threading", () => {
  it("finds ticket numbers in subjects and keeps the base subject", () => {
    expect(ticketNumbersInSubject("Re: [LG-2026-00042] Sigillo non risponde")).toEqual(["LG-2026-00042"]);
    expect(baseSubject("R: RE: [LG-2026-00042] Sigillo non risponde")).toBe("Sigillo non risponde");
    expect(replySubject("Fwd: Stampante", "LT-2027-00003")).toBe("Re: [LT-2027-00003] Stampante");
  });

  it("our Message-IDs lead back to the thread, other domains' do not", () => {
    const id = outboundMessageId("cm1abc", "k3y", "support.example.com");
    expect(threadKeysFromIds(["<x@y>", id], "support.example.com")).toEqual(["k3y"]);
    expect(threadKeysFromIds([id], "evil.example.com")).toEqual([]);
    expect(parseEmailChatId(emailChatId("Mario@Bar.IT", "k3y"))).toEqual({
      address: "mario@bar.it",
      threadKey: "k3y",
    });
  });
});

describe("e-mail: what the customer wrote", () => {
  it("strips quoted text and signatures (Italian and English clients)", () => {
    expect(
      newTextOfReply(
        "2\nsono bloccato\n\nIl giorno lun 3 mar 2027, Supporto <s@x.it> ha scritto:\n> domanda",
      ),
    ).toBe("2\nsono bloccato");
    expect(newTextOfReply("Yes, accept\n-- \nMario Rossi\nBar Roma")).toBe("Yes, accept");
    expect(newTextOfReply("ok\n\nOn Mon, 3 Mar 2027 at 10:00, Support <s@x.it>\nwrote:\n> hi")).toBe("ok");
    expect(newTextOfReply("Inviato da iPhone")).toBe("Inviato da iPhone");
    expect(newTextOfReply("fine\n\nDa: Supporto\nInviato: lunedì\n> x")).toBe("fine");
  });

  it("reads HTML-only mail as text and keeps the subject of a new thread", async () => {
    const mail = await parse(
      `From: Mario <MARIO@bar.it>\nTo: support@x.it\nSubject: Stampante ferma\nMessage-ID: <a1@bar.it>\nContent-Type: text/html; charset=utf-8\n\n<p>La stampante <b>non stampa</b></p>`,
    );
    const m = toInboundMessage(mail, {
      chatId: "mario@bar.it#k",
      newThread: true,
      maxAttachmentBytes: 1000,
      fallbackMessageId: "<f@x>",
      receivedAt: new Date(),
    });
    expect(m).toMatchObject({ channel: "email", senderId: "mario@bar.it", platformMessageId: "<a1@bar.it>" });
    expect(m.text).toBe("Stampante ferma\n\nLa stampante non stampa");
  });

  it("an attachment over the limit is reported as too large, not downloaded", async () => {
    const big = Buffer.alloc(3000, 1).toString("base64");
    const mail = await parse(
      `From: a@b.it\nSubject: foto\nMessage-ID: <p1@b.it>\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nguarda\n--XX\nContent-Type: image/png\nContent-Disposition: attachment; filename=err.png\nContent-Transfer-Encoding: base64\n\n${big}\n--XX--\n`,
    );
    const m = toInboundMessage(mail, {
      chatId: "a@b.it#k",
      newThread: false,
      maxAttachmentBytes: 1000,
      fallbackMessageId: "<f@x>",
      receivedAt: new Date(),
    });
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ kind: "image", name: "err.png" });
    await expect(m.attachments[0]!.fetch!()).rejects.toMatchObject({ code: "too-large" });
  });
});

describe("e-mail: no loops", () => {
  const headersOf = async (extra: string, from = "a@b.it") =>
    (await parse(`From: ${from}\nSubject: x\n${extra}\n\nbody`)).headers as Map<string, unknown>;

  it("recognises auto-replies, bounces, lists and our own address; a person's mail passes", async () => {
    expect(automatedReason(await headersOf("Auto-Submitted: auto-replied"), "a@b.it")).toBe("auto-submitted");
    expect(automatedReason(await headersOf("Auto-Submitted: no"), "a@b.it")).toBeNull();
    expect(automatedReason(await headersOf("X-Autoreply: yes"), "a@b.it")).toBe("auto-reply");
    expect(automatedReason(await headersOf("Precedence: bulk"), "a@b.it")).toBe("precedence-bulk");
    expect(automatedReason(await headersOf("List-Id: <l.b.it>"), "a@b.it")).toBe("mailing-list");
    expect(
      automatedReason(
        await headersOf("Content-Type: multipart/report; report-type=delivery-status"),
        "a@b.it",
      ),
    ).toBe("delivery-report");
    expect(automatedReason(await headersOf(""), "mailer-daemon@b.it")).toBe("system-sender");
    expect(automatedReason(await headersOf(""), "support@x.it", ["support@x.it"])).toBe("own-address");
    expect(automatedReason(await headersOf(""), "a@b.it")).toBeNull();
  });

  it("recognises Exchange's X-Auto-Response-Suppress, X-Failed-Recipients, an empty Return-Path and out-of-office subjects", async () => {
    expect(automatedReason(await headersOf("X-Auto-Response-Suppress: All"), "a@b.it")).toBe("auto-reply");
    expect(automatedReason(await headersOf("X-Failed-Recipients: x@y.it"), "a@b.it")).toBe("delivery-report");
    expect(automatedReason(await headersOf("Return-Path: <>"), "a@b.it")).toBe("delivery-report");
    expect(
      automatedReason(await headersOf(""), "a@b.it", [], "Risposta automatica: Re: [LT-2027-00001] x"),
    ).toBe("automatic-subject");
    for (const subject of [
      "Out of Office: La stampante",
      "Automatic reply: [LT-2027-00001] printer",
      "RE: Fuori sede: Re: problema",
      "Risposta automatica",
      "Sono fuori ufficio fino al 12 aprile",
      "Undeliverable: Re: [LT-2027-00001] stampante",
      "Abwesenheitsnotiz: Drucker",
    ])
      expect(automaticSubject(subject), subject).toBe(true);
    // A person's subject that merely starts with such words is still a person's.
    for (const subject of [
      "Fuori sede la VPN non si collega",
      "Re: [LT-2027-00001] La stampante non stampa",
      "Assenza di segnale sul POS",
      "Away mode of the alarm panel",
      "",
    ])
      expect(automaticSubject(subject), subject).toBe(false);
  });

  it("our replies say they are automatic and carry the thread headers", () => {
    const mail = toEmailReply(
      { channel: "email", chatId: "a@b.it#k", text: "Pick one:", choices: [{ id: "1", label: "Software" }] },
      {
        to: "a@b.it",
        subject: "Re: x",
        messageId: "<o.1.k@x.it>",
        inReplyTo: "<a@b>",
        references: ["<a@b>"],
      },
      "Support <support@x.it>",
    );
    expect(mail.headers).toMatchObject({ "Auto-Submitted": "auto-replied" });
    expect(mail).toMatchObject({ inReplyTo: "<a@b>", references: "<a@b>", messageId: "<o.1.k@x.it>" });
    expect(mail.text).toBe("Pick one:\n\n1. Software");
  });
});

describe("e-mail: settings", () => {
  it("is off with a hint when unset, and refuses half a configuration", () => {
    expect(loadConfig({}).email).toMatchObject({ enabled: false });
    expect(() => loadConfig({ IMAP_URL: "imap://u:p@h" })).toThrow(/SMTP_URL/);
    const on = loadConfig({
      IMAP_URL: "imaps://support%40x.it:p%40ss@imap.x.it/Assistenza",
      SMTP_URL: "smtps://u:p@smtp.x.it",
      MAIL_FROM: "Supporto <Support@X.it>",
    }).email;
    expect(on.enabled && on.settings).toMatchObject({
      fromAddress: "support@x.it",
      domain: "x.it",
      imap: {
        host: "imap.x.it",
        port: 993,
        secure: true,
        user: "support@x.it",
        pass: "p@ss",
        folder: "Assistenza",
      },
    });
    expect(() => parseImapUrl("http://x")).toThrow(/imap/);
  });
});

/**
 * E-mail as a customer channel. Receives from one IMAP folder with `imapflow` (IDLE, a periodic
 * check as a safety net, reconnect with jittered exponential backoff), parses with `mailparser`,
 * sends with `nodemailer` over SMTP. Only translation lives here: threading by headers and
 * subject, dropping automated mail (no loops), size limits; the conversation is the runtime's.
 *
 * Nothing is lost across restarts: a mail is flagged `\Seen` only after the runtime durably
 * accepted it, so mail that arrived while sportello was down (or was being handled when it
 * stopped) is read at the next start; a mail read twice is dropped by the runtime's durable
 * de-duplication on its Message-ID.
 */
import { createHash, randomUUID } from "node:crypto";
import { ImapFlow } from "imapflow";
import { type ParsedMail, simpleParser } from "mailparser";
import nodemailer, { type Transporter } from "nodemailer";
import type { MailThreadStore } from "../../data/mailStore.js";
import type { Logger } from "../../observability/logger.js";
import {
  type ChannelAdapter,
  ChannelSendError,
  type ChannelState,
  type InboundHandler,
  type OutboundMessage,
  type SendResult,
  UNVERIFIED_CHAT_PREFIX,
} from "../port.js";
import { automatedReason } from "./automatedMail.js";
import type { EmailSettings } from "./emailConfig.js";
import { checkMail, type MailAuthSettings } from "./mailAuth.js";
import {
  baseSubject,
  emailChatId,
  messageIdList,
  outboundMessageId,
  parseEmailChatId,
  replySubject,
  threadKeyFor,
  threadKeysFromIds,
  ticketNumbersInSubject,
  ticketThreadKey,
} from "./threading.js";
import { toEmailReply } from "./toEmailReply.js";
import { senderAddress, toInboundMessage } from "./toInboundMessage.js";

export interface EmailAdapterOptions extends Omit<EmailSettings, "mailAuth"> {
  store: MailThreadStore;
  logger: Logger;
  /** Subject of a thread we start without a customer subject (e.g. "Assistenza LeghornGroup"). */
  defaultSubject?: string;
  /** Reconnect delays (ms): first and largest. */
  backoff?: { minMs: number; maxMs: number };
  /** How the From of incoming mail is checked (SPF/DKIM/DMARC); default `check` with system DNS. */
  mailAuth?: MailAuthSettings;
}

/** An e-mail channel adapter with the extra `checkNow` used by tests and the scheduler. */
export interface EmailAdapter extends ChannelAdapter {
  /** Reads the folder now (resolves when every unseen mail was handed to the runtime). */
  checkNow(): Promise<void>;
}

const MAX_FAILURES_PER_MAIL = 5;

export function createEmailAdapter(options: EmailAdapterOptions): EmailAdapter {
  const { store, logger } = options;
  const backoff = options.backoff ?? { minMs: 1_000, maxMs: 5 * 60_000 };
  const transport: Transporter = nodemailer.createTransport(options.smtpUrl);
  let onMessage: InboundHandler | null = null;
  let running = false;
  let client: ImapFlow | null = null;
  let imapState: ChannelState = { status: "off", hint: "not started" };
  let smtpError: string | null = null;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let draining: Promise<void> | null = null;
  let again = false;
  let pollTimer: NodeJS.Timeout | null = null;
  const failures = new Map<number, number>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref?.();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Which chat an inbound mail belongs to, and whether it starts a new thread. */
  async function chatFor(mail: ParsedMail, from: string, messageId: string) {
    const refs = [...messageIdList(mail.inReplyTo), ...messageIdList(mail.references)];
    // 1. A reply to one of our messages names its thread in our Message-ID.
    for (const key of threadKeysFromIds(refs, options.domain)) {
      const chatId = emailChatId(from, key);
      return { chatId, newThread: (await store.thread(chatId)) === null };
    }
    // 2. The ticket number in the subject.
    for (const number of ticketNumbersInSubject(mail.subject ?? "")) {
      const ticket = await store.chatOfTicket(number);
      if (!ticket) continue;
      const chatId =
        ticket.channel === "email" && parseEmailChatId(ticket.chatId).address === from
          ? ticket.chatId
          : emailChatId(from, ticketThreadKey("t", number));
      return { chatId, newThread: (await store.thread(chatId)) === null };
    }
    // 3. A follow-up to the customer's own earlier mail.
    const own = await store.threadOfMessage(refs);
    if (own && own.address === from) return { chatId: own.chatId, newThread: false };
    // 4. A new thread.
    return { chatId: emailChatId(from, threadKeyFor(messageId)), newThread: true };
  }

  /** Hands one mail to the runtime; resolves once it is durably accepted (or deliberately dropped). */
  async function accept(source: Buffer, tooLarge: boolean): Promise<void> {
    const mail = await simpleParser(source);
    const from = senderAddress(mail);
    const fallbackId = `<sha256.${createHash("sha256").update(source).digest("hex").slice(0, 32)}@${options.domain}>`;
    const messageId = mail.messageId ?? fallbackId;
    if (!from) {
      logger.info({ messageId }, "e-mail without a sender address ignored");
      return;
    }
    const automated = automatedReason(
      mail.headers as Map<string, unknown>,
      from,
      [options.fromAddress],
      mail.subject ?? "",
    );
    if (automated === "own-address") {
      logger.info({ messageId, from }, "our own e-mail came back; ignored");
      return;
    }
    if (automated)
      logger.info({ messageId, from, reason: automated }, "automated e-mail: kept, not answered");
    const auth = await checkMail(source, options.mailAuth ?? { mode: "check" }).catch((error: unknown) => {
      logger.warn({ err: error, messageId }, "e-mail authentication could not run; taken as unchecked");
      return { verified: true, dmarc: "temperror" };
    });
    // A From failing its domain's DMARC may be forged: never the known customer's thread or
    // tickets; a new request of an unverified sender, flagged on the board.
    const { chatId, newThread } = auth.verified
      ? await chatFor(mail, from, messageId)
      : { chatId: `${UNVERIFIED_CHAT_PREFIX}${emailChatId(from, threadKeyFor(messageId))}`, newThread: true };
    if (!auth.verified)
      logger.warn({ messageId, from, dmarc: auth.dmarc }, "e-mail failing DMARC: an unverified request");
    const message = toInboundMessage(mail, {
      chatId,
      newThread,
      maxAttachmentBytes: options.maxAttachmentBytes,
      fallbackMessageId: fallbackId,
      receivedAt: new Date(),
    });
    if (!auth.verified) message.senderId = `${UNVERIFIED_CHAT_PREFIX}${from}`;
    if (automated) {
      // Kept in the thread's transcript (on its ticket), never answered and never a new ticket;
      // its files (a bounce's copy of our mail) are not kept.
      message.automated = automated;
      message.attachments = [];
    } else if (tooLarge) {
      // Only the headers and text were read: the customer is told the message was too large.
      message.attachments.push({
        kind: "document",
        name: "message",
        fetch: async () => {
          throw Object.assign(new Error("e-mail over the size limit"), { code: "too-large" });
        },
      });
    }
    await store.noteInbound({
      chatId,
      address: from,
      subject: baseSubject(mail.subject ?? "") || (options.defaultSubject ?? ""),
      messageId,
    });
    logger.debug({ messageId, chatId, newThread }, "e-mail handed to the runtime");
    await onMessage?.(message);
  }

  /** Reads every unseen mail of the folder, oldest first; marks each `\Seen` once accepted. */
  async function drainOnce(imap: ImapFlow): Promise<void> {
    const uids = (await imap.search({ seen: false }, { uid: true })) || [];
    for (const uid of [...uids].sort((a, b) => a - b)) {
      if (!running) return;
      try {
        const meta = await imap.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
        if (!meta) continue;
        const tooLarge = (meta.size ?? 0) > options.maxMessageBytes;
        let source: Buffer;
        if (tooLarge) {
          // Headers and the first text part only: the attachments are what makes it large.
          const part =
            (await imap.fetchOne(
              String(uid),
              { uid: true, headers: true, bodyParts: ["1"] },
              { uid: true },
            )) || null;
          const text = part?.bodyParts?.get("1");
          source = Buffer.concat([
            part?.headers ?? Buffer.alloc(0),
            Buffer.from("\r\n"),
            text ? text.subarray(0, 64_000) : Buffer.alloc(0),
          ]);
        } else {
          const full = (await imap.fetchOne(String(uid), { uid: true, source: true }, { uid: true })) || null;
          if (!full?.source) continue;
          source = full.source;
        }
        await accept(source, tooLarge);
        await imap.messageFlagsAdd(String(uid), ["\\Seen"], { uid: true });
        failures.delete(uid);
      } catch (error) {
        const count = (failures.get(uid) ?? 0) + 1;
        failures.set(uid, count);
        logger.warn({ err: error, uid, attempt: count }, "e-mail could not be handled; it stays unread");
        if (count >= MAX_FAILURES_PER_MAIL) {
          // A mail that keeps failing must not hold the others back: flagged for a human.
          await imap.messageFlagsAdd(String(uid), ["\\Seen", "\\Flagged"], { uid: true }).catch(() => false);
          logger.error({ uid }, "e-mail skipped after repeated failures; flagged in the mailbox");
          failures.delete(uid);
        }
        // The connection may be gone: the reconnect loop reads the rest.
        if (!imap.usable) return;
      }
    }
  }

  function drain(): Promise<void> {
    const imap = client;
    if (!imap?.usable) return Promise.resolve();
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        await drainOnce(imap);
      } while (again && running && imap.usable);
    })()
      .catch((error) => logger.warn({ err: error }, "reading the mailbox failed"))
      .finally(() => {
        draining = null;
      });
    return draining;
  }

  async function connectOnce(): Promise<ImapFlow> {
    const imap = new ImapFlow({
      host: options.imap.host,
      port: options.imap.port,
      secure: options.imap.secure,
      auth: { user: options.imap.user, pass: options.imap.pass },
      logger: false,
      // Restart IDLE regularly: some servers and NAT boxes drop idle connections silently.
      maxIdleTime: 5 * 60_000,
      // Enter IDLE right after our own commands (imapflow waits 15 s by default), so new mail is
      // announced at once.
      autoIdleDelay: 500,
    });
    imap.on("error", (error: Error) => logger.warn({ err: error }, "IMAP connection error"));
    await imap.connect();
    await imap.mailboxOpen(options.imap.folder);
    imap.on("exists", (info: unknown) => {
      logger.debug({ info }, "IMAP: new mail");
      void drain();
    });
    return imap;
  }

  async function receiveLoop(): Promise<void> {
    let attempt = 0;
    while (running) {
      try {
        // While reconnecting, the last error stays visible (a reconnect attempt is not "ok").
        if (imapState.status !== "error") imapState = { status: "starting" };
        const imap = await connectOnce();
        if (!running) {
          // Stopped while connecting.
          await imap.logout().catch(() => imap.close());
          return;
        }
        client = imap;
        attempt = 0;
        imapState = {
          status: "connected",
          detail: `${options.imap.user}@${options.imap.host} ${options.imap.folder}`,
        };
        logger.info({ folder: options.imap.folder, host: options.imap.host }, "e-mail connected (IMAP IDLE)");
        const closed = new Promise<void>((resolve) => imap.once("close", () => resolve()));
        await drain();
        await closed;
        client = null;
        if (!running) return;
        imapState = { status: "error", error: "IMAP connection closed; reconnecting" };
        logger.warn("IMAP connection closed; reconnecting");
      } catch (error) {
        client = null;
        imapState = { status: "error", error: `IMAP: ${(error as Error).message}` };
        logger.warn({ err: error, attempt }, "IMAP connection failed; retrying");
      }
      if (!running) return;
      const delay = Math.min(backoff.maxMs, backoff.minMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      attempt++;
      await sleep(delay);
    }
  }

  return {
    name: "email",
    async start(handler) {
      onMessage = handler;
      running = true;
      loop = receiveLoop();
      // SMTP problems show in /health but never stop the channel (sends are retried by the outbox);
      // SMTP is checked again at every poll, so /health shows an SMTP server going away even when
      // nothing is being sent, and recovers on its own.
      const verifySmtp = () =>
        transport
          .verify()
          .then(() => {
            smtpError = null;
          })
          .catch((error: Error) => {
            smtpError = `SMTP: ${error.message}`;
            logger.warn({ err: error }, "SMTP server not reachable; outgoing e-mail will be retried");
          });
      pollTimer = setInterval(() => {
        void drain();
        void verifySmtp();
      }, options.pollSeconds * 1000);
      pollTimer.unref?.();
      void verifySmtp();
    },
    async stop() {
      running = false;
      if (pollTimer) clearInterval(pollTimer);
      wake?.();
      const imap = client;
      client = null;
      await draining?.catch(() => undefined);
      if (imap) await imap.logout().catch(() => imap.close());
      await loop?.catch(() => undefined);
      transport.close();
    },
    async checkNow() {
      await drain();
    },
    async send(message: OutboundMessage): Promise<SendResult> {
      const { address, threadKey } = parseEmailChatId(message.chatId);
      const thread = await store.thread(message.chatId);
      const ticket = await store.ticketOfChat(message.chatId);
      const subject =
        message.subject ?? replySubject(thread?.subject || options.defaultSubject || "", ticket);
      const messageId = outboundMessageId(message.outboxId ?? randomUUID(), threadKey, options.domain);
      const mail = toEmailReply(
        message,
        {
          to: address,
          subject,
          messageId,
          inReplyTo: message.subject ? null : (thread?.lastMessageId ?? null),
          references: message.subject ? [] : (thread?.references ?? []),
        },
        options.from,
      );
      try {
        await transport.sendMail(mail);
        smtpError = null;
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500) {
          // The server's own reply line ("550 5.1.1 <x@y>: mailbox unavailable") is what staff need.
          const reply = (error as { response?: string }).response?.trim() || (error as Error).message;
          throw new ChannelSendError(
            "smtp-rejected",
            `SMTP ${reply.startsWith(String(code)) ? reply : `${code} ${reply}`}`,
            {
              permanent: true,
              cause: error,
            },
          );
        }
        smtpError = `SMTP: ${(error as Error).message}`;
        throw new ChannelSendError(
          code ? "smtp-temporary" : "smtp-unreachable",
          `SMTP ${code ?? ""}: ${(error as Error).message}`.trim(),
          { cause: error },
        );
      }
      await store.noteOutbound({ chatId: message.chatId, address, subject: baseSubject(subject), messageId });
      return { platformMessageId: messageId };
    },
    state(): ChannelState {
      if (imapState.status === "connected" && smtpError) return { status: "error", error: smtpError };
      return imapState;
    },
  };
}

/**
 * A parsed e-mail (mailparser) → the channel port's {@link InboundMessage}. The adapter has
 * already decided the chat (thread) and that the mail is a person's, not an automated one.
 */
import type { ParsedMail } from "mailparser";
import { CodedError } from "../../errors.js";
import { attachmentKindOf } from "../attachmentKind.js";
import type { InboundAttachment, InboundMessage } from "../port.js";
import { newTextOfReply } from "./mailText.js";
import { baseSubject } from "./threading.js";

/** Longest text read from one e-mail; the rest is cut (the ticket keeps a summary anyway). */
export const MAX_MAIL_TEXT_CHARS = 20_000;

export interface InboundMailContext {
  chatId: string;
  /** True for the first mail of a thread: the subject is part of the problem description. */
  newThread: boolean;
  /** Attachments larger than this are not kept (the customer is told they are too large). */
  maxAttachmentBytes: number;
  /** Id used when the mail has no Message-ID (a hash of its headers, computed by the adapter). */
  fallbackMessageId: string;
  /** Arrival time when the mail has no usable Date header. */
  receivedAt: Date;
}

/** The sender's address, lower-cased, or null. */
export function senderAddress(mail: ParsedMail): string | null {
  const from = mail.from?.value?.[0]?.address ?? mail.replyTo?.value?.[0]?.address;
  return from ? from.trim().toLowerCase() : null;
}

/** Thrown by an attachment's `fetch` when it was over the size limit (the runtime says so). */
export class MailAttachmentTooLarge extends CodedError<"too-large"> {
  constructor(name: string) {
    super("too-large", `attachment ${name} is over the size limit`);
  }
}

export function toInboundMessage(mail: ParsedMail, ctx: InboundMailContext): InboundMessage {
  const address = senderAddress(mail) ?? "unknown";
  const body = newTextOfReply(mail.text ?? "");
  const subject = baseSubject(mail.subject ?? "");
  const text = (
    ctx.newThread && subject && !body.toLowerCase().startsWith(subject.toLowerCase())
      ? `${subject}\n\n${body}`
      : body
  )
    .trim()
    .slice(0, MAX_MAIL_TEXT_CHARS);
  const attachments: InboundAttachment[] = (mail.attachments ?? [])
    // Signature logos and the like are inline parts referenced by the HTML; photos pasted into
    // the body are inline too, so only small inline images are skipped.
    .filter((a) => !(a.related && a.contentType.startsWith("image/") && a.size < 10_000))
    .map((a, i) => {
      const name = a.filename ?? `attachment-${i + 1}`;
      const tooLarge = a.size > ctx.maxAttachmentBytes;
      return {
        kind: attachmentKindOf(a.contentType),
        mime: a.contentType,
        name,
        size: a.size,
        fetch: async () => {
          if (tooLarge) throw new MailAttachmentTooLarge(name);
          return new Uint8Array(a.content);
        },
      };
    });
  const name = mail.from?.value?.[0]?.name?.trim();
  const date = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : ctx.receivedAt;
  const language = mail.headers.get("content-language");
  return {
    channel: "email",
    chatId: ctx.chatId,
    senderId: address,
    platformMessageId: mail.messageId ?? ctx.fallbackMessageId,
    at: date,
    text,
    attachments,
    ...(name ? { senderName: name } : {}),
    ...(typeof language === "string" && language ? { languageHint: language } : {}),
  };
}

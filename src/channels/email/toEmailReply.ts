/**
 * The channel port's {@link OutboundMessage} → a nodemailer message: plain text and a simple
 * HTML version of the same text (paragraphs, links, numbered choices), threaded with
 * `Message-ID`, `In-Reply-To`, `References` and the ticket number in the subject.
 */
import type { SendMailOptions } from "nodemailer";
import type { OutboundMessage } from "../port.js";

export interface ReplyThread {
  to: string;
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Escaped text with URLs as links and line breaks kept. */
function htmlParagraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => {
      const linked = escapeHtml(p).replace(
        /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g,
        (url) => `<a href="${url}">${url}</a>`,
      );
      return `<p>${linked.replace(/\n/g, "<br>")}</p>`;
    })
    .join("\n");
}

/** The text of a message with its choices as a numbered list the customer can answer with. */
export function plainTextOf(message: OutboundMessage): string {
  const choices = message.choices ?? [];
  if (choices.length === 0) return message.text;
  return `${message.text}\n\n${choices.map((c, i) => `${i + 1}. ${c.label}`).join("\n")}`;
}

export function toEmailReply(message: OutboundMessage, thread: ReplyThread, from: string): SendMailOptions {
  const text = plainTextOf(message);
  return {
    from,
    to: thread.to,
    subject: thread.subject,
    messageId: thread.messageId,
    ...(thread.inReplyTo ? { inReplyTo: thread.inReplyTo } : {}),
    ...(thread.references.length ? { references: thread.references.join(" ") } : {}),
    // RFC 3834: vacation responders must not answer us (no mail loops); X-Autoreply for the
    // responders that only look at it, X-Auto-Response-Suppress for Exchange.
    headers: { "Auto-Submitted": "auto-replied", "X-Autoreply": "yes", "X-Auto-Response-Suppress": "All" },
    text,
    html: `<!doctype html><html><body style="font-family:sans-serif;font-size:15px;line-height:1.45">${htmlParagraphs(text)}</body></html>`,
    attachments: (message.attachments ?? []).map((a) => ({
      filename: a.name,
      // Only bytes the runtime hands over: never a URL the mailer would fetch by itself.
      ...(a.data ? { content: Buffer.from(a.data) } : {}),
      ...(a.mime ? { contentType: a.mime } : {}),
    })),
  };
}

/**
 * E-mail channel settings (the `email` slice of the configuration, read in `src/config/env.ts`):
 * `IMAP_URL` (the support mailbox), `SMTP_URL` (the outgoing server), `MAIL_FROM` (the address
 * customers see and answer). The channel is off with a one-line hint while they are unset; a
 * half-configured channel is an error at start.
 */
import type { MailAuthSettings } from "./mailAuth.js";

export interface ImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  folder: string;
}

export interface EmailSettings {
  imap: ImapSettings;
  smtpUrl: string;
  from: string;
  /** The address part of `from`, lower-cased. */
  fromAddress: string;
  /** Domain used in our Message-IDs. */
  domain: string;
  maxMessageBytes: number;
  maxAttachmentBytes: number;
  pollSeconds: number;
  /** How the From of incoming mail is authenticated (MAIL_AUTH, MAIL_AUTH_SERVID). */
  mailAuth: MailAuthSettings;
}

export type EmailConfig = { enabled: true; settings: EmailSettings } | { enabled: false; hint: string };

export const EMAIL_OFF_HINT =
  "E-mail off: set IMAP_URL, SMTP_URL and MAIL_FROM (see .env.example) to answer a support mailbox";

/** Parses `imap(s)://user:password@host[:port][/folder]`; throws with a readable message. */
export function parseImapUrl(value: string, folderOverride?: string): ImapSettings {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error("expected imaps://user:password@imap.example.com[:993][/folder]");
  }
  if (url.protocol !== "imap:" && url.protocol !== "imaps:")
    throw new Error("expected an imap:// or imaps:// URL");
  if (!url.username) throw new Error("expected the mailbox user in the URL (imaps://user:password@host)");
  const secure = url.protocol === "imaps:";
  const path = decodeURIComponent(url.pathname.replace(/^\/+/, ""));
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(url.username),
    pass: decodeURIComponent(url.password),
    folder: folderOverride?.trim() || path || "INBOX",
  };
}

/** The address inside `Name <address>` or a bare address, lower-cased; null when there is none. */
export function addressOf(from: string): string | null {
  const m = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from) ?? /^\s*([^<>\s"]+@[^<>\s"]+)\s*$/.exec(from);
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * E-mail channel settings from the environment: `IMAP_URL` (the support mailbox), `SMTP_URL`
 * (the outgoing server), `MAIL_FROM` (the address customers see and answer). The channel is off
 * with a one-line hint while they are unset; a half-configured channel is an error at start.
 */

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

/** Reads the e-mail settings (already shape-checked by the env schema). */
export function emailConfigFromEnv(env: Record<string, string | undefined>): EmailConfig {
  const imapUrl = env.IMAP_URL?.trim();
  const smtpUrl = env.SMTP_URL?.trim();
  const from = env.MAIL_FROM?.trim();
  if (!imapUrl && !smtpUrl && !from) return { enabled: false, hint: EMAIL_OFF_HINT };
  if (!imapUrl || !smtpUrl || !from)
    throw new Error("e-mail needs IMAP_URL, SMTP_URL and MAIL_FROM together (one is missing)");
  const fromAddress = addressOf(from);
  if (!fromAddress) throw new Error(`MAIL_FROM: expected an address such as "Support <support@example.com>"`);
  const mb = (v: string | undefined, fallback: number) => {
    const n = v?.trim() ? Number(v) : fallback;
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    enabled: true,
    settings: {
      imap: parseImapUrl(imapUrl, env.MAIL_FOLDER),
      smtpUrl,
      from,
      fromAddress,
      domain: fromAddress.split("@")[1]!,
      maxMessageBytes: Math.round(mb(env.MAIL_MAX_MB, 25) * 1024 * 1024),
      maxAttachmentBytes: Math.round(mb(env.MAIL_MAX_ATTACHMENT_MB, 15) * 1024 * 1024),
      pollSeconds: mb(env.MAIL_POLL_SECONDS, 60),
    },
  };
}

/**
 * Who really sent an incoming e-mail: SPF, DKIM and DMARC of the From domain, either checked here
 * with mailauth (`MAIL_AUTH=check`, the default: DKIM signatures and the domain's DMARC policy
 * from DNS; SPF from the client address the receiving server wrote in its Received header), or
 * read from the Authentication-Results header the receiving mail server added
 * (`MAIL_AUTH=mta`, trusting only the header carrying its name `MAIL_AUTH_SERVID`), or not at
 * all (`off`). Only a DMARC `fail` makes a mail unverified: a domain without a DMARC policy
 * cannot be told from a forgery, and is taken as before.
 */
import { authenticate, type Resolver } from "mailauth";

export type MailAuthMode = "check" | "mta" | "off";

export interface MailAuthSettings {
  mode: MailAuthMode;
  /** `mta` mode: the authserv-id of the receiving server's Authentication-Results header. */
  servId?: string;
  /** DNS lookups (tests inject an offline one); default the system resolver. */
  resolver?: Resolver;
}

/** What was found about a mail's From. */
export interface MailAuthVerdict {
  /** False when the From domain's DMARC check failed: the mail may be forged. */
  verified: boolean;
  /** DMARC result: pass, fail, none, temperror…, or "unchecked". */
  dmarc: string;
}

const UNCHECKED: MailAuthVerdict = { verified: true, dmarc: "unchecked" };

/** Reads `dmarc=…` from the Authentication-Results headers named `servId` (the first one). */
export function dmarcFromHeaders(headerBlock: string, servId: string): string | null {
  const unfolded = headerBlock.replace(/\r?\n[ \t]+/g, " ");
  for (const line of unfolded.split(/\r?\n/)) {
    const match = /^authentication-results:\s*([^;\s]+)[^;]*;(.*)$/i.exec(line);
    if (!match || match[1]!.toLowerCase() !== servId.toLowerCase()) continue;
    const dmarc = /(?:^|[;\s])dmarc\s*=\s*([a-z]+)/i.exec(match[2]!);
    return dmarc ? dmarc[1]!.toLowerCase() : "none";
  }
  return null;
}

/** Checks one raw mail (headers and body as received). */
export async function checkMail(source: Buffer, settings: MailAuthSettings): Promise<MailAuthVerdict> {
  if (settings.mode === "off") return UNCHECKED;
  if (settings.mode === "mta") {
    const end = source.indexOf("\r\n\r\n");
    const head = source.subarray(0, end >= 0 ? end : Math.min(source.length, 64 * 1024)).toString("latin1");
    const dmarc = settings.servId ? dmarcFromHeaders(head, settings.servId) : null;
    // No header from our own server: it did not check, so nothing is known.
    return { verified: dmarc !== "fail", dmarc: dmarc ?? "unchecked" };
  }
  const result = await authenticate(source, {
    trustReceived: true,
    disableArc: true,
    disableBimi: true,
    ...(settings.resolver ? { resolver: settings.resolver } : {}),
  });
  const dmarc = (result.dmarc ? result.dmarc.status?.result : undefined) || "none";
  return { verified: dmarc !== "fail", dmarc };
}

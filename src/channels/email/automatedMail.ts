/**
 * Mail that must never open a ticket or get an answer (no mail loops): auto-replies (RFC 3834
 * `Auto-Submitted`, vacation responders' `X-Autoreply`/`X-Autorespond`, `Precedence: auto_reply`),
 * delivery status notifications and bounces (`multipart/report`, MAILER-DAEMON, empty
 * return path), mailing-list and bulk traffic (`List-Id`, `List-Unsubscribe`, `Precedence:
 * bulk|junk|list`), and our own messages coming back.
 */

/** Header lookup: lower-case name → raw value(s), as mailparser's `headers` map gives them. */
export type HeaderMap = Map<string, unknown>;

function headerText(headers: HeaderMap, name: string): string {
  const value = headers.get(name);
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object" && "value" in (value as object)) {
    const v = (value as { value: unknown }).value;
    return typeof v === "string" ? v : JSON.stringify(v);
  }
  if (typeof value === "object" && "text" in (value as object))
    return String((value as { text: unknown }).text);
  return String(value);
}

/** Why a mail is automated (a stable reason code), or null for a person's mail. */
export function automatedReason(
  headers: HeaderMap,
  from: string | null,
  ownAddresses: string[] = [],
): string | null {
  const autoSubmitted = headerText(headers, "auto-submitted").trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith("no")) return "auto-submitted";
  if (headers.has("x-autoreply") || headers.has("x-autorespond") || headers.has("x-autoresponse"))
    return "auto-reply";
  const precedence = headerText(headers, "precedence").trim().toLowerCase();
  if (["bulk", "junk", "list", "auto_reply"].includes(precedence)) return `precedence-${precedence}`;
  // mailparser gathers the List-* headers under "list".
  if (
    headers.has("list") ||
    headers.has("list-id") ||
    headers.has("list-unsubscribe") ||
    headers.has("list-post")
  )
    return "mailing-list";
  const contentType = headerText(headers, "content-type").toLowerCase();
  if (contentType.includes("multipart/report") || contentType.includes("message/delivery-status"))
    return "delivery-report";
  if (headerText(headers, "x-failed-recipients")) return "delivery-report";
  const returnPath = headerText(headers, "return-path").trim();
  if (returnPath === "<>") return "delivery-report";
  const sender = (from ?? "").toLowerCase();
  if (/^(mailer-daemon|postmaster|noreply|no-reply|do-not-reply|donotreply)@/.test(sender))
    return "system-sender";
  if (sender && ownAddresses.some((own) => own.toLowerCase() === sender)) return "own-address";
  return null;
}

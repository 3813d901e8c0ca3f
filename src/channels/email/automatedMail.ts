/**
 * Mail that must never open a ticket or get an answer (no mail loops): auto-replies (RFC 3834
 * `Auto-Submitted`, vacation responders' `X-Autoreply`/`X-Autorespond`, `Precedence: auto_reply`,
 * Exchange's `X-Auto-Response-Suppress` on its own automatic mail), delivery status notifications
 * and bounces (`multipart/report`, `X-Failed-Recipients`, MAILER-DAEMON, empty return path),
 * mailing-list and bulk traffic (`List-Id`, `List-Unsubscribe`, `Precedence: bulk|junk|list`),
 * subjects of out-of-office notices (a list kept as data, `locales/automatic-mail-subjects.json`),
 * and our own messages coming back.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { normalize } from "../../../flows/textMatchers.js";

const subjectsFile = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../locales/automatic-mail-subjects.json",
);
const subjectLists = z
  .object({ prefixes: z.array(z.string().min(1)), subjects: z.array(z.string().min(1)) })
  .parse(JSON.parse(readFileSync(subjectsFile, "utf8")));
const PREFIXES = subjectLists.prefixes.map(normalize);
const SUBJECTS = subjectLists.subjects.map(normalize);
/** Reply and forward prefixes in front of a subject (Italian "R:", "I:" included). */
const REPLY_PREFIX = /^\s*((re|r|fw|fwd|i|aw|wg|tr|rif)\s*(\[\d+\])?\s*:\s*)+/i;

/** Whether a subject is an automatic notice's (see `locales/automatic-mail-subjects.json`). */
export function automaticSubject(subject: string): boolean {
  const raw = subject.replace(REPLY_PREFIX, "");
  const bare = normalize(raw);
  if (bare === "") return false;
  if (SUBJECTS.some((s) => bare === s || bare.startsWith(`${s} `))) return true;
  // A prefix counts when it is the whole subject or followed by ':' ("Fuori sede: Re: …").
  const head = normalize(raw.split(":")[0] ?? "");
  return raw.includes(":") ? PREFIXES.includes(head) : PREFIXES.includes(bare);
}

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

/** `Return-Path: <>` (a bounce): raw, or as mailparser gives it (an address list with no address). */
function emptyReturnPath(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() === "<>";
  const list = (value as { value?: unknown }).value;
  return Array.isArray(list) && list.every((a) => !(a as { address?: string }).address);
}

/** Why a mail is automated (a stable reason code), or null for a person's mail. */
export function automatedReason(
  headers: HeaderMap,
  from: string | null,
  ownAddresses: string[] = [],
  subject = "",
): string | null {
  const autoSubmitted = headerText(headers, "auto-submitted").trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith("no")) return "auto-submitted";
  if (headers.has("x-autoreply") || headers.has("x-autorespond") || headers.has("x-autoresponse"))
    return "auto-reply";
  // Exchange/Outlook put it on their own automatic mail (out-of-office, receipts, notices).
  if (headerText(headers, "x-auto-response-suppress").trim()) return "auto-reply";
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
  if (emptyReturnPath(headers.get("return-path"))) return "delivery-report";
  const sender = (from ?? "").toLowerCase();
  if (/^(mailer-daemon|postmaster|noreply|no-reply|do-not-reply|donotreply)@/.test(sender))
    return "system-sender";
  if (sender && ownAddresses.some((own) => own.toLowerCase() === sender)) return "own-address";
  if (automaticSubject(subject)) return "automatic-subject";
  return null;
}

/**
 * What the personal-data operations (export, erasure, retention purge) share: their error codes,
 * the files a row points to, and the event facts an erasure keeps.
 */
import { z } from "zod";
import { CodedError } from "../errors.js";
import { qb, statement } from "./schema/queryBuilder.js";

/** Any JSON object (a message body, a ticket's coverage, an event's payload). */
export const anyRecord = z.record(z.string(), z.unknown());

/** A stored file a row points to (media store ref or `web-upload:<id>`), with its shown name. */
export interface FileRef {
  ref: string;
  name: string | null;
  mime: string | null;
}

export type PrivacyErrorCode = "unknown-customer" | "invalid-input";

/** Stable error codes of the personal-data operations. */
export class PrivacyError extends CodedError<PrivacyErrorCode> {}

/** Attachment refs in a message body or a ticket's coverage. */
export function refsOf(value: Record<string, unknown>): FileRef[] {
  const attachments = Array.isArray(value.attachments) ? value.attachments : [];
  return attachments.flatMap((a): FileRef[] => {
    if (!a || typeof a !== "object") return [];
    const r = a as Record<string, unknown>;
    return typeof r.ref === "string" && r.ref
      ? [
          {
            ref: r.ref,
            name: typeof r.name === "string" ? r.name : null,
            mime: typeof r.mime === "string" ? r.mime : null,
          },
        ]
      : [];
  });
}

export function uniqueRefs(refs: FileRef[]): FileRef[] {
  const seen = new Map<string, FileRef>();
  for (const r of refs) if (!seen.has(r.ref)) seen.set(r.ref, r);
  return [...seen.values()];
}

/** Event payload keys kept by an erasure: facts needed for invoicing and reports, no free text. */
export const KEPT_EVENT_KEYS = new Set([
  "number",
  "category",
  "priority",
  "blocking",
  "status",
  "minutes",
  "plan",
  "charge",
  "rating",
  "covered",
  "basis",
]);
export function pick(value: Record<string, unknown>, keys: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => keys.has(k)));
}

/** An event's payload replaced (by its facts only, see {@link KEPT_EVENT_KEYS}). */
export const setEventPayload = statement<{ id: string; payload: string }>((p) =>
  qb.updateTable("TicketEvent").set({ payload: p.payload }).where("id", "=", p.id),
);

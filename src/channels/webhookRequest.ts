/** What the channels' webhook handlers read off a request, the same way for every platform. */
import { timingSafeEqual } from "node:crypto";

/** Request headers as Node gives them (a repeated header is an array). */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** The first value of header `name` (lower case), matched case-insensitively. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Whether a secret sent by the platform equals ours, compared in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

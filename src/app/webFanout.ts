/**
 * The web chat's link between instances: every chat event one instance shows is published on
 * the `sportello_web` topic of the coordination bus (LISTEN/NOTIFY on PostgreSQL, in-process on
 * SQLite), so a customer streaming from one instance sees replies sent by another. An event
 * larger than one notification travels in numbered parts.
 */
import { randomBytes } from "node:crypto";
import type { WebChatEvent, WebFanout } from "../channels/web/webChannel.js";
import { type Coordination, MAX_NOTIFY_BYTES } from "../data/coordination.js";

const TOPIC = "sportello_web";
/** Room left in a notification for the part envelope. */
const PART_BYTES = MAX_NOTIFY_BYTES - 200;
/** Partial events older than this are dropped (a lost part must not leak memory). */
const PARTIAL_TTL_MS = 60_000;

interface Envelope {
  /** Chat id and event, whole… */
  c?: string;
  e?: WebChatEvent;
  /** …or one part of a large one. */
  p?: { id: string; n: number; of: number; data: string };
}

/** Splits a string into pieces of at most `bytes` UTF-8 bytes (never inside a character). */
function splitUtf8(text: string, bytes: number): string[] {
  const parts: string[] = [];
  let current = "";
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (size + n > bytes) {
      parts.push(current);
      current = "";
      size = 0;
    }
    current += ch;
    size += n;
  }
  if (current) parts.push(current);
  return parts;
}

/** A {@link WebFanout} over the coordination bus. */
export function createWebFanout(coordination: Coordination): WebFanout {
  return {
    async publish(chatId, event) {
      const whole = JSON.stringify({ c: chatId, e: event } satisfies Envelope);
      if (Buffer.byteLength(whole) <= MAX_NOTIFY_BYTES) return coordination.publish(TOPIC, whole);
      const id = randomBytes(8).toString("hex");
      const inner = JSON.stringify({ c: chatId, e: event });
      const pieces = splitUtf8(inner, PART_BYTES / 2);
      for (let n = 0; n < pieces.length; n++) {
        await coordination.publish(
          TOPIC,
          JSON.stringify({ p: { id, n, of: pieces.length, data: pieces[n]! } } satisfies Envelope),
        );
      }
    },
    subscribe(handler) {
      const partial = new Map<string, { parts: string[]; got: number; at: number }>();
      const deliver = (raw: string) => {
        const envelope = JSON.parse(raw) as Envelope;
        if (envelope.c && envelope.e) handler(envelope.c, envelope.e);
      };
      return coordination.subscribe(TOPIC, (payload) => {
        try {
          const envelope = JSON.parse(payload) as Envelope;
          if (!envelope.p) return deliver(payload);
          const { id, n, of, data } = envelope.p;
          const now = Date.now();
          for (const [key, value] of partial) if (now - value.at > PARTIAL_TTL_MS) partial.delete(key);
          const entry = partial.get(id) ?? { parts: new Array<string>(of).fill(""), got: 0, at: now };
          partial.set(id, entry);
          if (entry.parts[n] === "") entry.got++;
          entry.parts[n] = data;
          if (entry.got === of) {
            partial.delete(id);
            deliver(entry.parts.join(""));
          }
        } catch {
          // A malformed notification is dropped; the chat's history still has the line.
        }
      });
    },
  };
}

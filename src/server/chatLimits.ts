/**
 * How much one web chat and one client address may post: a token bucket per chat (a burst, then
 * a steady rate) and a cap on the new chats one address starts per hour. Both are counted in the
 * database when the server has one (every instance drains the same bucket), else in the process;
 * while the database cannot be reached the buckets fall back to the process and new chats are
 * not counted, so a database hiccup never refuses a customer's message.
 */
import type { AttemptCounter } from "../data/attemptCounter.js";
import { memoryTokenBuckets, type TokenBuckets } from "../data/tokenBuckets.js";

export interface ChatLimitSettings {
  /** Messages a chat may send at once. */
  burst: number;
  /** Messages per minute after the burst. */
  perMinute: number;
  /** New chats one client address may start per hour. */
  newPerAddressPerHour: number;
}

/** What a message may do. */
export type ChatVerdict =
  | { ok: true }
  | { ok: false; code: "too-many-messages" | "too-many-chats"; retryAfterSeconds: number };

export interface ChatLimiter {
  /** Counts a message of `chatId` from `address` (before its body is read). */
  admit(address: string, chatId: string): Promise<ChatVerdict>;
}

const HOUR_MS = 60 * 60 * 1000;
const secondsUntil = (at: Date) => Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000));

export function createChatLimiter(deps: {
  settings: ChatLimitSettings;
  /** Shared buckets (the database); absent: this process only. */
  buckets?: TokenBuckets;
  /** Shared counts of new chats (the database); absent: this process only. */
  attempts?: AttemptCounter;
  onStoreError?: (error: unknown) => void;
}): ChatLimiter {
  const { settings } = deps;
  const local = memoryTokenBuckets();
  const shape = { burst: settings.burst, intervalMs: Math.max(1, Math.round(60_000 / settings.perMinute)) };
  /** Chats seen per address this hour when no database counts them (small; dropped hourly). */
  const seenHere = new Map<string, { chats: Set<string>; until: number }>();

  async function take(chatId: string) {
    if (!deps.buckets) return local.take(`chat:${chatId}`, shape);
    try {
      return await deps.buckets.take(`chat:${chatId}`, shape);
    } catch (error) {
      deps.onStoreError?.(error);
      return local.take(`chat:${chatId}`, shape);
    }
  }

  /** Whether `chatId` is one more new chat `address` may not start now (seconds to wait), or 0. */
  async function newChatWait(address: string, chatId: string): Promise<number> {
    const max = settings.newPerAddressPerHour;
    if (deps.attempts) {
      try {
        // The chat's first message this hour decides; concurrent ones see the marker counted.
        const seen = await deps.attempts.hit(`chat-seen:${address}:${chatId}`, HOUR_MS);
        const refusedKey = `chat-refused:${address}:${chatId}`;
        if (seen.count > 1) {
          const refused = await deps.attempts.peek(refusedKey);
          return refused ? secondsUntil(refused.resetAt) : 0;
        }
        const count = await deps.attempts.hit(`new-chats:${address}`, HOUR_MS);
        if (count.count <= max) return 0;
        await deps.attempts.hit(refusedKey, Math.max(1000, count.resetAt.getTime() - Date.now()));
        return secondsUntil(count.resetAt);
      } catch (error) {
        deps.onStoreError?.(error);
        return 0;
      }
    }
    const now = Date.now();
    let entry = seenHere.get(address);
    if (!entry || entry.until <= now) {
      entry = { chats: new Set(), until: now + HOUR_MS };
      seenHere.set(address, entry);
      if (seenHere.size > 10_000) for (const [k, v] of seenHere) if (v.until <= now) seenHere.delete(k);
    }
    if (entry.chats.has(chatId)) return 0;
    if (entry.chats.size >= max) return Math.ceil((entry.until - now) / 1000);
    entry.chats.add(chatId);
    return 0;
  }

  return {
    async admit(address, chatId) {
      const wait = await newChatWait(address, chatId);
      if (wait > 0) return { ok: false, code: "too-many-chats", retryAfterSeconds: wait };
      const verdict = await take(chatId);
      if (!verdict.allowed)
        return {
          ok: false,
          code: "too-many-messages",
          retryAfterSeconds: Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)),
        };
      return { ok: true };
    },
  };
}

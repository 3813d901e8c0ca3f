/**
 * The live chat streams (SSE) this instance holds, capped so a flood of streams cannot use up the
 * process's file descriptors and memory (and take the board and webhooks down with it): at most
 * `max` in all (503 beyond), `perAddress` per client address (429 beyond), and `perChat` per chat
 * (browser tabs): one more closes that chat's oldest stream. Streams are this process's sockets,
 * so they are counted here, per instance.
 */

export interface StreamLimitSettings {
  max: number;
  perAddress: number;
  perChat: number;
}

/** One open stream: `close` ends it (telling the browser not to reconnect when `replaced`). */
export interface OpenStream {
  readonly address: string;
  readonly chatId: string;
  close(reason: "replaced" | "shutdown"): void;
}

export type StreamVerdict =
  | { ok: true; release: () => void }
  | { ok: false; status: 503 | 429; code: "too-many-streams"; retryAfterSeconds: number };

export interface StreamRegistry {
  /** Registers a stream about to open, or says why not. */
  open(stream: OpenStream): StreamVerdict;
  /** Streams open now. */
  readonly size: number;
  /** Closes every stream (shutdown). */
  closeAll(): void;
}

/** Seconds a refused client is asked to wait before trying again. */
const RETRY_AFTER_SECONDS = 30;

export function createStreamRegistry(settings: StreamLimitSettings): StreamRegistry {
  const all = new Set<OpenStream>();
  const byAddress = new Map<string, number>();
  const byChat = new Map<string, OpenStream[]>();

  function remove(stream: OpenStream) {
    if (!all.delete(stream)) return;
    const left = (byAddress.get(stream.address) ?? 1) - 1;
    if (left > 0) byAddress.set(stream.address, left);
    else byAddress.delete(stream.address);
    const chat = byChat.get(stream.chatId);
    if (chat) {
      const index = chat.indexOf(stream);
      if (index >= 0) chat.splice(index, 1);
      if (chat.length === 0) byChat.delete(stream.chatId);
    }
  }

  return {
    open(stream) {
      const chat = byChat.get(stream.chatId) ?? [];
      // A chat at its cap gives a slot back: its oldest stream is the one replaced.
      const replacing = chat.length >= settings.perChat ? chat[0] : undefined;
      const freed = replacing ? 1 : 0;
      const freedHere = replacing && replacing.address === stream.address ? 1 : 0;
      if (all.size - freed >= settings.max)
        return { ok: false, status: 503, code: "too-many-streams", retryAfterSeconds: RETRY_AFTER_SECONDS };
      if ((byAddress.get(stream.address) ?? 0) - freedHere >= settings.perAddress)
        return { ok: false, status: 429, code: "too-many-streams", retryAfterSeconds: RETRY_AFTER_SECONDS };
      while ((byChat.get(stream.chatId)?.length ?? 0) >= settings.perChat) {
        const oldest = byChat.get(stream.chatId)![0]!;
        remove(oldest);
        oldest.close("replaced");
      }
      all.add(stream);
      byAddress.set(stream.address, (byAddress.get(stream.address) ?? 0) + 1);
      const list = byChat.get(stream.chatId) ?? [];
      list.push(stream);
      byChat.set(stream.chatId, list);
      return { ok: true, release: () => remove(stream) };
    },
    get size() {
      return all.size;
    },
    closeAll() {
      for (const stream of [...all]) {
        remove(stream);
        stream.close("shutdown");
      }
    },
  };
}

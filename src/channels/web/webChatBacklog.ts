/**
 * What this process holds of each web chat: the recent events (for reconnects and page reloads,
 * merged with the stored history once per chat) and the live streams. Least recently used chats
 * without a stream are dropped beyond `maxChats`.
 */
import { type WebChatEvent, type WebHistoryLine, webEventId } from "./webChannelContract.js";

/** One chat: its recent events and live listeners. */
export interface WebChat {
  backlog: WebChatEvent[];
  listeners: Set<(e: WebChatEvent) => void>;
  restored: boolean;
}

/** The chats of this process (see the module comment). */
export class WebChatBacklog {
  /** Map order doubles as LRU order: touched chats are re-inserted at the end. */
  readonly #chats = new Map<string, WebChat>();

  constructor(
    private readonly backlogSize: number,
    private readonly maxChats: number,
  ) {}

  /** Whether this process holds the chat. */
  has(chatId: string): boolean {
    return this.#chats.has(chatId);
  }

  /** The chat if held, without touching its LRU position. */
  peek(chatId: string): WebChat | undefined {
    return this.#chats.get(chatId);
  }

  /** The chat (created when new), marked most recently used. */
  chat(chatId: string): WebChat {
    const chats = this.#chats;
    let entry = chats.get(chatId);
    if (entry) {
      chats.delete(chatId);
    } else {
      entry = { backlog: [], listeners: new Set(), restored: false };
    }
    chats.set(chatId, entry);
    while (chats.size > this.maxChats) {
      const oldest = [...chats.entries()].find(([, c]) => c.listeners.size === 0);
      if (!oldest) break;
      chats.delete(oldest[0]);
    }
    return entry;
  }

  /** Adds an event to a chat's backlog and live streams, once per id; returns the event held. */
  show(chatId: string, full: WebChatEvent): WebChatEvent {
    const entry = this.chat(chatId);
    const existing = entry.backlog.find((e) => e.id === full.id);
    if (existing) return existing;
    entry.backlog.push(full);
    this.#trim(entry);
    for (const listener of entry.listeners) listener(full);
    return full;
  }

  /** Loads the chat's stored history into the backlog if this process has not done so yet. */
  async restore(chatId: string, history: ((chatId: string) => Promise<WebHistoryLine[]>) | undefined) {
    const entry = this.chat(chatId);
    // Once per chat and process: later lines reach the backlog as they are sent or received.
    if (entry.restored || !history) return;
    entry.restored = true;
    const lines = (await history(chatId)).slice(-this.backlogSize);
    // Lines are merged by their stable ids: what this process already holds is not added twice.
    const held = new Set(entry.backlog.map((e) => e.id));
    const stored: WebChatEvent[] = [];
    for (const line of lines) {
      const at = new Date(line.at).toISOString();
      const event: WebChatEvent = {
        id: webEventId({ ...line, at }),
        direction: line.direction,
        text: line.text,
        at,
        ...(line.choices?.length ? { choices: line.choices } : {}),
        ...(line.clientId ? { clientId: line.clientId } : {}),
        ...(line.outboxId ? { outboxId: line.outboxId } : {}),
      };
      if (!held.has(event.id)) stored.push(event);
    }
    entry.backlog.unshift(...stored);
    this.#trim(entry);
  }

  /**
   * Streams a chat's events: first the backlog after `lastEventId` (all of it when absent or
   * unknown), then live ones. Returns the unsubscribe function.
   */
  subscribe(chatId: string, listener: (event: WebChatEvent) => void, lastEventId?: string): () => void {
    const entry = this.chat(chatId);
    let replay = entry.backlog;
    // Ids are stable: resume after the last one the browser had; an id this process does not
    // hold (evicted, or from long ago) replays the backlog, and the page drops what it shows.
    const index = lastEventId ? entry.backlog.findIndex((e) => e.id === lastEventId) : -1;
    if (index >= 0) replay = entry.backlog.slice(index + 1);
    for (const event of replay) listener(event);
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
    };
  }

  #trim(entry: WebChat): void {
    const size = this.backlogSize;
    if (entry.backlog.length > size) entry.backlog.splice(0, entry.backlog.length - size);
  }
}

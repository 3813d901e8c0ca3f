/**
 * The outbox as this process knows it, on SQLite only (exactly one instance, so memory state is
 * sound there): which chats have no undelivered message in the database besides the ones this
 * process committed and has in hand. For such a chat the rows a transaction just queued are
 * delivered straight from memory after its commit, without selecting and claiming them again.
 *
 * A chat is known clear only after a full delivery pass from the database left nothing pending;
 * anything that may leave a row behind (a failed send, a pass that did not run, a restart) makes
 * it unknown again, and the database path, which sends everything pending in order, runs instead.
 * PostgreSQL never uses this: instances claim a chat's rows with leases.
 */
import type { MessageBody } from "../data/supportStore.js";

/** An outbound message queued in a transaction, as it was stored. */
export interface QueuedOutbound {
  id: string;
  text: string;
  body: MessageBody;
}

/** The rows one committed transaction queued for one chat. */
interface Entry {
  owner: object;
  rows: QueuedOutbound[];
}

/** Most chats remembered as clear (the oldest are forgotten: they take the database path once). */
const CLEAR_LIMIT = 50_000;

/** Per-chat knowledge of the outbox in this (only) process. */
export class OutboxMemory {
  /** Chats whose only pending rows in the database are those in {@link committedRows}. */
  private readonly clear = new Set<string>();
  /** Rows committed and not yet delivered, per chat, in commit order. */
  private readonly committedRows = new Map<string, Entry[]>();

  /**
   * Notes the rows a transaction (`owner`) queued, once it committed; a chat's rows must be
   * noted in commit order (the chat queue runs a chat's transactions one by one).
   */
  committed(owner: object, queued: Map<string, QueuedOutbound[]>): void {
    for (const [key, rows] of queued) {
      if (rows.length === 0) continue;
      const entries = this.committedRows.get(key);
      if (entries) entries.push({ owner, rows });
      else this.committedRows.set(key, [{ owner, rows }]);
    }
  }

  /**
   * The rows `owner` queued for this chat, to send from memory — or null when the database path
   * must run: the chat is not known clear, or rows committed before these are still undelivered.
   * The rows are taken: the caller delivers them, then reports with {@link settle}.
   */
  take(key: string, owner: object): QueuedOutbound[] | null {
    if (!this.clear.has(key)) return null;
    const entries = this.committedRows.get(key);
    const first = entries?.[0];
    if (!entries || first?.owner !== owner) return null;
    entries.shift();
    if (entries.length === 0) this.committedRows.delete(key);
    return first.rows;
  }

  /**
   * After a pass over a chat: the rows it handled (sent, given up, or found pending in the
   * database) are no longer to be sent from memory; `clear` says whether the pass left nothing
   * pending in the database.
   */
  settle(key: string, handledIds: Iterable<string>, clear: boolean): void {
    const handled = new Set(handledIds);
    const entries = this.committedRows.get(key);
    if (entries && handled.size > 0) {
      for (const entry of entries) entry.rows = entry.rows.filter((r) => !handled.has(r.id));
      const left = entries.filter((e) => e.rows.length > 0);
      if (left.length > 0) this.committedRows.set(key, left);
      else this.committedRows.delete(key);
    }
    this.clear.delete(key);
    if (!clear) return;
    this.clear.add(key);
    if (this.clear.size > CLEAR_LIMIT) this.clear.delete(this.clear.values().next().value!);
  }
}

/**
 * The conversation snapshots this process saved last, one per chat. A chat's next message reads
 * back the very text saved one message earlier: when the stored text is that text, byte for byte,
 * its reading (JSON, validation, labels, guard counts) and the machine state it was saved from are
 * taken from here instead of parsed and resolved again (XState's `resolveState`), about a tenth of
 * a message's work in `npm run bench`.
 *
 * Only a cache, never the truth: a row another instance wrote, or a save whose transaction rolled
 * back, holds another text (or version) and is read from the row. A machine state is kept only when
 * the saved text says all of it: no child actors, no history, still active; anything else is
 * resolved from the row as before.
 */
import type { AnyMachineSnapshot } from "xstate";
import {
  type ConversationRow,
  readConversation,
  type StoredConversation,
  storedConversation,
} from "./storedConversation.js";

/**
 * Chats remembered (the least recently saved is dropped beyond it): the chats in a conversation
 * right now, for a small support team, at a few kilobytes each.
 */
const KEPT = 512;

interface Saved {
  text: string;
  state: StoredConversation["state"];
  labels: Record<string, string>;
  guard: StoredConversation["guard"];
  snapshot: AnyMachineSnapshot;
}

/** The last snapshot saved per chat (see the module comment). */
export class SavedSnapshots {
  private readonly saved = new Map<string, Saved>();

  constructor(private readonly kept = KEPT) {}

  /** The row read as {@link readConversation} does, from memory when it holds what was saved last. */
  read(key: string, row: ConversationRow): StoredConversation | null {
    if (!row) return null;
    const hit = this.saved.get(key);
    if (hit && hit.text === row.snapshot) {
      // The guard counts are changed by the run that reads them: each read gets its own.
      return storedConversation(row, hit.state, undefined, hit.labels, { ...hit.guard }, hit.snapshot);
    }
    return readConversation(row);
  }

  /**
   * Remembers what was saved for the chat as `text`: the machine state, and the reading of `text`
   * (its value and context, the labels, a copy of the guard counts).
   */
  remember(
    key: string,
    text: string,
    snapshot: AnyMachineSnapshot,
    labels: Record<string, string>,
    guard: StoredConversation["guard"],
  ): void {
    this.saved.delete(key);
    if (!sayAll(snapshot)) return;
    if (this.saved.size >= this.kept) this.saved.delete(this.saved.keys().next().value!);
    this.saved.set(key, {
      text,
      state: { v: 1, value: snapshot.value, context: snapshot.context },
      labels,
      guard: { ...guard },
      snapshot,
    });
  }
}

/** Whether the saved value and context are all of the state: what `resolveState` rebuilds from them. */
function sayAll(snapshot: AnyMachineSnapshot): boolean {
  return (
    snapshot.status === "active" &&
    Object.keys(snapshot.children).length === 0 &&
    Object.keys(snapshot.historyValue).length === 0
  );
}

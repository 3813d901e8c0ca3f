/**
 * Replies and questions sent from the Slack desk, remembered until the runtime's `staff.reply`
 * echo comes back, so the desk does not post them a second time. Bounded: echoes that never come
 * must not pile up.
 */
import type { StaffAction } from "../port.js";

const LIMIT = 200;

const keyOf = (ticket: string, text: string) => `${ticket}\n${text.trim()}`;

/** The desk's own replies awaiting their echo. */
export class OwnReplies {
  readonly #keys: string[] = [];

  /** Notes the reply or question an action is about to send (other actions are ignored). */
  remember(action: StaffAction): void {
    if (action.type !== "reply" && action.type !== "ask") return;
    this.#keys.push(keyOf(action.ticket, action.text));
    if (this.#keys.length > LIMIT) this.#keys.shift();
  }

  /** True (once) when `text` on `ticket` was sent from this desk. */
  consume(ticket: string, text: string): boolean {
    const index = this.#keys.indexOf(keyOf(ticket, text));
    if (index < 0) return false;
    this.#keys.splice(index, 1);
    return true;
  }

  /** Drops what {@link remember} noted for an action that failed (so sent nothing). */
  forget(action: StaffAction): void {
    if (action.type === "reply" || action.type === "ask") this.consume(action.ticket, action.text);
  }
}

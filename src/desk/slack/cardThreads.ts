/**
 * Which Slack thread belongs to which ticket: the desk's memory of its cards, refilled from the
 * runtime's open tickets after a restart.
 */
import type { TicketView } from "../port.js";
import { type CardRef, deskRefOf } from "./slackDeskRefs.js";

const NOT_TICKETS_LIMIT = 1000;

/** Card refs by ticket and ticket numbers by card thread. */
export class CardThreads {
  /** `channel:ts` of a card → ticket number. */
  readonly #threads = new Map<string, string>();
  /** Threads already found not to belong to an open ticket (bounded). */
  readonly #notTickets = new Set<string>();
  /** Latest card ref known per ticket number. */
  readonly #cards = new Map<string, CardRef>();

  /** Records the card of a ticket snapshot, when it has one. */
  remember(ticket: TicketView): void {
    const ref = deskRefOf(ticket);
    if (ref) this.set(ticket.number, ref);
  }

  /** Records that `ref` is the card of ticket `number`. */
  set(number: string, ref: CardRef): void {
    this.#threads.set(`${ref.channel}:${ref.ts}`, number);
    this.#cards.set(number, ref);
  }

  /** The latest card ref known for a ticket number. */
  card(number: string): CardRef | undefined {
    return this.#cards.get(number);
  }

  /**
   * The ticket whose card starts the thread `channel`/`threadTs`, or null; unknown threads are
   * looked up once among `openTickets()`.
   */
  async ticketFor(
    channel: string,
    threadTs: string,
    openTickets: () => Promise<TicketView[]>,
  ): Promise<string | null> {
    const key = `${channel}:${threadTs}`;
    const known = this.#threads.get(key);
    if (known) return known;
    if (this.#notTickets.has(key)) return null;
    for (const ticket of await openTickets()) this.remember(ticket);
    const found = this.#threads.get(key) ?? null;
    if (!found) {
      // A message's ts never becomes a card's ts later, so "not a ticket thread" stays true.
      this.#notTickets.add(key);
      if (this.#notTickets.size > NOT_TICKETS_LIMIT)
        this.#notTickets.delete(this.#notTickets.values().next().value!);
    }
    return found;
  }
}

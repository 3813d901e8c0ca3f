/**
 * Runs the work executors hand each other within a transaction ({@link HandOff}): the ticket
 * machine does not call back into the chat's conversation, it queues the events for it (and the
 * mail that follows a close, which goes after the conversation's own message). The owner of a
 * transaction that runs a ticket event from outside a conversation (a staff action, a due timer,
 * a rep's link) drains the queue right after it, in order; work handed on while draining is run
 * too.
 */
import type { StoreTx } from "../data/database.js";
import type { ConversationExecutor } from "./conversationExecutor.js";
import { afterClose } from "./mailLinks.js";
import type { Effects, RuntimeContext } from "./runtimeContext.js";

/** Drains a transaction's handed-on work. */
export class HandOffs {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly conversations: ConversationExecutor,
  ) {}

  /** Runs the work handed on in this transaction so far, oldest first, until none is left. */
  async run(tx: StoreTx, fx: Effects): Promise<void> {
    const queue = fx.handOffs;
    if (!queue) return;
    for (let work = queue.shift(); work; work = queue.shift()) {
      switch (work.kind) {
        case "conversation":
          await this.conversations.run(tx, work.chat, work.events, fx, {
            senderId: null,
            customerId: work.customerId,
          });
          break;
        case "afterClose":
          await afterClose(this.ctx, tx, fx, work.number);
          break;
      }
    }
  }
}

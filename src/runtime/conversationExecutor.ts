/**
 * Runs a chat's conversation machine inside a transaction: restores its snapshot, feeds it the
 * events, executes the intents each step emits (their answers are fed back as events), and saves
 * the new snapshot with the choice labels the customer was shown.
 */
import { type ConversationEvent, createConversationMachine } from "../../flows/conversationMachine.js";
import { type Intent, intentOf, isIntentType } from "../../flows/intents.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { ConversationIntents, IntentScope } from "./conversationIntents.js";
import { start, step } from "./machineStep.js";
import type { Effects, RuntimeContext } from "./runtimeContext.js";
import { type ChatRef, chatKey, RuntimeError } from "./runtimeTypes.js";
import { readConversation, type StoredConversation } from "./storedConversation.js";

const MAX_EVENT_STEPS = 50;

/**
 * The intent an action object of the conversation machine stands for: its custom actions, and
 * the `xstate.spawnChild` of its named actors (triage, transcribe), which the runtime executes.
 */
export function toIntent(action: { type: string; params?: unknown }): Intent | null {
  if (action.type === "xstate.spawnChild") {
    const { src, input } = (action.params ?? {}) as { src?: unknown; input?: unknown };
    return src === "triage" || src === "transcribe" ? intentOf(src, input) : null;
  }
  return isIntentType(action.type) ? intentOf(action.type, action.params) : null;
}

/** Who wrote, for the intents that register or link a customer. */
export interface Writer {
  senderId: string | null;
  customerId: string | null;
}

/** Executes conversation machine events for a chat. */
export class ConversationExecutor {
  private readonly machine;

  constructor(
    private readonly ctx: RuntimeContext,
    private readonly intents: () => ConversationIntents,
  ) {
    this.machine = createConversationMachine(ctx.policy);
  }

  /**
   * Runs `events` (and the answers its intents produce) through the chat's machine in the
   * caller's transaction and saves the snapshot. `preloaded` saves reading the row again.
   */
  async run(
    tx: StoreTx,
    chat: ChatRef,
    events: ConversationEvent[],
    fx: Effects,
    who: Writer,
    preloaded?: StoredConversation | null,
  ): Promise<void> {
    const stored =
      preloaded !== undefined
        ? preloaded
        : readConversation(await store.loadConversation(tx, chat.channel, chat.chatId));
    const row = stored?.row ?? null;
    let snapshot = this.restore(stored, chat);
    let labels: Record<string, string> = stored?.labels ?? {};
    let customerId = who.customerId ?? row?.customerId ?? null;
    const scope: IntentScope = {
      senderId: who.senderId,
      get customerId() {
        return customerId;
      },
      setCustomerId: (id) => {
        customerId = id;
      },
      setLabels: (rendered) => {
        labels = rendered;
      },
    };
    const queue = [...events];
    let steps = 0;
    while (queue.length > 0) {
      if (++steps > MAX_EVENT_STEPS)
        throw new RuntimeError("runaway-flow", `conversation ${chatKey(chat)} did not settle`);
      const event = queue.shift()!;
      const [next, actions] = step(this.machine, snapshot, event);
      snapshot = next;
      for (const action of actions) {
        const intent = toIntent(action);
        if (!intent) continue;
        queue.push(...(await this.intents().execute(tx, chat, intent, snapshot.context.language, fx, scope)));
      }
    }
    const persisted = JSON.stringify({ v: 1, value: snapshot.value, context: snapshot.context, labels });
    await store.saveConversation(
      tx,
      { channel: chat.channel, chatId: chat.chatId, customerId, snapshot: persisted },
      row ? row.version : null,
      () => new RuntimeError("conflict", `conversation ${chatKey(chat)} changed concurrently`),
    );
  }

  private restore(stored: StoredConversation | null, chat: ChatRef) {
    if (stored?.state) {
      try {
        return this.machine.resolveState({
          value: stored.state.value as never,
          context: stored.state.context as never,
        });
      } catch (error) {
        this.unreadable(error, chat);
      }
    } else if (stored) {
      this.unreadable(stored.unreadable, chat);
    }
    const [initial] = start(this.machine, {
      language: this.ctx.policy.defaultLanguage,
      now: this.ctx.clock.now().toISOString(),
    });
    return initial;
  }

  private unreadable(error: unknown, chat: ChatRef) {
    // An unreadable snapshot (e.g. after an incompatible upgrade) restarts the conversation
    // rather than blocking the customer; the transcript keeps what was said.
    this.ctx.logger.warn(
      { err: error, chat: chatKey(chat) },
      "conversation snapshot unreadable; starting over",
    );
  }
}

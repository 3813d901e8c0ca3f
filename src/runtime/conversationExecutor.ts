/**
 * Runs a chat's conversation machine inside a transaction: restores its snapshot, feeds it the
 * events, executes the intents each step emits (their answers are fed back as events), and saves
 * the new snapshot with the choice labels the customer was shown.
 */

import type { SnapshotFrom } from "xstate";
import {
  type ConversationEvent,
  createConversationMachine,
  HANDOVER_STATE,
  type HandoverReason,
} from "../../flows/conversationMachine.js";
import { type Intent, intentOf, isIntentType, type Language } from "../../flows/intents.js";
import { parseEmailChatId } from "../channels/email/threading.js";
import { capabilitiesOf, isUnverifiedChat } from "../channels/port.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { ConversationIntents, IntentScope } from "./conversationIntents.js";
import { botMessages, emptyGuard, type GuardState, movedOn, progressMark, textDigest } from "./loopGuard.js";
import { start, step } from "./machineStep.js";
import type { Effects, RuntimeContext } from "./runtimeContext.js";
import { type ChatRef, chatKey, RuntimeError } from "./runtimeTypes.js";
import { SavedSnapshots } from "./savedSnapshots.js";
import type { ConversationRow, StoredConversation } from "./storedConversation.js";

const MAX_EVENT_STEPS = 50;

type ConversationSnapshot = SnapshotFrom<ReturnType<typeof createConversationMachine>>;

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

/** Who a run speaks for and the labels it last showed, as the intents read and change them. */
class RunScope implements IntentScope {
  constructor(
    readonly senderId: string | null,
    public customerId: string | null,
    public labels: Record<string, string>,
  ) {}

  setCustomerId(id: string): void {
    this.customerId = id;
  }

  setLabels(rendered: Record<string, string>): void {
    this.labels = rendered;
  }
}

/** Executes conversation machine events for a chat. */
export class ConversationExecutor {
  private readonly machine;
  /** The snapshot saved last per chat, read back by its next message (see savedSnapshots.ts). */
  private readonly saved = new SavedSnapshots();

  constructor(
    private readonly ctx: RuntimeContext,
    private readonly intents: ConversationIntents,
  ) {
    this.machine = createConversationMachine(ctx.policy);
  }

  /** A chat's stored conversation row, read (see {@link SavedSnapshots.read}). */
  read(chat: ChatRef, row: ConversationRow): StoredConversation | null {
    return this.saved.read(chatKey(chat), row);
  }

  /**
   * Runs `events` (and the answers its intents produce) through the chat's machine in the
   * caller's transaction and saves the snapshot. `preloaded` ({@link read}) saves reading the
   * row again.
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
        : this.read(chat, await store.loadConversation(tx, chat.channel, chat.chatId));
    const row = stored?.row ?? null;
    let snapshot = this.restore(stored, chat);
    const scope = new RunScope(who.senderId, who.customerId ?? row?.customerId ?? null, stored?.labels ?? {});
    const guard = stored?.guard ?? emptyGuard();
    const queue = [...events];
    let steps = 0;
    /** Replies of the whole run are dropped (an e-mail thread past its automatic-mail limit). */
    let silent = false;
    /** A hand-over the loop guards decided, sent to the machine once the message is handled. */
    let handover: HandoverReason | null = null;
    /** A mail thread: one automatic mail per turn, within the automatic-mail limits. */
    const mail = capabilitiesOf(chat.channel).mailThreads;
    const first = queue[0];
    if (first?.type === "inbound") {
      queue.shift();
      steps++;
      const before = progressMark(snapshot.value, snapshot.context);
      const [next, actions] = step(this.machine, snapshot, first);
      snapshot = next;
      const intents = actions.flatMap((a) => toIntent(a) ?? []);
      const handedOver = next.matches(HANDOVER_STATE);
      const limit = this.ctx.policy.conversation.loopGuard;
      if (mail && !handedOver && (await this.mailLimitReached(tx, chat, first.text, guard))) {
        silent = true;
        handover = "mail-limit";
      }
      // A sender whose address could not be verified (a forged From?) is not asked to sign up:
      // a person reads the request, opened apart from any customer and flagged on the board.
      if (!handover && !handedOver && isUnverifiedChat(chat.chatId) && !snapshot.context.handover)
        handover = "unverified-sender";
      if (movedOn(before, progressMark(next.value, next.context), intents) || handedOver) guard.quiet = 0;
      else {
        const sent = botMessages(intents, mail);
        if (!handover && guard.quiet + sent > limit.botMessagesWithoutProgress) {
          // The bot would say it again: a person takes over instead.
          handover = "loop";
          guard.quiet = 0;
        } else guard.quiet += sent;
      }
      const dropReplies = silent || handover === "loop" || handover === "unverified-sender";
      await this.execute(tx, chat, actions, dropReplies, snapshot.context.language, fx, scope, queue);
    }
    while (queue.length > 0 || handover) {
      if (queue.length === 0) {
        queue.push({ type: "handover", reason: handover! });
        this.ctx.logger.info({ chat: chatKey(chat), reason: handover }, "chat handed over to a person");
        handover = null;
      }
      if (++steps > MAX_EVENT_STEPS)
        throw new RuntimeError("runaway-flow", `conversation ${chatKey(chat)} did not settle`);
      const event = queue.shift()!;
      const [next, actions] = step(this.machine, snapshot, event);
      snapshot = next;
      await this.execute(tx, chat, actions, silent, snapshot.context.language, fx, scope, queue);
    }
    // One automatic e-mail more in this thread when this turn queued one.
    if (mail && fx.mailTurn.has(chatKey(chat))) guard.mails++;
    const { labels } = scope;
    const persisted = JSON.stringify({
      v: 1,
      value: snapshot.value,
      context: snapshot.context,
      labels,
      guard,
    });
    await store.saveConversation(
      tx,
      { channel: chat.channel, chatId: chat.chatId, customerId: scope.customerId, snapshot: persisted },
      row ? row.version : null,
      () => new RuntimeError("conflict", `conversation ${chatKey(chat)} changed concurrently`),
    );
    this.saved.remember(chatKey(chat), persisted, snapshot, labels, guard);
  }

  /** Executes a step's intents (replies dropped when `dropReplies`); their answers join `queue`. */
  private async execute(
    tx: StoreTx,
    chat: ChatRef,
    actions: readonly { type: string; params?: unknown }[],
    dropReplies: boolean,
    language: Language,
    fx: Effects,
    scope: RunScope,
    queue: ConversationEvent[],
  ): Promise<void> {
    for (const action of actions) {
      const intent = toIntent(action);
      if (!intent || (dropReplies && intent.type === "reply")) continue;
      queue.push(...(await this.intents.execute(tx, chat, intent, language, fx, scope)));
    }
  }

  /**
   * Mail threads: whether the thread or its sender is past the automatic-mail limits for this mail. A
   * mail with a new text is a human answer and starts the thread's count again; the same text
   * again (an auto-responder's) does not.
   */
  private async mailLimitReached(tx: StoreTx, chat: ChatRef, text: string, guard: GuardState) {
    const limit = this.ctx.policy.conversation.loopGuard;
    const digest = textDigest(text);
    if (digest !== guard.lastText) guard.mails = 0;
    guard.lastText = digest;
    if (guard.mails >= limit.mailsPerThreadWithoutHuman) return true;
    const { address } = parseEmailChatId(chat.chatId);
    const since = new Date(this.ctx.clock.now().getTime() - 3_600_000);
    const sent = await store.countAutomaticOutbound(
      tx,
      chat.channel,
      `${address}#`,
      since,
      limit.mailsPerSenderPerHour,
    );
    return sent >= limit.mailsPerSenderPerHour;
  }

  private restore(stored: StoredConversation | null, chat: ChatRef) {
    if (stored?.snapshot) return stored.snapshot as ConversationSnapshot;
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

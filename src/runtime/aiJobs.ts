/**
 * AI work, never inside a transaction: triage, transcription and answer-reading jobs (their
 * answers are fed to the chat's conversation machine; a failing AI falls back to the offline
 * classifier, to "no transcript" or to "not understood"), and reply drafts for technicians.
 */
import type { ConversationEvent } from "../../flows/conversationMachine.js";
import * as store from "../data/supportStore.js";
import type { ConversationExecutor } from "./conversationExecutor.js";
import { triageDone } from "./conversationIntents.js";
import type { JobPayload } from "./jobs.js";
import type { AfterCommit } from "./runtimeContext.js";
import { inChatTransaction, type RuntimeContext } from "./runtimeContext.js";
import type { AssistPort, ChatRef, TriageSuggestion } from "./runtimeTypes.js";
import { readConversation } from "./storedConversation.js";
import type { TicketViews } from "./ticketViews.js";

/** Runs the AI jobs and drafts. */
export class AiJobs {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly conversations: ConversationExecutor,
    private readonly views: TicketViews,
    private readonly afterCommit: AfterCommit,
  ) {}

  /** Runs an `ai.triage` job: the AI's category suggestion, else the offline classifier's. */
  triage = async (job: JobPayload<"ai.triage">): Promise<void> => {
    const { options, logger } = this.ctx;
    let suggestion: TriageSuggestion;
    try {
      suggestion = await options.assist!.triage({ description: job.text, language: job.language });
    } catch (error) {
      logger.warn({ err: error }, "AI triage failed; offline classifier used");
      suggestion = options.offlineTriage?.(job.text) ?? { category: null };
    }
    await this.answer(job.chat, triageDone(suggestion));
  };

  /** Runs an `ai.transcribe` job: the voice note's text, or null when it cannot be transcribed. */
  transcribe = async (job: JobPayload<"ai.transcribe">): Promise<void> => {
    const { options, logger } = this.ctx;
    const { attachment } = job;
    let result: { text: string } | null = null;
    try {
      if (attachment.ref && options.mediaStore) {
        const audio = await options.mediaStore.get(attachment.ref);
        result = await options.assist!.transcribe({
          audio,
          mime: attachment.mime ?? "audio/ogg",
          name: attachment.name ?? "voice.ogg",
        });
      }
    } catch (error) {
      logger.warn({ err: error }, "transcription failed");
    }
    await this.answer(job.chat, {
      type: "xstate.done.actor.transcribe",
      output: result?.text ? { text: result.text } : null,
    });
  };

  /**
   * Runs an `ai.interpret` job: which offered choice the answer means, or `choice: null` when the
   * AI does not know or fails. An answer no longer awaited (the customer wrote again) is not sent.
   */
  interpret = async (job: JobPayload<"ai.interpret">): Promise<void> => {
    const { options, logger, db } = this.ctx;
    const { chat, seq } = job;
    const stored = readConversation(await store.loadConversation(db, chat.channel, chat.chatId));
    const pending = stored?.state?.context.interpreting as { seq?: unknown; awaiting?: unknown } | undefined;
    if (pending?.seq !== seq || pending.awaiting !== true) return;
    let result: { choice: string | null; rest?: string } | null = null;
    try {
      const { text, question, options: choices, language } = job;
      result = (await options.assist?.interpret?.({ text, question, options: choices, language })) ?? null;
    } catch (error) {
      logger.warn({ err: error }, "reading an answer failed");
    }
    await this.answer(chat, {
      type: "answer.interpreted",
      seq,
      choice: result?.choice ?? null,
      ...(result?.rest ? { rest: result.rest } : {}),
    });
  };

  /**
   * Drafts a reply to a ticket's customer from its transcript, for the technician to review;
   * null for an unknown ticket or when the AI gives nothing usable.
   */
  async draftReply(assist: AssistPort, number: string): Promise<string | null> {
    const ticket = await this.views.getTicket(number);
    if (!ticket) return null;
    // Internal notes stay out: they are not meant for the customer and need not leave the process.
    const transcript = (await this.views.transcript(number))
      .filter((line) => line.direction !== "note" && line.text.trim() !== "")
      .map((line) => ({
        from:
          line.direction === "in"
            ? "customer"
            : line.direction === "staff"
              ? `technician${line.by ? ` ${line.by}` : ""}`
              : "support bot",
        text: line.text,
        at: new Date(line.at),
      }));
    if (transcript.length === 0)
      transcript.push({ from: "customer", text: ticket.description, at: new Date(ticket.createdAt) });
    const language = this.views.customerLanguage(ticket);
    try {
      return (await assist.suggestReply?.({ transcript, language, ticketId: ticket.number })) ?? null;
    } catch (error) {
      this.ctx.logger.warn({ err: error, ticket: number }, "reply draft failed");
      return null;
    }
  }

  /** Feeds an answer from the outside world to a chat's machine. */
  private async answer(chat: ChatRef, event: ConversationEvent): Promise<void> {
    const { fx } = await inChatTransaction(this.ctx, chat, async (tx, effects) => {
      const stored = readConversation(await store.loadConversation(tx, chat.channel, chat.chatId));
      await this.conversations.run(
        tx,
        chat,
        [event],
        effects,
        { senderId: null, customerId: stored?.row.customerId ?? null },
        stored,
      );
    });
    await this.afterCommit(fx);
  }
}

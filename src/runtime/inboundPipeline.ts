/**
 * The inbound pipeline: one customer message, serialised per chat. Drops platform redeliveries
 * (durable, via the transcript's unique key), keeps its media, identifies the customer, and in
 * ONE transaction stores the transcript line and runs the chat's conversation machine (snapshot,
 * ticket changes, events, jobs and outbound messages); what was queued is delivered after commit.
 */

import type { ConversationEvent } from "../../flows/conversationMachine.js";
import type { AttachmentMeta, CustomerFacts, Language } from "../../flows/intents.js";
import type { InboundMessage } from "../channels/port.js";
import { capabilitiesOf, isUnverifiedChat } from "../channels/port.js";
import * as store from "../data/supportStore.js";
import { pagerWayOf } from "../pager/channelNotifiers.js";
import { mayBeForPager, type Pager } from "../pager/pager.js";
import { asciiTicketNumbers } from "../text/ticketNumber.js";
import type { ConversationExecutor } from "./conversationExecutor.js";
import { customerAllowances } from "./customerAllowances.js";
import type { AfterCommit } from "./runtimeContext.js";
import { inChatTransaction, type RuntimeContext } from "./runtimeContext.js";
import { type ChatRef, chatKey } from "./runtimeTypes.js";
import { choiceFromLabels } from "./storedConversation.js";

const STORED_KINDS = new Set(["image", "video", "audio", "voice", "document"]);

/** The facts the machine is given about a known customer. */
function customerFacts(c: store.CustomerRecord): CustomerFacts {
  return {
    id: c.id,
    company: c.company,
    contactName: c.contactName,
    language: c.language === "it" || c.language === "en" ? c.language : null,
    plans: c.plans,
    purchases: c.purchases,
    verified: c.verified,
    salesRep: c.salesRep,
  };
}

/** Handles customer messages from every channel. */
export class InboundPipeline {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly conversations: ConversationExecutor,
    private readonly afterCommit: AfterCommit,
    private readonly pager: Pager | null = null,
  ) {}

  /**
   * A technician answering a page (or linking their Telegram) writes to the same bot customers
   * do: the pager takes those few messages ("ok", its button, a link code) before the customer
   * pipeline; anything else from anyone goes on as a customer message.
   */
  private async toPager(message: InboundMessage): Promise<boolean> {
    const pager = this.pager;
    if (!pager || message.automated) return false;
    const text = message.startPayload ? `/start ${message.startPayload}` : message.text;
    if (!mayBeForPager(text, message.choice)) return false;
    const way = pagerWayOf(message);
    if (!way) return false;
    const answer = await pager.answer(way.kind, way.address, text, message.choice);
    if (!answer.handled) return false;
    const channel = this.ctx.channels.get(message.channel);
    if (answer.reply && channel)
      await channel
        .send({ channel: message.channel, chatId: message.chatId, text: answer.reply })
        .catch((error) => this.ctx.logger.warn({ err: error }, "pager answer not sent"));
    return true;
  }

  /**
   * Handles one customer message; resolves once it is durably processed and the replies were
   * handed to the channel (delivery failures are retried later, never lost).
   */
  handle = async (inbound: InboundMessage): Promise<void> => {
    const { ctx } = this;
    if (await this.toPager(inbound)) return;
    // A ticket number copied from a phone chat carries non-breaking hyphens: read it as typed.
    const message = inbound.text ? { ...inbound, text: asciiTicketNumbers(inbound.text) } : inbound;
    const received = ctx.clock.now();
    const chat: ChatRef = { channel: message.channel, chatId: message.chatId };
    const can = capabilitiesOf(message.channel);
    // The caller of a phone line (E.164) is matched like a WhatsApp sender, by number.
    const phone = can.senderIsPhone && message.senderId.startsWith("+") ? message.senderId : null;
    // The e-mail sender's address is a way to reach them (kept on the record at sign-up). Not for
    // a sender the channel could not verify (a forged From is nobody's contact).
    const email =
      can.senderIsEmail && !isUnverifiedChat(message.chatId) ? message.senderId.toLowerCase() : null;
    const prepared = await this.prepareAttachments(message);
    // Shared with other chats' messages of the moment on PostgreSQL (group commit): this work only
    // reads and writes in the transaction and fills `effects`, so it may be run again.
    const { value: fresh, fx } = await inChatTransaction(
      ctx,
      chat,
      async (tx, effects) => {
        // Independent reads sent together (one round trip on PostgreSQL, whose client pipelines).
        const [state, known] = await Promise.all([
          // Whether the chat's outbox is empty matters only where replies can be inserted claimed.
          store.inboundState(tx, message, Boolean(ctx.coordination.insertClaim)),
          store.knownSender(tx, message.channel, message.senderId),
        ]);
        if (state.seen) return false;
        // Nothing of this chat waits to be sent (and its lock is held): its replies can be inserted
        // already claimed for delivery by this instance (PostgreSQL).
        const claim = state.outboxPending ? undefined : ctx.coordination.insertClaim?.();
        if (claim) effects.insertClaims.set(chatKey(chat), claim);
        // The sender's identity led to the customer (the usual case): its open tickets are known.
        let customer = known?.customer ?? null;
        let openTickets = known?.tickets ?? [];
        if (!customer) {
          customer = await store.customerOfNewSender(
            tx,
            message.channel,
            message.senderId,
            phone,
            can.senderIsEmail ? message.senderId : null,
          );
          if (!customer && message.startPayload) {
            customer = await store.findCustomerByCode(tx, message.startPayload);
            if (customer) await store.linkIdentity(tx, customer.id, message.channel, message.senderId);
          }
          if (customer) openTickets = await store.openTicketsForCustomer(tx, customer.id);
        }
        const followed = openTickets.find((t) => t.channel === chat.channel && t.chatId === chat.chatId);
        const allowances = customer
          ? await customerAllowances(ctx.policy, tx, customer, ctx.clock.now())
          : null;
        await store.storeInbound(tx, {
          channel: message.channel,
          chatId: message.chatId,
          platformMessageId: message.platformMessageId,
          text: message.text,
          body: {
            attachments: prepared.map(({ kind, mime, name, size, ref }) => ({ kind, mime, name, size, ref })),
          },
          at: message.at,
          ticketId: followed?.id ?? null,
        });
        // An automatic message (an e-mail auto-reply) is kept, never answered: no loop with a responder.
        if (message.automated) return true;
        const language = this.languageFor(customer, message);
        const conversation = this.conversations.read(chat, state.conversation);
        const choice = message.choice ?? choiceFromLabels(conversation, message.text);
        const event: ConversationEvent = {
          type: "inbound",
          at: ctx.clock.now().toISOString(),
          text: message.text,
          ...(choice ? { choice } : {}),
          attachments: prepared,
          facts: {
            customer: customer ? { ...customerFacts(customer), ...(allowances ? { allowances } : {}) } : null,
            openTickets: openTickets.map((t) => ({
              number: t.number,
              status: t.status,
              category: t.category,
            })),
            language,
            aiEnabled: Boolean(ctx.options.assist),
            // One message, then the questions in one reply (a voicemail cannot hold a dialogue).
            oneReply: can.oneReplyPerTurn,
            voicemail: can.voicemail,
            senderPhone: phone,
            senderEmail: email,
          },
        };
        await this.conversations.run(
          tx,
          chat,
          [event],
          effects,
          { senderId: message.senderId, customerId: customer?.id ?? null },
          conversation,
        );
        return true;
      },
      { shared: true },
    );
    if (!fresh) {
      ctx.logger.debug(
        { channel: message.channel, id: message.platformMessageId },
        "duplicate delivery dropped",
      );
      return;
    }
    ctx.options.metrics?.messageIn(message.channel);
    await this.afterCommit(fx);
    ctx.options.metrics?.replyLatency((ctx.clock.now().getTime() - received.getTime()) / 1000);
  };

  /** Keeps the message's media in the media store (before the transaction) and describes them. */
  private async prepareAttachments(message: InboundMessage): Promise<AttachmentMeta[]> {
    const { ctx } = this;
    const out: AttachmentMeta[] = [];
    // A redelivered message is dropped in the transaction; don't download its media again first.
    if (
      message.attachments.length > 0 &&
      (await store.inboundSeen(ctx.db, message.channel, message.platformMessageId))
    ) {
      return out;
    }
    for (const a of message.attachments) {
      const meta: AttachmentMeta = { kind: a.kind };
      if (a.mime) meta.mime = a.mime;
      if (a.name) meta.name = a.name;
      if (a.size !== undefined) meta.size = a.size;
      if (a.ref) meta.ref = a.ref;
      // Media are kept in the media store before the transaction: platform download links expire,
      // technicians need the photos, and transcription jobs may run after a restart. Web uploads
      // are already stored by the web channel.
      const keep = STORED_KINDS.has(a.kind) && !a.ref?.startsWith("web-upload:");
      if (keep && ctx.options.mediaStore && a.fetch) {
        try {
          meta.ref = await ctx.options.mediaStore.put(await a.fetch(), a.name ?? `${a.kind}.bin`);
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          meta.error = typeof code === "string" && /too.?large/i.test(code) ? "too-large" : "unavailable";
          ctx.logger.warn({ err: error, kind: a.kind }, "attachment could not be downloaded");
        }
      }
      out.push(meta);
    }
    return out;
  }

  private languageFor(customer: store.CustomerRecord | null, message: InboundMessage): Language {
    if (customer && (customer.language === "it" || customer.language === "en")) return customer.language;
    const detected = message.text ? this.ctx.options.detectLanguage?.(message.text) : null;
    if (detected) return detected;
    const hint = message.languageHint?.slice(0, 2).toLowerCase();
    if (hint === "it" || hint === "en") return hint;
    return this.ctx.policy.defaultLanguage;
  }
}

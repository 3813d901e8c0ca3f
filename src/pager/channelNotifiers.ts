/**
 * Notifiers over the existing channel port: a Telegram direct message through the customers' bot,
 * a WhatsApp message through the configured WhatsApp channel, an e-mail through the mail channel.
 * Each carries an acknowledge button where the channel has buttons; a reply "ok" works everywhere.
 */
import type { ChannelAdapter, InboundMessage } from "../channels/port.js";
import type { Reach } from "./chain.js";
import { ACK_CHOICE_PREFIX, type Notifier, type PageMessage } from "./notifier.js";

/** The WhatsApp chat of an E.164 phone, as the channel port names private chats. */
export function whatsAppChatOf(phone: string): string {
  return `${phone.replace(/\D/g, "")}@c.us`;
}

/** The pager's ways that go through a customer channel (the channel of the same name). */
export type ChannelWay = "telegram" | "whatsapp" | "email";

/**
 * The technician's way a message came from, as the pager stores it (the inverse of
 * {@link channelNotifier}): a Telegram chat, a WhatsApp phone in E.164, an e-mail address; null
 * when the message's channel is none of the pager's ways.
 */
export function pagerWayOf(message: InboundMessage): { kind: ChannelWay; address: string } | null {
  switch (message.channel) {
    case "telegram":
      return { kind: "telegram", address: message.chatId };
    case "whatsapp":
      return {
        kind: "whatsapp",
        address: message.senderId.startsWith("+") ? message.senderId : `+${message.chatId.split("@")[0]}`,
      };
    case "email":
      return { kind: "email", address: message.senderId };
    default:
      return null;
  }
}

/** A notifier that sends through one channel adapter (looked up when it sends). */
export function channelNotifier(kind: ChannelWay, channel: () => ChannelAdapter | undefined): Notifier {
  return {
    kind,
    available: () => channel() !== undefined,
    async send(reach: Reach, message: PageMessage) {
      const adapter = channel();
      if (!adapter) throw new Error(`${kind} is not configured`);
      if (!reach.address) throw new Error(`no ${kind} address for ${reach.technician}`);
      const chatId =
        kind === "whatsapp"
          ? whatsAppChatOf(reach.address)
          : kind === "email"
            ? `${reach.address.toLowerCase()}#page-${message.pageId}`
            : reach.address;
      const sent = await adapter.send({
        channel: adapter.name,
        chatId,
        text: message.text,
        subject: message.subject,
        ...(kind === "email"
          ? {}
          : { choices: [{ id: `${ACK_CHOICE_PREFIX}${message.pageId}`, label: message.ackLabel }] }),
      });
      return sent.platformMessageId ? { ref: sent.platformMessageId } : {};
    },
  };
}

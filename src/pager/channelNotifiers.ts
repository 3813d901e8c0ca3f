/**
 * Notifiers over the existing channel port: a Telegram direct message through the customers' bot,
 * a WhatsApp message through the configured WhatsApp channel, an e-mail through the mail channel.
 * Each carries an acknowledge button where the channel has buttons; a reply "ok" works everywhere.
 */
import type { ChannelAdapter } from "../channels/port.js";
import type { Reach } from "./chain.js";
import { ACK_CHOICE_PREFIX, type Notifier, type PageMessage } from "./notifier.js";

/** The WhatsApp chat of an E.164 phone, as the channel port names private chats. */
export function whatsAppChatOf(phone: string): string {
  return `${phone.replace(/\D/g, "")}@c.us`;
}

/** A notifier that sends through one channel adapter (looked up when it sends). */
export function channelNotifier(
  kind: "telegram" | "whatsapp" | "email",
  channel: () => ChannelAdapter | undefined,
): Notifier {
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

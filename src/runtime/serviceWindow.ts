/**
 * The customer-service window (WhatsApp Business Platform): free text reaches a customer only
 * within `serviceWindowMs` of their last message. For a channel that declares one, the outbox
 * asks here before each send: inside the window the message goes as it is; outside it, as the
 * preset's approved template for the message's kind (its text the parameter); a message no
 * template carries — or a file — cannot go at all and fails permanently, which tells staff.
 */
import { type ChannelAdapter, ChannelSendError, type OutboundMessage } from "../channels/port.js";
import { renderNumberedChoices } from "../channels/whatsapp/matchChoice.js";
import { serviceWindowFacts } from "../data/deliveryReceiptStore.js";
import type { RuntimeContext } from "./runtimeContext.js";

/** True when `kind` is one of `patterns` (a trailing `*` matches any ending). */
export function kindMatches(kind: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith("*") ? kind.startsWith(p.slice(0, -1)) : kind === p));
}

/** `message` as it can go now: unchanged, with the customer's language, or as a template. */
export async function applyServiceWindow(
  ctx: RuntimeContext,
  adapter: ChannelAdapter,
  message: OutboundMessage,
  kind: string | undefined,
): Promise<OutboundMessage> {
  const windowMs = adapter.serviceWindowMs;
  if (windowMs === undefined) return message;
  const facts = await serviceWindowFacts(ctx.db, message.channel, message.chatId);
  const language = facts.language ?? ctx.policy.defaultLanguage;
  const now = ctx.clock.now().getTime();
  if (facts.lastInboundAt && now - facts.lastInboundAt.getTime() < windowMs) return { ...message, language };
  const since = facts.lastInboundAt
    ? `the customer last wrote ${Math.floor((now - facts.lastInboundAt.getTime()) / 3_600_000)} h ago`
    : "the customer never wrote on this chat";
  const template = kind ? ctx.policy.whatsappTemplates.find((t) => kindMatches(kind, t.kinds)) : undefined;
  if (!template) {
    throw new ChannelSendError(
      "outside-service-window",
      `not sent: ${since}, more than ${windowMs / 3_600_000} h, and no approved template carries this message (${kind ?? "no kind"}); call or write to the customer another way`,
      { permanent: true },
    );
  }
  if (message.attachments?.length) {
    throw new ChannelSendError(
      "outside-service-window",
      `not sent: ${since}, more than ${windowMs / 3_600_000} h, and files cannot go in a template; the customer has to write first`,
      { permanent: true },
    );
  }
  return {
    ...message,
    language,
    template: {
      name: template.name,
      language: template.languages[language],
      parameters: [renderNumberedChoices(message.text, message.choices ?? [])],
    },
  };
}

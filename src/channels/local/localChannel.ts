/**
 * The local channel: a customer chat without any platform. The terminal `chat` command, the
 * story runner, the benchmark and tests talk to the runtime through it, exactly like the
 * WhatsApp or Telegram adapters do.
 */
import { randomUUID } from "node:crypto";
import type {
  ChannelAdapter,
  ChannelName,
  ChannelState,
  InboundAttachment,
  InboundHandler,
  InboundMessage,
  OutboundMessage,
  SendResult,
} from "../port.js";

export interface LocalChannelOptions {
  /** Which channel this local chat pretends to be (identity look-ups use it). */
  as?: ChannelName;
  /** Called for every message the bot sends. */
  onSend?: (message: OutboundMessage) => void | Promise<void>;
  now?: () => Date;
}

export class LocalChannel implements ChannelAdapter {
  readonly name: ChannelName;
  readonly sent: OutboundMessage[] = [];
  private handler: InboundHandler | null = null;
  private readonly options: LocalChannelOptions;
  /** When set, the next sends fail with this error (tests of delivery retries). */
  failNext: { count: number; error: Error } | null = null;

  constructor(options: LocalChannelOptions = {}) {
    this.options = options;
    this.name = options.as ?? "local";
  }

  async start(onMessage: InboundHandler): Promise<void> {
    this.handler = onMessage;
  }

  async stop(): Promise<void> {
    this.handler = null;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (this.failNext && this.failNext.count > 0) {
      this.failNext.count--;
      throw this.failNext.error;
    }
    this.sent.push(message);
    await this.options.onSend?.(message);
    return { platformMessageId: `local-out-${this.sent.length}` };
  }

  state(): ChannelState {
    return this.handler ? { status: "connected", detail: "local" } : { status: "starting" };
  }

  /** Builds an inbound message as a platform adapter would. */
  message(
    chatId: string,
    text: string,
    extra: Partial<Omit<InboundMessage, "channel" | "chatId" | "text">> & {
      attachments?: InboundAttachment[];
    } = {},
  ): InboundMessage {
    return {
      channel: this.name,
      chatId,
      senderId: extra.senderId ?? chatId,
      platformMessageId: extra.platformMessageId ?? randomUUID(),
      at: extra.at ?? this.options.now?.() ?? new Date(),
      text,
      attachments: extra.attachments ?? [],
      ...(extra.choice ? { choice: extra.choice } : {}),
      ...(extra.startPayload ? { startPayload: extra.startPayload } : {}),
      ...(extra.languageHint ? { languageHint: extra.languageHint } : {}),
    };
  }

  /** Delivers a customer message to the runtime and waits until it is processed. */
  async receive(message: InboundMessage): Promise<void> {
    if (!this.handler) throw new Error("local channel not started");
    await this.handler(message);
  }
}

/**
 * The customer channels of the composition root: the web chat always, Telegram, WhatsApp (linked
 * account or the Business Platform) and e-mail when their settings turn them on. A channel that
 * is off logs one line saying how to turn it on; platform libraries are loaded only when used.
 */
import type { ChannelAdapter } from "../channels/port.js";
import { createWebChannel } from "../channels/web/webChannel.js";
import type { WebChannel } from "../channels/web/webChannelContract.js";
import type { Config } from "../config/env.js";
import type { Coordination } from "../data/coordination.js";
import type { Database } from "../data/database.js";
import { createMailThreadStore } from "../data/mailStore.js";
import type { Logger } from "../observability/logger.js";
import type { Policy } from "../policy/schema.js";
import type { Clock } from "../runtime/clock.js";
import type { WebhookRoute } from "../server/httpServer.js";
import { createWebFanout } from "./webFanout.js";
import { webHistory } from "./webHistory.js";

/** The channels built, with the web chat and WhatsApp apart (the server serves them) and their webhooks. */
export interface StartedChannels {
  channels: ChannelAdapter[];
  webChannel: WebChannel;
  /** The WhatsApp adapter when on (its QR code is shown on the board while it waits for one). */
  whatsapp: ChannelAdapter | null;
  webhooks: WebhookRoute[];
}

/** Builds every configured channel (not started: the runtime starts them). */
export async function buildChannels(
  config: Config,
  logger: Logger & { child: (b: object) => Logger },
  deps: { db: Database; policy: Policy; dataDir: string; clock: Clock; coordination: Coordination },
): Promise<StartedChannels> {
  const { db, policy, dataDir, clock, coordination } = deps;
  const channels: ChannelAdapter[] = [];
  const webChannel = createWebChannel({
    dataDir,
    now: () => clock.now(),
    fanout: createWebFanout(coordination),
    history: (chatId) => webHistory(db, chatId),
  });
  channels.push(webChannel);
  const webhooks: WebhookRoute[] = [];

  const telegram = config.telegram;
  if (telegram.enabled) {
    const { createTelegramAdapter } = await import("../channels/telegram/telegramAdapter.js");
    const adapter = createTelegramAdapter({
      ...telegram.options,
      logger: logger.child({ channel: "telegram" }),
    });
    channels.push(adapter);
    if (telegram.options.webhook)
      webhooks.push({ path: "/telegram/webhook", handler: adapter.webhookHandler() });
  } else {
    logger.info(telegram.hint);
  }

  let whatsapp: ChannelAdapter | null = null;
  if (config.whatsapp.enabled && config.whatsapp.driver === "cloud") {
    const { createWhatsAppCloudAdapter } = await import("../channels/whatsapp/cloud/cloudAdapter.js");
    const cloud = createWhatsAppCloudAdapter({
      ...config.whatsapp.options,
      logger: logger.child({ channel: "whatsapp", driver: "cloud" }),
    });
    whatsapp = cloud;
    channels.push(cloud);
    webhooks.push({ path: "/whatsapp/webhook", handler: cloud.webhookHandler() });
    webhooks.push({ path: "/whatsapp/webhook", method: "GET", handler: cloud.verificationHandler() });
  } else if (config.whatsapp.enabled) {
    const { createWhatsAppAdapter } = await import("../channels/whatsapp/whatsAppAdapter.js");
    const { enabled: _, driver: __, ...settings } = config.whatsapp;
    whatsapp = createWhatsAppAdapter({
      dataDir,
      ...settings,
      logger: logger.child({ channel: "whatsapp" }),
    });
    channels.push(whatsapp);
  } else {
    logger.info(
      "WhatsApp off: set WHATSAPP_ENABLED=true (and CHROME_PATH) to link a WhatsApp account, or WHATSAPP_DRIVER=cloud for the Business Platform",
    );
  }

  const email = config.email;
  if (email.enabled) {
    const { createEmailAdapter } = await import("../channels/email/emailAdapter.js");
    channels.push(
      createEmailAdapter({
        ...email.settings,
        store: createMailThreadStore(db),
        logger: logger.child({ channel: "email" }),
        defaultSubject: policy.company,
      }),
    );
  } else {
    logger.info(email.hint);
  }
  return { channels, webChannel, whatsapp, webhooks };
}

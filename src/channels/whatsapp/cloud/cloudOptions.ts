/** Settings of the WhatsApp Business Platform (Cloud API) driver. */
import type { WhatsAppLogger } from "../whatsAppOptions.js";

export const DEFAULT_GRAPH_URL = "https://graph.facebook.com";
export const DEFAULT_GRAPH_VERSION = "v23.0";
/** WhatsApp's customer-service window: free text only within 24 hours of the customer's last message. */
export const SERVICE_WINDOW_MS = 24 * 3600 * 1000;

export interface CloudAdapterOptions {
  /** The business phone number's id (WhatsApp Manager → API setup), not the number itself. */
  phoneNumberId: string;
  /** A system user's permanent token with whatsapp_business_messaging. */
  accessToken: string;
  /** The Meta app's secret: webhooks are signed with it. */
  appSecret: string;
  /** The word Meta echoes when the webhook is subscribed. */
  verifyToken: string;
  /** Graph API version, default {@link DEFAULT_GRAPH_VERSION}. */
  graphVersion?: string;
  /** Graph API root, default {@link DEFAULT_GRAPH_URL} (a fake in tests). */
  baseUrl?: string;
  /** Largest inbound media downloaded (as the web driver's WHATSAPP_MAX_MEDIA_MB). */
  maxMediaBytes?: number;
  /** Mark customer messages read (blue ticks) once stored. */
  readReceipts?: boolean;
  logger?: WhatsAppLogger;
  /** A rate limit whose advised wait is at most this long is waited out inside `send` (default 5 s). */
  maxInlineWaitMs?: number;
  /** How long to wait before checking the token again after the Graph API could not be reached. */
  recheckDelayMs?: number;
}

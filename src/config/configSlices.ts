/** The slices of {@link Config} for the channels, the desk and the AI, each made from the checked environment. */
import { type AiConfig, DEFAULT_AI_ZONE } from "../ai/config.js";
import { addressOf, EMAIL_OFF_HINT, type EmailConfig, parseImapUrl } from "../channels/email/emailConfig.js";
import type { TelegramAdapterOptions } from "../channels/telegram/telegramAdapterOptions.js";
import type { SlackSettings } from "../desk/slack/slackDeskOptions.js";
import type { TelegramConfig, WhatsAppConfig } from "./env.js";
import type { Env } from "./envSchema.js";

export function telegramSlice(env: Env): TelegramConfig {
  const token = env.TELEGRAM_BOT_TOKEN;
  if (!token) {
    return {
      enabled: false,
      hint: "Telegram is off: set TELEGRAM_BOT_TOKEN (ask @BotFather for one) to turn it on",
    };
  }
  const options: TelegramAdapterOptions = { token, driver: env.TELEGRAM_DRIVER };
  if (env.TELEGRAM_API_ROOT) options.apiRoot = env.TELEGRAM_API_ROOT;
  // The schema requires the secret with the URL.
  if (env.TELEGRAM_WEBHOOK_URL && env.TELEGRAM_WEBHOOK_SECRET)
    options.webhook = { url: env.TELEGRAM_WEBHOOK_URL, secretToken: env.TELEGRAM_WEBHOOK_SECRET };
  if (env.TELEGRAM_MAX_MEDIA_BYTES !== undefined) options.maxMediaBytes = env.TELEGRAM_MAX_MEDIA_BYTES;
  return { enabled: true, options };
}

/** WhatsApp: off, whatsapp-web.js (WHATSAPP_ENABLED), or the Cloud API (WHATSAPP_DRIVER=cloud). */
export function whatsAppSlice(env: Env): WhatsAppConfig {
  const maxMediaBytes = env.WHATSAPP_MAX_MEDIA_MB * 1024 * 1024;
  if (env.WHATSAPP_DRIVER === "cloud") {
    // The schema requires the four settings with the cloud driver.
    return {
      enabled: true,
      driver: "cloud",
      options: {
        phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID!,
        accessToken: env.WHATSAPP_ACCESS_TOKEN!,
        appSecret: env.WHATSAPP_APP_SECRET!,
        verifyToken: env.WHATSAPP_VERIFY_TOKEN!,
        graphVersion: env.WHATSAPP_GRAPH_VERSION,
        ...(env.WHATSAPP_GRAPH_URL ? { baseUrl: env.WHATSAPP_GRAPH_URL } : {}),
        maxMediaBytes,
        readReceipts: env.WHATSAPP_READ_RECEIPTS,
      },
    };
  }
  if (!env.WHATSAPP_ENABLED) return { enabled: false };
  return {
    enabled: true,
    driver: "web",
    chromePath: env.CHROME_PATH,
    maxMediaBytes,
    ...(env.WHATSAPP_PAIR_PHONE ? { pairWithPhone: env.WHATSAPP_PAIR_PHONE } : {}),
  };
}

export function slackSlice(env: Env): SlackSettings | null {
  const botToken = env.SLACK_BOT_TOKEN;
  const staffChannel = env.SLACK_STAFF_CHANNEL;
  if (!botToken || !staffChannel) return null;
  return {
    botToken,
    staffChannel,
    ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
    ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    ...(env.SLACK_ESCALATION_CHANNEL ? { escalationChannel: env.SLACK_ESCALATION_CHANNEL } : {}),
  };
}

export function emailSlice(env: Env): EmailConfig {
  const { IMAP_URL: imapUrl, SMTP_URL: smtpUrl, MAIL_FROM: from } = env;
  // The schema requires all three once one is set, and checks their shapes.
  if (!imapUrl || !smtpUrl || !from) return { enabled: false, hint: EMAIL_OFF_HINT };
  const fromAddress = addressOf(from)!;
  return {
    enabled: true,
    settings: {
      imap: parseImapUrl(imapUrl, env.MAIL_FOLDER),
      smtpUrl,
      from,
      fromAddress,
      domain: fromAddress.split("@")[1]!,
      maxMessageBytes: env.MAIL_MAX_MB * 1024 * 1024,
      maxAttachmentBytes: env.MAIL_MAX_ATTACHMENT_MB * 1024 * 1024,
      pollSeconds: env.MAIL_POLL_SECONDS,
      mailAuth: {
        mode: env.MAIL_AUTH,
        ...(env.MAIL_AUTH_SERVID ? { servId: env.MAIL_AUTH_SERVID } : {}),
      },
    },
  };
}

export function aiSlice(env: Env): AiConfig {
  return {
    ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
    ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
    model: env.OPENAI_MODEL,
    transcribeModel: env.OPENAI_TRANSCRIBE_MODEL,
    timeoutMs: env.AI_TIMEOUT_MS,
    interpretTimeoutMs: env.AI_INTERPRET_TIMEOUT_MS,
    transcribeTimeoutMs: env.AI_TRANSCRIBE_TIMEOUT_MS,
    helperTimeoutMs: env.AI_HELPER_TIMEOUT_MS,
    dailyCallCap: env.AI_DAILY_CALL_CAP,
    dailyTokenCap: env.AI_DAILY_TOKEN_CAP,
    zone: DEFAULT_AI_ZONE,
  };
}

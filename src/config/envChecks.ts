/**
 * The checks that span several settings (e.g. e-mail needs IMAP_URL, SMTP_URL and MAIL_FROM together),
 * run by the environment schema after every field has been read on its own.
 */
import type { z } from "zod";
import type { EnvFields } from "./envSchema.js";

/** Adds an issue to `ctx` for every group of settings that is incomplete or inconsistent. */
export function checkSettingsTogether(env: EnvFields, ctx: z.RefinementCtx): void {
  if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    ctx.addIssue({
      code: "custom",
      path: ["SLACK_SIGNING_SECRET"],
      message: "required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)",
    });
  }
  if (env.SLACK_BOT_TOKEN && !env.SLACK_STAFF_CHANNEL) {
    ctx.addIssue({
      code: "custom",
      path: ["SLACK_STAFF_CHANNEL"],
      message: "required with SLACK_BOT_TOKEN: the channel id where ticket cards go (C0123…)",
    });
  }
  const mail = [env.IMAP_URL, env.SMTP_URL, env.MAIL_FROM];
  if (mail.some(Boolean) && !mail.every(Boolean)) {
    for (const [name, value] of [
      ["IMAP_URL", env.IMAP_URL],
      ["SMTP_URL", env.SMTP_URL],
      ["MAIL_FROM", env.MAIL_FROM],
    ] as const) {
      if (!value)
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "required for e-mail: set IMAP_URL, SMTP_URL and MAIL_FROM together",
        });
    }
  }
  if (env.WHATSAPP_DRIVER === "cloud") {
    for (const [name, value, what] of [
      ["WHATSAPP_PHONE_NUMBER_ID", env.WHATSAPP_PHONE_NUMBER_ID, "the business number's id"],
      ["WHATSAPP_ACCESS_TOKEN", env.WHATSAPP_ACCESS_TOKEN, "a permanent system-user token"],
      ["WHATSAPP_APP_SECRET", env.WHATSAPP_APP_SECRET, "the Meta app's secret (webhooks are signed with it)"],
      ["WHATSAPP_VERIFY_TOKEN", env.WHATSAPP_VERIFY_TOKEN, "the word you type in the app's webhook settings"],
    ] as const) {
      if (!value)
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `required with WHATSAPP_DRIVER=cloud: ${what}`,
        });
    }
  }
  const twilio = [env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, env.TWILIO_FROM];
  if (twilio.some(Boolean)) {
    for (const [name, value] of [
      ["TWILIO_ACCOUNT_SID", env.TWILIO_ACCOUNT_SID],
      ["TWILIO_AUTH_TOKEN", env.TWILIO_AUTH_TOKEN],
      ["TWILIO_FROM", env.TWILIO_FROM],
      ["PUBLIC_URL", env.PUBLIC_URL],
    ] as const) {
      if (!value)
        ctx.addIssue({
          code: "custom",
          path: [name],
          message:
            "required for Twilio: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM and PUBLIC_URL (where Twilio posts its webhooks) together",
        });
    }
  }
  if (env.MAIL_AUTH === "mta" && !env.MAIL_AUTH_SERVID) {
    ctx.addIssue({
      code: "custom",
      path: ["MAIL_AUTH_SERVID"],
      message: "required with MAIL_AUTH=mta: the name your mail server writes in Authentication-Results",
    });
  }
  if (env.TELEGRAM_WEBHOOK_URL && !env.TELEGRAM_WEBHOOK_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["TELEGRAM_WEBHOOK_SECRET"],
      message: "required with TELEGRAM_WEBHOOK_URL (Telegram sends it back on every update)",
    });
  }
}

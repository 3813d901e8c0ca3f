/**
 * Every environment variable sportello reads, as one zod schema: a wrong value stops the process
 * with the variable's name and what was expected; a missing optional one leaves its feature off.
 * `.env.example` lists the same variables.
 */
import { z } from "zod";
import { parseImapUrl } from "../channels/email/emailConfig.js";
import { TELEGRAM_DRIVER_NAMES } from "../channels/telegram/telegramDriver.js";
import { checkSettingsTogether } from "./envChecks.js";
import { bool, optionalHttpUrl, optionalText, optionalUrl, positiveInt } from "./envFields.js";
import { LIMIT_VARIABLES } from "./limitsEnv.js";

const envFields = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "file:./data/sportello.db")
    .refine((v) => v.startsWith("file:") || /^postgres(ql)?:\/\//.test(v), {
      error: "expected file:PATH (SQLite) or postgresql://… (PostgreSQL)",
    }),
  DATABASE_POOL_SIZE: positiveInt(10),
  SPORTELLO_POLICY: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "leotron"),
  SPORTELLO_DATA_DIR: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "./data"),
  PORT: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? 3000 : Number(v)))
    .pipe(
      z
        .number({ error: "expected a TCP port 0–65535" })
        .int()
        .min(0)
        .max(65535, { error: "expected a TCP port 0–65535" }),
    ),
  HOST: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "127.0.0.1"),
  PUBLIC_URL: optionalUrl,
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx): boolean | number | string[] => {
      const value = v?.trim() ?? "";
      if (value === "" || /^(false|no|off|0)$/i.test(value)) return false;
      if (/^(true|yes|on)$/i.test(value)) return true;
      if (/^\d{1,2}$/.test(value)) return Number(value);
      const list = value
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean);
      if (list.every((p) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$|^(loopback|linklocal|uniquelocal)$/.test(p)))
        return list;
      ctx.addIssue({
        code: "custom",
        message: "expected true, a hop count (1), or proxy addresses/CIDRs such as 127.0.0.1,10.0.0.0/8",
      });
      return z.NEVER;
    }),
  ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((h) => h.trim())
        .filter(Boolean),
    ),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .optional()
    .default("info"),
  /** Any value turns colours off in the pretty log format (https://no-color.org). */
  NO_COLOR: optionalText,
  LOG_FORMAT: z
    .string()
    .optional()
    .transform((v) => v?.trim().toLowerCase() || undefined)
    .pipe(z.enum(["pretty", "json"], { error: "expected pretty, json or empty (automatic)" }).optional()),

  TELEGRAM_BOT_TOKEN: optionalText.refine((v) => v === undefined || /^\d+:[\w-]{20,}$/.test(v), {
    error: "expected a BotFather token such as 123456789:AA…",
  }),
  TELEGRAM_DRIVER: z
    .string()
    .optional()
    .transform((v) => v?.trim().toLowerCase() || "grammy")
    .pipe(z.enum(TELEGRAM_DRIVER_NAMES, { error: `expected ${TELEGRAM_DRIVER_NAMES.join(" or ")}` })),
  TELEGRAM_API_ROOT: optionalHttpUrl,
  TELEGRAM_WEBHOOK_URL: optionalHttpUrl,
  TELEGRAM_WEBHOOK_SECRET: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    error: "expected 1–256 characters A–Z, a–z, 0–9, _ or -",
  }),
  /** Largest file downloaded from a customer; unset = Telegram's own 20 MB limit. */
  TELEGRAM_MAX_MEDIA_BYTES: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : Number(v)))
    .pipe(
      z
        .number({ error: "expected a whole number of bytes" })
        .int({ error: "expected a whole number of bytes" })
        .positive({ error: "expected a number of bytes > 0" })
        .optional(),
    ),

  WHATSAPP_ENABLED: bool,
  CHROME_PATH: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "/usr/bin/chromium"),
  WHATSAPP_PAIR_PHONE: optionalText,
  WHATSAPP_MAX_MEDIA_MB: positiveInt(16),
  /** web: whatsapp-web.js (a linked phone); cloud: the WhatsApp Business Platform (Cloud API). */
  WHATSAPP_DRIVER: z
    .string()
    .optional()
    .transform((v) => v?.trim().toLowerCase() || "web")
    .pipe(z.enum(["web", "cloud"], { error: "expected web or cloud" })),
  WHATSAPP_PHONE_NUMBER_ID: optionalText.refine((v) => v === undefined || /^\d{5,20}$/.test(v), {
    error: "expected the phone number id from WhatsApp Manager → API setup (digits, not the number)",
  }),
  WHATSAPP_ACCESS_TOKEN: optionalText,
  WHATSAPP_APP_SECRET: optionalText,
  WHATSAPP_VERIFY_TOKEN: optionalText,
  WHATSAPP_GRAPH_VERSION: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "v23.0")
    .pipe(z.string().regex(/^v\d+\.\d+$/, { error: "expected a Graph API version such as v23.0" })),
  WHATSAPP_GRAPH_URL: optionalHttpUrl,
  WHATSAPP_READ_RECEIPTS: bool,
  /** Days finished jobs and delivery idempotency keys are kept before the daily housekeeping deletes them. */
  FINISHED_WORK_KEEP_DAYS: positiveInt(7),
  /** Months of transcripts and customer files kept; unset = kept until erased. */
  RETENTION_MONTHS: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : Number(v)))
    .pipe(
      z
        .number({ error: "expected whole months, e.g. 24" })
        .int({ error: "expected whole months, e.g. 24" })
        .min(1, { error: "expected at least 1 month" })
        .max(1200, { error: "expected at most 1200 months" })
        .optional(),
    ),

  SLACK_BOT_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith("xoxb-"), {
    error: "expected a bot token xoxb-…",
  }),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith("xapp-"), {
    error: "expected an app-level token xapp-…",
  }),
  SLACK_STAFF_CHANNEL: optionalText,
  SLACK_ESCALATION_CHANNEL: optionalText,
  SLACK_API_URL: optionalUrl,

  TWILIO_ACCOUNT_SID: optionalText.refine((v) => v === undefined || /^AC[0-9a-fA-F]{32}$/.test(v), {
    error: "expected the Account SID from the Twilio console (AC and 32 hex digits)",
  }),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_FROM: optionalText.refine((v) => v === undefined || /^\+[1-9]\d{6,14}$/.test(v), {
    error: "expected the Twilio number pages come from, in international form (+390452525658)",
  }),
  TWILIO_API_URL: optionalUrl,
  OUTAGE_NOTIFY_AFTER_MINUTES: positiveInt(10),

  IMAP_URL: optionalText.refine(
    (v) => v === undefined || (/^imaps?:\/\/[^@/]+@[^/]+/.test(v) && readsAsImap(v)),
    {
      error: "expected imaps://user:password@imap.example.com[:993][/folder] (user and password URL-encoded)",
    },
  ),
  SMTP_URL: optionalText.refine((v) => v === undefined || /^smtps?:\/\//.test(v), {
    error: "expected smtps://user:password@smtp.example.com[:465] or smtp://…:587",
  }),
  MAIL_FROM: optionalText.refine(
    (v) => v === undefined || /^[^<>]*<[^<>\s]+@[^<>\s]+>$|^[^<>\s]+@[^<>\s]+$/.test(v),
    {
      error: 'expected an address such as "Assistenza <support@example.com>"',
    },
  ),
  MAIL_FOLDER: optionalText,
  MAIL_MAX_MB: positiveInt(25),
  MAIL_MAX_ATTACHMENT_MB: positiveInt(15),
  MAIL_POLL_SECONDS: positiveInt(60),
  MAIL_AUTH: z
    .string()
    .optional()
    .transform((v) => v?.trim().toLowerCase() || "check")
    .pipe(z.enum(["check", "mta", "off"], { error: "expected check, mta or off" })),
  MAIL_AUTH_SERVID: optionalText,

  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "gpt-4o-mini"),
  OPENAI_TRANSCRIBE_MODEL: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "whisper-1"),
  AI_TIMEOUT_MS: positiveInt(4000),
  AI_TRANSCRIBE_TIMEOUT_MS: positiveInt(20_000),
  AI_HELPER_TIMEOUT_MS: positiveInt(20_000),
  AI_INTERPRET_TIMEOUT_MS: positiveInt(4000),
  AI_DAILY_CALL_CAP: positiveInt(500),
  AI_DAILY_TOKEN_CAP: positiveInt(200_000),
  ...LIMIT_VARIABLES,
});

/** The settings read one by one, before the checks across settings. */
export type EnvFields = z.infer<typeof envFields>;

export const EnvSchema = envFields.superRefine(checkSettingsTogether);

export type Env = z.infer<typeof EnvSchema>;

function readsAsImap(url: string): boolean {
  try {
    parseImapUrl(url);
    return true;
  } catch {
    return false;
  }
}

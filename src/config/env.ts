/**
 * Every setting sportello reads from the environment, checked with zod at start-up, and the
 * typed {@link Config} made of them: one slice per module (core, http, logs, telegram, whatsapp,
 * slack, email, ai). A wrong value stops the process with the variable's name and what was
 * expected; a missing optional one just leaves its feature off. `.env.example` lists the same
 * variables. This is the only module that reads `process.env` (biome's `noProcessEnv`).
 */
import { z } from "zod";
import { type AiConfig, DEFAULT_AI_ZONE } from "../ai/config.js";
import { addressOf, EMAIL_OFF_HINT, type EmailConfig, parseImapUrl } from "../channels/email/emailConfig.js";
import type { TelegramAdapterOptions } from "../channels/telegram/telegramAdapterOptions.js";
import { TELEGRAM_DRIVER_NAMES } from "../channels/telegram/telegramDriver.js";
import type { CloudAdapterOptions } from "../channels/whatsapp/cloud/cloudOptions.js";
import type { SlackSettings } from "../desk/slack/slackDeskOptions.js";
import { CodedError } from "../errors.js";
import type { TwilioSettings } from "../pager/twilioNotifier.js";
import { LIMIT_VARIABLES, type LimitsConfig, limitsSlice } from "./limitsEnv.js";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""])
  .optional()
  .transform((v) => v === "true" || v === "1" || v === "yes" || v === "on");
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
  .pipe(z.url({ error: "expected a URL such as https://example.com" }).optional());
/** An http(s) URL, trailing slashes removed. */
const optionalHttpUrl = optionalUrl
  .refine((v) => v === undefined || /^https?:\/\//i.test(v), { error: "expected an http:// or https:// URL" })
  .transform((v) => v?.replace(/\/+$/, ""));
const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? fallback : Number(v)))
    .pipe(
      z
        .number({ error: "expected a number" })
        .int({ error: "expected a whole number" })
        .positive({ error: "expected a number > 0" }),
    );

export const EnvSchema = z
  .object({
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
        error:
          "expected imaps://user:password@imap.example.com[:993][/folder] (user and password URL-encoded)",
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
  })
  .superRefine((env, ctx) => {
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
        [
          "WHATSAPP_APP_SECRET",
          env.WHATSAPP_APP_SECRET,
          "the Meta app's secret (webhooks are signed with it)",
        ],
        [
          "WHATSAPP_VERIFY_TOKEN",
          env.WHATSAPP_VERIFY_TOKEN,
          "the word you type in the app's webhook settings",
        ],
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
  });

export type Env = z.infer<typeof EnvSchema>;

function readsAsImap(url: string): boolean {
  try {
    parseImapUrl(url);
    return true;
  } catch {
    return false;
  }
}

/** Where the data lives and which preset runs. */
export interface CoreConfig {
  databaseUrl: string;
  /** Connections in the PostgreSQL pool. */
  databasePoolSize: number;
  /** Preset name or path of a YAML. */
  policy: string;
  dataDir: string;
  /** Months of transcripts and customer files kept; undefined = kept until erased. */
  retentionMonths?: number;
  /** Days finished jobs and delivery keys are kept before the daily purge. */
  finishedWorkKeepDays: number;
}

/** The HTTP server: where it listens, its public name and whom it trusts. */
export interface HttpConfig {
  port: number;
  host: string;
  publicUrl?: string;
  trustProxy: boolean | number | string[];
  allowedHosts: string[];
}

export interface LogsConfig {
  level: Env["LOG_LEVEL"];
  /** Undefined: pretty on a terminal, JSON otherwise. */
  format?: "pretty" | "json";
  /** False with NO_COLOR set. */
  color: boolean;
}

/** Telegram either configured (adapter options) or off with the one line saying how to turn it on. */
export type TelegramConfig =
  | { enabled: true; options: TelegramAdapterOptions }
  | { enabled: false; hint: string };

export type WhatsAppConfig =
  | { enabled: true; driver: "web"; chromePath: string; pairWithPhone?: string; maxMediaBytes: number }
  | { enabled: true; driver: "cloud"; options: CloudAdapterOptions }
  | { enabled: false };

/** Every setting, one slice per module; built once by {@link loadConfig}. */
export interface Config {
  core: CoreConfig;
  http: HttpConfig;
  logs: LogsConfig;
  telegram: TelegramConfig;
  whatsapp: WhatsAppConfig;
  /** Null: the Slack desk is off. */
  slack: SlackSettings | null;
  email: EmailConfig;
  ai: AiConfig;
  /** What one client may ask of the server; who reads /metrics. */
  limits: LimitsConfig;
  /** Null: no SMS, calls or phone lines (Twilio off). */
  twilio: TwilioSettings | null;
  /** Minutes a channel or desk may be degraded before on-call and the admins are told. */
  outageNotifyAfterMinutes: number;
}

/** Error listing every bad variable. */
export class EnvError extends CodedError<"config.invalid"> {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      "config.invalid",
      `invalid environment:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n")}`,
    );
  }
}

/** The process's environment variables, as they are: for the CLI, which reads a few of them. */
export function processEnvironment(): Record<string, string | undefined> {
  return process.env;
}

/** The environment checked against {@link EnvSchema}; throws {@link EnvError} naming every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? "?"), message: i.message })),
    );
  }
  return parsed.data;
}

/** Every setting from `source` (default: the process's environment), checked and sliced per module. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  return configOf(loadEnv(source));
}

/** The typed configuration of checked variables. */
export function configOf(env: Env): Config {
  return {
    core: {
      databaseUrl: env.DATABASE_URL,
      databasePoolSize: env.DATABASE_POOL_SIZE,
      policy: env.SPORTELLO_POLICY,
      dataDir: env.SPORTELLO_DATA_DIR,
      ...(env.RETENTION_MONTHS !== undefined ? { retentionMonths: env.RETENTION_MONTHS } : {}),
      finishedWorkKeepDays: env.FINISHED_WORK_KEEP_DAYS,
    },
    http: {
      port: env.PORT,
      host: env.HOST,
      ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
      trustProxy: env.TRUST_PROXY,
      allowedHosts: env.ALLOWED_HOSTS,
    },
    logs: {
      level: env.LOG_LEVEL,
      ...(env.LOG_FORMAT ? { format: env.LOG_FORMAT } : {}),
      color: env.NO_COLOR === undefined,
    },
    telegram: telegramSlice(env),
    whatsapp: whatsAppSlice(env),
    slack: slackSlice(env),
    email: emailSlice(env),
    ai: aiSlice(env),
    limits: limitsSlice(env),
    twilio:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            from: env.TWILIO_FROM,
            ...(env.TWILIO_API_URL ? { apiUrl: env.TWILIO_API_URL } : {}),
          }
        : null,
    outageNotifyAfterMinutes: env.OUTAGE_NOTIFY_AFTER_MINUTES,
  };
}

function telegramSlice(env: Env): TelegramConfig {
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
function whatsAppSlice(env: Env): WhatsAppConfig {
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

function slackSlice(env: Env): SlackSettings | null {
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

function emailSlice(env: Env): EmailConfig {
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

function aiSlice(env: Env): AiConfig {
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

/**
 * Every setting sportello reads from the environment, checked with zod at start-up. A wrong
 * value stops the process with the variable's name and what was expected; a missing optional
 * one just leaves its feature off. `.env.example` lists the same variables.
 */
import { z } from "zod";

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
    // Read by the logger itself (src/observability/logger.ts); checked here like every setting.
    LOG_FORMAT: z
      .string()
      .optional()
      .transform((v) => v?.trim().toLowerCase() || undefined)
      .pipe(z.enum(["pretty", "json"], { error: "expected pretty, json or empty (automatic)" }).optional()),

    TELEGRAM_BOT_TOKEN: optionalText.refine((v) => v === undefined || /^\d+:[\w-]{20,}$/.test(v), {
      error: "expected a BotFather token such as 123456789:AA…",
    }),
    TELEGRAM_DRIVER: z.enum(["grammy", "telegraf"]).optional().default("grammy"),
    TELEGRAM_API_ROOT: optionalUrl,
    TELEGRAM_WEBHOOK_URL: optionalUrl,
    TELEGRAM_WEBHOOK_SECRET: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
      error: "expected 1–256 characters A–Z, a–z, 0–9, _ or -",
    }),

    WHATSAPP_ENABLED: bool,
    CHROME_PATH: z
      .string()
      .optional()
      .transform((v) => v?.trim() || "/usr/bin/chromium"),
    WHATSAPP_PAIR_PHONE: optionalText,
    WHATSAPP_MAX_MEDIA_MB: positiveInt(16),
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

    IMAP_URL: optionalText.refine((v) => v === undefined || /^imaps?:\/\/[^@/]+@[^/]+/.test(v), {
      error: "expected imaps://user:password@imap.example.com[:993][/folder] (user and password URL-encoded)",
    }),
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
    AI_INTERPRET_TIMEOUT_MS: positiveInt(4000),
    AI_DAILY_CALL_CAP: positiveInt(500),
    AI_DAILY_TOKEN_CAP: positiveInt(200_000),
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
    if (env.TELEGRAM_WEBHOOK_URL && !env.TELEGRAM_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["TELEGRAM_WEBHOOK_SECRET"],
        message: "required with TELEGRAM_WEBHOOK_URL (Telegram sends it back on every update)",
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

/** Error listing every bad variable. */
export class EnvError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`invalid environment:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n")}`);
    this.name = "EnvError";
  }
}

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? "?"), message: i.message })),
    );
  }
  return parsed.data;
}

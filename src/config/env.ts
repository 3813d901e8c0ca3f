/**
 * The typed {@link Config} sportello runs with, made of the checked environment (`envSchema.ts`):
 * one slice per module (core, http, logs, telegram, whatsapp, slack, email, ai, limits, twilio).
 * This is the only module that reads `process.env` (biome's `noProcessEnv`).
 */
import type { AiConfig } from "../ai/config.js";
import type { EmailConfig } from "../channels/email/emailConfig.js";
import type { TelegramAdapterOptions } from "../channels/telegram/telegramAdapterOptions.js";
import type { CloudAdapterOptions } from "../channels/whatsapp/cloud/cloudOptions.js";
import type { SlackSettings } from "../desk/slack/slackDeskOptions.js";
import { CodedError } from "../errors.js";
import type { TwilioSettings } from "../pager/twilioNotifier.js";
import { aiSlice, emailSlice, slackSlice, telegramSlice, whatsAppSlice } from "./configSlices.js";
import { type Env, EnvSchema } from "./envSchema.js";
import { type LimitsConfig, limitsSlice } from "./limitsEnv.js";

export { type Env, EnvSchema };

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

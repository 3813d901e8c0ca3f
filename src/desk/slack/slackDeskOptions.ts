/** What the Slack desk is configured with; `SLACK_*` variables are read in `src/config/env.ts`. */
import type { Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { CannedReplyService } from "../cannedReplyService.js";

/** Durable de-duplication: resolves true when `(source, key)` was already processed, and marks it. */
export type SeenFunction = (source: string, key: string) => Promise<boolean>;

/** Settings of {@link createSlackDesk}; only the bot token, staff channel and `seen` are required. */
export interface SlackDeskOptions {
  /** `SLACK_BOT_TOKEN` (xoxb-…). */
  botToken: string;
  /** `SLACK_SIGNING_SECRET`; required in HTTP mode. */
  signingSecret?: string;
  /** `SLACK_STAFF_CHANNEL`: channel id where ticket cards are posted. */
  staffChannel: string;
  /** `SLACK_ESCALATION_CHANNEL`: where unclaimed tickets escalate (default: the staff channel). */
  escalationChannel?: string;
  /** `SLACK_APP_TOKEN` (xapp-…): when set the desk uses Socket Mode instead of HTTP. */
  appToken?: string;
  /** `SLACK_API_URL`: Web API base, e.g. GovSlack or a fake; must end with `/api/`. */
  apiUrl?: string;
  /** Durable dedup of event redeliveries (the DB `ProcessedDelivery` table in production). */
  seen: SeenFunction;
  /** HTTP mode: listen on an own server (tests: `{ port: 0, host: "127.0.0.1" }`). Omit to mount {@link SlackDesk.requestListener} elsewhere. */
  listen?: { port: number; host?: string };
  /** Path of the single endpoint for events, interactivity and commands. */
  endpoint?: string;
  /** Slash command name. */
  command?: string;
  /** Zone for dates shown to staff and typed in `/sportello oncall set`. */
  timeZone?: string;
  /** Clock for the on-call rota window; defaults to the system clock. */
  now?: () => Date;
  /** Bolt log level (default `error`). */
  logLevel?: LogLevel;
  /** Where Bolt and the desk log (see `boltLoggerFrom` for pino); Bolt's console logger when omitted. */
  logger?: BoltLogger;
  /** Largest file copied from a technician's thread message to the customer. */
  maxFileBytes?: number;
  /** The preset's canned replies, for `/sportello reply NUMBER KEY`. */
  cannedReplies?: CannedReplyService;
}

/** The desk's settings from `SLACK_*` variables (the `slack` slice of the configuration). */
export type SlackSettings = Pick<
  SlackDeskOptions,
  "botToken" | "signingSecret" | "staffChannel" | "escalationChannel" | "appToken" | "apiUrl"
>;

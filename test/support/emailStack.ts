/**
 * The e-mail channel on the real runtime against real servers: Dovecot holds the support
 * mailbox and the customers' mailboxes, `smtp-server` receives what sportello sends and files it
 * into the recipient's Dovecot mailbox.
 */

import pino from "pino";
import { createEmailAdapter, type EmailAdapter } from "../../src/channels/email/emailAdapter.js";
import { loadConfig } from "../../src/config/env.js";
import { createMailThreadStore } from "../../src/data/mailStore.js";
import { silentLogger } from "../../src/observability/logger.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { fakeDns } from "./fakeDns.js";
import { createHarness } from "./harness.js";
import type { ImapTestServer, SmtpTestServer } from "./mailServers.js";
import type { TestDatabase } from "./testDatabase.js";

export const SUPPORT = "support@example.test";

export interface EmailStack {
  runtime: SupportRuntime;
  adapter: EmailAdapter;
  clock: SimulatedClock;
  events: { type: string; ticket: string | null; payload: Record<string, unknown> }[];
  stop(): Promise<void>;
}

/** A runtime with the e-mail adapter (and an in-memory media store), started. */
export async function startEmailStack(
  t: TestDatabase,
  imap: ImapTestServer,
  smtp: SmtpTestServer,
  options: {
    policy?: string;
    at?: string;
    publicUrl?: () => string;
    /** TXT records the offline DNS answers for mail authentication (default: none). */
    dns?: Record<string, string>;
  } = {},
): Promise<EmailStack> {
  const config = loadConfig({
    IMAP_URL: imap.url(SUPPORT),
    SMTP_URL: smtp.url,
    MAIL_FROM: `Assistenza <${SUPPORT}>`,
    MAIL_POLL_SECONDS: "3600",
  }).email;
  if (!config.enabled) throw new Error("e-mail config expected");
  const clock = new SimulatedClock(options.at ?? "2027-03-30T10:00:00+02:00");
  const adapter = createEmailAdapter({
    ...config.settings,
    store: createMailThreadStore(t.db),
    logger: process.env.EMAIL_TEST_LOG ? (pino({ level: "debug" }) as never) : silentLogger,
    defaultSubject: "Assistenza",
    backoff: { minMs: 50, maxMs: 400 },
    // DNS at the network edge: offline, from the test's table.
    mailAuth: { ...config.settings.mailAuth, resolver: fakeDns(options.dns ?? {}).resolver },
  });
  const files = new Map<string, Uint8Array>();
  const h = await createHarness({
    database: t,
    policy: options.policy ?? "leotron",
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    clock,
    channels: [adapter],
    offlineTriage: () => ({ category: null }),
    retryDelayMs: () => 50,
    mediaStore: {
      put: async (bytes, name) => {
        const ref = `m${files.size}-${name.replace(/[^\w.-]/g, "_")}`;
        files.set(ref, bytes);
        return ref;
      },
      get: async (ref) => {
        const bytes = files.get(ref);
        if (!bytes) throw new Error(`no media ${ref}`);
        return bytes;
      },
    },
  });
  return { runtime: h.runtime, adapter, clock, events: h.events, stop: () => h.runtime.stop() };
}

/** A raw e-mail (CRLF added by the server helper). */
export function rawMail(m: {
  from: string;
  subject: string;
  text: string;
  messageId: string;
  to?: string;
  headers?: Record<string, string>;
  photo?: { name: string; bytes: Buffer };
}): string {
  const head = [
    `From: ${m.from}`,
    `To: ${m.to ?? SUPPORT}`,
    `Subject: ${m.subject}`,
    `Message-ID: ${m.messageId}`,
    "Date: Tue, 30 Mar 2027 09:58:00 +0200",
    "MIME-Version: 1.0",
    ...Object.entries(m.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  if (!m.photo) return [...head, "Content-Type: text/plain; charset=utf-8", "", m.text, ""].join("\n");
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    m.text,
    "--b1",
    `Content-Type: image/png; name="${m.photo.name}"`,
    `Content-Disposition: attachment; filename="${m.photo.name}"`,
    "Content-Transfer-Encoding: base64",
    "",
    m.photo.bytes.toString("base64"),
    "--b1--",
    "",
  ].join("\n");
}

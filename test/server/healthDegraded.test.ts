/**
 * `/health` of the whole app: degraded (503) while a configured channel is in error, naming the
 * component and the reason.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, startApp } from "../../src/app/startApp.js";
import { loadConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/observability/logger.js";
import { FakeTelegramApi } from "../support/fakeTelegramApi.js";
import {
  type ImapTestServer,
  type SmtpTestServer,
  startDovecot,
  startSmtp,
  until,
} from "../support/mailServers.js";
import { createEmptyDatabase } from "../support/testDatabase.js";

const TOKEN = "987654321:AAFakeTokenForSportelloHealth_t";

describe("/health per component", () => {
  let api: FakeTelegramApi;
  let app: App;
  let database: { url: string; drop(): Promise<void> };
  let dataDir: string;

  beforeAll(async () => {
    api = await FakeTelegramApi.start({ token: TOKEN });
    api.invalidToken = true;
    database = await createEmptyDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "sportello-health-"));
    const rawEnv = {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      DATABASE_URL: database.url,
      PORT: "0",
      SPORTELLO_DATA_DIR: dataDir,
    };
    app = await startApp(loadConfig(rawEnv), createLogger({ level: "silent" }));
  });

  afterAll(async () => {
    await app?.stop();
    await api?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("is degraded while Telegram rejects the token, with the reason, and the database still fine", async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      status: string;
      components: Record<string, { status: string; reason?: string }>;
    };
    expect(body.status).toBe("degraded");
    expect(body.components["channel:telegram"]).toMatchObject({
      status: "error",
      reason: expect.any(String),
    });
    expect(body.components.database).toMatchObject({ status: "ok" });
    expect(body.components["channel:web"]).toMatchObject({ status: "ok" });
  });
});

describe("/health with the e-mail channel (real Dovecot)", () => {
  const SUPPORT = "support@example.test";
  let imap: ImapTestServer & { pause(): Promise<void> };
  let smtp: SmtpTestServer;
  let app: App;
  let database: { url: string; drop(): Promise<void> };
  let dataDir: string;

  type Health = {
    status: string;
    components: Record<string, { status: string; reason?: string; detail?: string }>;
  };
  const health = async () => {
    const response = await fetch(`${app.url}/health`);
    return { code: response.status, body: (await response.json()) as Health };
  };
  /** Waits until `/health` answers with this status code, and returns its report. */
  const healthIs = (code: number, what: string, ms: number) =>
    until(
      what,
      async () => {
        const result = await health();
        return result.code === code ? result : null;
      },
      ms,
    );

  beforeAll(async () => {
    imap = (await startDovecot([SUPPORT])) as typeof imap;
    smtp = await startSmtp();
    database = await createEmptyDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "sportello-health-mail-"));
    const rawEnv = {
      IMAP_URL: imap.url(SUPPORT),
      SMTP_URL: smtp.url,
      MAIL_FROM: `Assistenza <${SUPPORT}>`,
      MAIL_POLL_SECONDS: "1",
      DATABASE_URL: database.url,
      PORT: "0",
      SPORTELLO_DATA_DIR: dataDir,
    };
    app = await startApp(loadConfig(rawEnv), createLogger({ level: "silent" }));
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
    await imap?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("is 200 while the mailbox is connected, 503 naming the mail component while IMAP is down, 200 after it is back", async () => {
    await until("the mailbox to be connected", async () => {
      const { code, body } = await health();
      return code === 200 && body.components["channel:email"]?.detail === "connected";
    });

    await imap.pause();
    const down = await healthIs(503, "/health to be degraded", 15_000);
    expect(down.body.status).toBe("degraded");
    expect(down.body.components["channel:email"]).toMatchObject({
      status: "error",
      reason: expect.stringContaining("IMAP"),
    });
    // The other channels keep running: the web chat still answers.
    expect(down.body.components["channel:web"]).toMatchObject({ status: "ok" });
    expect(down.body.components.database).toMatchObject({ status: "ok" });
    const web = await fetch(`${app.url}/widget.js`);
    expect(web.status).toBe(200);
    // It stays degraded across reconnect attempts, not only at the moment of the failure.
    for (let i = 0; i < 5; i++) expect((await health()).code).toBe(503);

    await imap.start();
    const back = await healthIs(200, "/health to recover", 20_000);
    expect(back.body.status).toBe("ok");
    expect(back.body.components["channel:email"]).toMatchObject({ status: "ok", detail: "connected" });

    // Only the SMTP server goes away (nothing being sent): degraded too, naming SMTP.
    await smtp.stop();
    const smtpDown = await healthIs(503, "/health to be degraded by SMTP", 15_000);
    expect(smtpDown.body.components["channel:email"]).toMatchObject({
      status: "error",
      reason: expect.stringContaining("SMTP"),
    });
  }, 60_000);
});

import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { EnvError, EnvSchema, loadConfig, loadEnv } from "../src/config/env.js";

describe("environment", () => {
  it("runs with nothing set: SQLite, leotron, port 3000, every channel off", () => {
    const env = loadEnv({});
    expect(env.DATABASE_URL).toBe("file:./data/sportello.db");
    expect(env.SPORTELLO_POLICY).toBe("leotron");
    expect(env.PORT).toBe(3000);
    expect(env.TELEGRAM_BOT_TOKEN).toBeUndefined();
    expect(env.WHATSAPP_ENABLED).toBe(false);
  });

  it("names every bad variable and what it expected", () => {
    try {
      loadEnv({ PORT: "http", DATABASE_URL: "mysql://x", TELEGRAM_BOT_TOKEN: "nope" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const names = (error as EnvError).issues.map((i) => i.variable);
      expect(names).toEqual(expect.arrayContaining(["PORT", "DATABASE_URL", "TELEGRAM_BOT_TOKEN"]));
      expect((error as Error).message).toContain("DATABASE_URL: expected file:PATH");
    }
  });

  it("asks for the settings a configured feature needs", () => {
    expect(() => loadEnv({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(
      /SLACK_SIGNING_SECRET[\s\S]*SLACK_STAFF_CHANNEL/,
    );
    expect(() => loadEnv({ TELEGRAM_WEBHOOK_URL: "https://bot.example.com/telegram/webhook" })).toThrow(
      /TELEGRAM_WEBHOOK_SECRET/,
    );
  });

  it(".env.example lists every variable and is itself valid", () => {
    const example = parseEnv(readFileSync(new URL("../.env.example", import.meta.url), "utf8"));
    for (const name of Object.keys(EnvSchema.shape)) expect(Object.keys(example)).toContain(name);
    expect(() => loadEnv(example)).not.toThrow();
  });

  it("gives each module its slice", () => {
    const config = loadConfig({
      DATABASE_URL: "postgresql://u:p@db:5432/s",
      DATABASE_POOL_SIZE: "4",
      PORT: "8080",
      RETENTION_MONTHS: "24",
      WHATSAPP_ENABLED: "true",
      WHATSAPP_MAX_MEDIA_MB: "2",
      NO_COLOR: "1",
    });
    expect(config.core).toEqual({
      databaseUrl: "postgresql://u:p@db:5432/s",
      databasePoolSize: 4,
      policy: "leotron",
      dataDir: "./data",
      retentionMonths: 24,
      finishedWorkKeepDays: 7,
    });
    expect(config.http).toMatchObject({ port: 8080, host: "127.0.0.1", trustProxy: false, allowedHosts: [] });
    expect(config.logs).toEqual({ level: "info", color: false });
    expect(config.whatsapp).toEqual({
      enabled: true,
      driver: "web",
      chromePath: "/usr/bin/chromium",
      maxMediaBytes: 2 * 1024 * 1024,
    });
    expect(config.slack).toBeNull();
    expect(config.email).toMatchObject({ enabled: false });
  });
});

describe("WhatsApp settings", () => {
  const cloud = {
    WHATSAPP_DRIVER: "cloud",
    WHATSAPP_PHONE_NUMBER_ID: "109876543210987",
    WHATSAPP_ACCESS_TOKEN: "EAAG-token",
    WHATSAPP_APP_SECRET: "app-secret",
    WHATSAPP_VERIFY_TOKEN: "verify-me",
  };

  it("is off by default, whatsapp-web.js with WHATSAPP_ENABLED", () => {
    expect(loadConfig({}).whatsapp).toEqual({ enabled: false });
    expect(loadConfig({ WHATSAPP_ENABLED: "true" }).whatsapp).toMatchObject({ enabled: true, driver: "web" });
  });

  it("WHATSAPP_DRIVER=cloud turns on the Cloud API driver with its settings and the shared media cap", () => {
    expect(
      loadConfig({ ...cloud, WHATSAPP_MAX_MEDIA_MB: "5", WHATSAPP_GRAPH_URL: "http://127.0.0.1:9/" })
        .whatsapp,
    ).toEqual({
      enabled: true,
      driver: "cloud",
      options: {
        phoneNumberId: "109876543210987",
        accessToken: "EAAG-token",
        appSecret: "app-secret",
        verifyToken: "verify-me",
        graphVersion: "v23.0",
        baseUrl: "http://127.0.0.1:9",
        maxMediaBytes: 5 * 1024 * 1024,
        readReceipts: false,
      },
    });
  });

  it("names every missing Cloud API setting, and refuses a bad driver or version", () => {
    expect(() => loadEnv({ WHATSAPP_DRIVER: "cloud" })).toThrow(
      /WHATSAPP_PHONE_NUMBER_ID[\s\S]*WHATSAPP_ACCESS_TOKEN[\s\S]*WHATSAPP_APP_SECRET[\s\S]*WHATSAPP_VERIFY_TOKEN/,
    );
    expect(() => loadEnv({ WHATSAPP_DRIVER: "baileys" })).toThrow(/WHATSAPP_DRIVER: expected web or cloud/);
    expect(() => loadEnv({ ...cloud, WHATSAPP_GRAPH_VERSION: "23" })).toThrow(/WHATSAPP_GRAPH_VERSION/);
    expect(() => loadEnv({ ...cloud, WHATSAPP_PHONE_NUMBER_ID: "+39 333" })).toThrow(
      /WHATSAPP_PHONE_NUMBER_ID/,
    );
  });
});

describe("Telegram settings", () => {
  const token = "123456:ABC-def_ghi-jkl_mno-pqr";

  it("is off, with how to turn it on, without a token", () => {
    expect(loadConfig({}).telegram).toEqual({
      enabled: false,
      hint: expect.stringContaining("TELEGRAM_BOT_TOKEN"),
    });
  });

  it("defaults to grammY and long polling", () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: token }).telegram).toEqual({
      enabled: true,
      options: { token, driver: "grammy" },
    });
  });

  it("reads driver, API root, webhook and media cap", () => {
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_DRIVER: "Telegraf",
      TELEGRAM_API_ROOT: "http://127.0.0.1:8081/",
      TELEGRAM_WEBHOOK_URL: "https://support.example.com/telegram/webhook",
      TELEGRAM_WEBHOOK_SECRET: "my_secret-1",
      TELEGRAM_MAX_MEDIA_BYTES: "1048576",
    });
    expect(config.telegram).toEqual({
      enabled: true,
      options: {
        token,
        driver: "telegraf",
        apiRoot: "http://127.0.0.1:8081",
        webhook: { url: "https://support.example.com/telegram/webhook", secretToken: "my_secret-1" },
        maxMediaBytes: 1_048_576,
      },
    });
  });

  it("rejects values that cannot work, naming the variable", () => {
    const bad: [string, Record<string, string>][] = [
      ["TELEGRAM_BOT_TOKEN", { TELEGRAM_BOT_TOKEN: "not a token" }],
      ["TELEGRAM_DRIVER", { TELEGRAM_BOT_TOKEN: token, TELEGRAM_DRIVER: "botkit" }],
      ["TELEGRAM_API_ROOT", { TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: "ftp://x" }],
      [
        "TELEGRAM_WEBHOOK_SECRET",
        {
          TELEGRAM_BOT_TOKEN: token,
          TELEGRAM_WEBHOOK_URL: "https://x.example/t",
          TELEGRAM_WEBHOOK_SECRET: "no spaces",
        },
      ],
      ["TELEGRAM_MAX_MEDIA_BYTES", { TELEGRAM_BOT_TOKEN: token, TELEGRAM_MAX_MEDIA_BYTES: "20MB" }],
    ];
    for (const [variable, env] of bad) {
      expect(() => loadConfig(env), variable).toThrow(
        expect.objectContaining({ issues: [expect.objectContaining({ variable })] }),
      );
    }
  });
});

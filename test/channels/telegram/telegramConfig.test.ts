import { describe, expect, it } from "vitest";
import {
  deriveWebhookSecret,
  TelegramConfigError,
  telegramConfigFromEnv,
} from "../../../src/channels/telegram/telegramConfig.js";

const token = "123456:ABC-def_ghi";

describe("telegramConfigFromEnv", () => {
  it("is off, with how to turn it on, without a token", () => {
    expect(telegramConfigFromEnv({})).toEqual({
      enabled: false,
      hint: expect.stringContaining("TELEGRAM_BOT_TOKEN"),
    });
  });

  it("defaults to grammY and long polling", () => {
    expect(telegramConfigFromEnv({ TELEGRAM_BOT_TOKEN: token })).toEqual({
      enabled: true,
      options: { token, driver: "grammy" },
    });
  });

  it("reads driver, API root, webhook and media cap", () => {
    const config = telegramConfigFromEnv({
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_DRIVER: "Telegraf",
      TELEGRAM_API_ROOT: "http://127.0.0.1:8081/",
      TELEGRAM_WEBHOOK_URL: "https://support.example.com/telegram/webhook",
      TELEGRAM_WEBHOOK_SECRET: "my_secret-1",
      TELEGRAM_MAX_MEDIA_BYTES: "1048576",
    });
    expect(config).toEqual({
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

  it("derives a valid webhook secret from the token when none is set", () => {
    const config = telegramConfigFromEnv({
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_WEBHOOK_URL: "https://x.example/t",
    });
    expect(config.enabled && config.options.webhook?.secretToken).toBe(deriveWebhookSecret(token));
    expect(deriveWebhookSecret(token)).toMatch(/^[a-f0-9]{64}$/);
    expect(deriveWebhookSecret(token)).not.toBe(deriveWebhookSecret("1:other"));
  });

  it("rejects values that cannot work", () => {
    const bad = [
      { TELEGRAM_BOT_TOKEN: "not a token" },
      { TELEGRAM_BOT_TOKEN: token, TELEGRAM_DRIVER: "botkit" },
      { TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: "ftp://x" },
      {
        TELEGRAM_BOT_TOKEN: token,
        TELEGRAM_WEBHOOK_URL: "https://x.example/t",
        TELEGRAM_WEBHOOK_SECRET: "no spaces",
      },
      { TELEGRAM_BOT_TOKEN: token, TELEGRAM_MAX_MEDIA_BYTES: "20MB" },
    ];
    for (const env of bad) expect(() => telegramConfigFromEnv(env)).toThrow(TelegramConfigError);
  });
});

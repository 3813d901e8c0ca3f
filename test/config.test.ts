import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { EnvError, EnvSchema, loadEnv } from "../src/config/env.js";

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
});

/**
 * `/health` of the whole app: degraded (503) while a configured channel is in error, naming the
 * component and the reason.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, startApp } from "../../src/app/startApp.js";
import { loadEnv } from "../../src/config/env.js";
import { createLogger } from "../../src/observability/logger.js";
import { FakeTelegramApi } from "../support/fakeTelegramApi.js";
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
    app = await startApp(loadEnv(rawEnv), createLogger({ level: "silent" }), { rawEnv });
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

import { LogLevel } from "@slack/bolt";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { boltLoggerFrom } from "../../../src/desk/slack/boltLogger.js";
import { createSlackDesk } from "../../../src/desk/slack/slackDesk.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createFakeStaffActions } from "../../support/fakeStaffActions.js";
import { SIGNING_SECRET, signedPost } from "./slackRequests.js";

let api: FakeSlackApi;

beforeAll(async () => {
  api = await startFakeSlackApi();
});

afterAll(async () => {
  await api.close();
});

it("Bolt's warnings (a refused signature) land in the pino log as JSON", async () => {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const desk = createSlackDesk({
    botToken: "xoxb-log",
    signingSecret: SIGNING_SECRET,
    staffChannel: "CSTAFF",
    apiUrl: api.apiUrl,
    seen: async () => false,
    listen: { port: 0, host: "127.0.0.1" },
    logger: boltLoggerFrom(log),
    logLevel: LogLevel.WARN,
  });
  await desk.start(createFakeStaffActions([]));
  try {
    const url = `http://127.0.0.1:${desk.address()!.port}${desk.endpoint}`;
    const forged = await signedPost(
      url,
      JSON.stringify({ type: "url_verification", challenge: "x" }),
      "application/json",
      {
        secret: "wrong",
      },
    );
    expect(forged.status).toBe(401);
    const warning = lines.find((l) => String(l.msg).includes("verify"));
    expect(warning).toMatchObject({ level: 40, component: expect.any(String) });
    // Debug chatter is filtered at the Bolt level chosen.
    expect(lines.some((l) => l.level === 20)).toBe(false);
  } finally {
    await desk.stop();
  }
});

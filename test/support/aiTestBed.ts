/**
 * What the AI tests on the real runtime share: a test database and the fake OpenAI-compatible
 * server for the file, and the AI assist `npm start` builds (the real `openai` SDK through the
 * same adapter) pointed at that server, logging into memory.
 */
import { afterAll, beforeAll } from "vitest";
import { type AiAssist, type AiLogger, createAiAssist } from "../../src/ai/triage.js";
import { loadConfig } from "../../src/config/env.js";
import { createAiUsageStore } from "../../src/data/aiUsageStore.js";
import type { Clock } from "../../src/runtime/clock.js";
import { type FakeOpenAiServer, startFakeOpenAiServer } from "./fakeOpenAiServer.js";
import { createTestDatabase, type TestDatabase } from "./testDatabase.js";

/** The database and the fake server of one test file (read them inside the tests). */
export interface AiTestBed {
  readonly t: TestDatabase;
  readonly fake: FakeOpenAiServer;
}

/** Opens the database and starts the fake server before the file's tests, closes both after. */
export function useAiTestBed(): AiTestBed {
  let t: TestDatabase | undefined;
  let fake: FakeOpenAiServer | undefined;
  beforeAll(async () => {
    t = await createTestDatabase();
    fake = await startFakeOpenAiServer();
  });
  afterAll(async () => {
    await fake?.close();
    await t?.drop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the AI test bed starts in beforeAll: use it inside the tests");
    return value;
  };
  return {
    get t() {
      return started(t);
    },
    get fake() {
      return started(fake);
    },
  };
}

/** One line the AI assist logged. */
export interface LoggedLine {
  level: "info" | "warn" | "error";
  obj: Record<string, unknown>;
  msg: string;
}

/**
 * The AI assist on the fake server (`env` adds settings such as timeouts and caps), logging
 * into `logs`; null when `on` is false (the offline path).
 */
export function fakeServerAi(
  bed: AiTestBed,
  clock: Clock,
  options: { on: boolean; env?: Record<string, string> },
): { ai: AiAssist | null; logs: LoggedLine[] } {
  const logs: LoggedLine[] = [];
  const log =
    (level: LoggedLine["level"]) =>
    (obj: object, msg?: string): void => {
      logs.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? "" });
    };
  const logger: AiLogger = { info: log("info"), warn: log("warn"), error: log("error") };
  const ai = options.on
    ? createAiAssist(
        loadConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: bed.fake.baseURL, ...options.env }).ai,
        { usage: createAiUsageStore(bed.t.db), logger, now: () => clock.now() },
      )
    : null;
  return { ai, logs };
}

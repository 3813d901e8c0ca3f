import { describe, expect, it } from "vitest";
import { AiConfigError, aiConfigFromEnv } from "../../src/ai/config.js";

describe("aiConfigFromEnv", () => {
  it("has AI off and sensible defaults with an empty environment", () => {
    expect(aiConfigFromEnv({})).toEqual({
      model: "gpt-4o-mini",
      transcribeModel: "whisper-1",
      timeoutMs: 4000,
      interpretTimeoutMs: 4000,
      transcribeTimeoutMs: 20_000,
      helperTimeoutMs: 20_000,
      zone: "Europe/Rome",
    });
  });

  it("reads the key, a compatible server, models, timeouts and caps", () => {
    expect(
      aiConfigFromEnv({
        OPENAI_API_KEY: "sk-x",
        OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
        OPENAI_MODEL: "llama3.1",
        OPENAI_TRANSCRIBE_MODEL: "gpt-4o-mini-transcribe",
        AI_TIMEOUT_MS: "2500",
        AI_INTERPRET_TIMEOUT_MS: "1500",
        AI_DAILY_CALL_CAP: "200",
        AI_DAILY_TOKEN_CAP: "150000",
      }),
    ).toMatchObject({
      apiKey: "sk-x",
      baseURL: "http://127.0.0.1:11434/v1",
      model: "llama3.1",
      transcribeModel: "gpt-4o-mini-transcribe",
      timeoutMs: 2500,
      interpretTimeoutMs: 1500,
      dailyCallCap: 200,
      dailyTokenCap: 150_000,
    });
  });

  it("rejects malformed numbers with a stable code", () => {
    expect(() => aiConfigFromEnv({ AI_TIMEOUT_MS: "4s" })).toThrow(AiConfigError);
    expect(() => aiConfigFromEnv({ AI_DAILY_CALL_CAP: "-1" })).toThrow(
      expect.objectContaining({
        code: "bad-ai-config",
        message: expect.stringContaining("AI_DAILY_CALL_CAP"),
      }),
    );
  });
});

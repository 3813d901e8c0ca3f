import { describe, expect, it } from "vitest";
import { EnvError, loadConfig } from "../../src/config/env.js";

describe("AI settings", () => {
  it("has AI off and the documented defaults with an empty environment", () => {
    expect(loadConfig({}).ai).toEqual({
      model: "gpt-4o-mini",
      transcribeModel: "whisper-1",
      timeoutMs: 4000,
      interpretTimeoutMs: 4000,
      transcribeTimeoutMs: 20_000,
      helperTimeoutMs: 20_000,
      dailyCallCap: 500,
      dailyTokenCap: 200_000,
      zone: "Europe/Rome",
    });
  });

  it("reads the key, a compatible server, models, timeouts and caps", () => {
    expect(
      loadConfig({
        OPENAI_API_KEY: "sk-x",
        OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
        OPENAI_MODEL: "llama3.1",
        OPENAI_TRANSCRIBE_MODEL: "gpt-4o-mini-transcribe",
        AI_TIMEOUT_MS: "2500",
        AI_TRANSCRIBE_TIMEOUT_MS: "30000",
        AI_HELPER_TIMEOUT_MS: "9000",
        AI_INTERPRET_TIMEOUT_MS: "1500",
        AI_DAILY_CALL_CAP: "200",
        AI_DAILY_TOKEN_CAP: "150000",
      }).ai,
    ).toMatchObject({
      apiKey: "sk-x",
      baseURL: "http://127.0.0.1:11434/v1",
      model: "llama3.1",
      transcribeModel: "gpt-4o-mini-transcribe",
      timeoutMs: 2500,
      transcribeTimeoutMs: 30_000,
      helperTimeoutMs: 9000,
      interpretTimeoutMs: 1500,
      dailyCallCap: 200,
      dailyTokenCap: 150_000,
    });
  });

  it("rejects malformed numbers naming the variable, with a stable code", () => {
    expect(() => loadConfig({ AI_TIMEOUT_MS: "4s" })).toThrow(EnvError);
    for (const variable of ["AI_DAILY_CALL_CAP", "AI_TRANSCRIBE_TIMEOUT_MS", "AI_HELPER_TIMEOUT_MS"]) {
      expect(() => loadConfig({ [variable]: "-1" })).toThrow(
        expect.objectContaining({ code: "config.invalid", message: expect.stringContaining(variable) }),
      );
    }
  });
});

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";
import { createLogger, logFormat } from "../../src/observability/logger.js";

/** A destination collecting what the logger writes. */
function sink() {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    stream,
    lines: () => text.split("\n").filter((line) => line !== ""),
  };
}

function logThreeEvents(format: "pretty" | "json") {
  const out = sink();
  const logger = createLogger({ level: "info", format, destination: out.stream });
  logger.info({ part: "http", port: 3000 }, "server listening");
  logger.child({ channel: "telegram" }).warn("telegram slow");
  logger.error({ err: new Error("boom") }, "delivery failed");
  return out.lines();
}

describe("logger", () => {
  it("is pretty on a terminal and JSON otherwise; LOG_FORMAT decides when set", () => {
    const format = (env: Record<string, string>, tty: boolean) => logFormat(loadConfig(env).logs.format, tty);
    expect(format({}, true)).toBe("pretty");
    expect(format({}, false)).toBe("json");
    expect(format({ LOG_FORMAT: "json" }, true)).toBe("json");
    expect(format({ LOG_FORMAT: "pretty" }, false)).toBe("pretty");
    expect(format({ LOG_FORMAT: " JSON " }, true)).toBe("json");
  });

  it("pretty: one readable line per event, errors included", () => {
    const lines = logThreeEvents("pretty");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: server listening \{"part":"http","port":3000\}$/,
    );
    expect(lines[1]).toMatch(/WARN: telegram slow \{"channel":"telegram"\}$/);
    expect(lines[2]).toMatch(/ERROR: delivery failed — Error: boom \(at .*logger\.test\.ts:\d+:\d+\)/);
    // Not coloured when not writing to a terminal.
    for (const line of lines) expect(line).not.toContain("\x1b[");
  });

  it("json: one parseable object per event, with the error's stack", () => {
    const events = logThreeEvents("json").map((line) => JSON.parse(line));
    expect(events.map((e) => [e.level, e.msg])).toEqual([
      [30, "server listening"],
      [40, "telegram slow"],
      [50, "delivery failed"],
    ]);
    expect(events[1].channel).toBe("telegram");
    expect(events[2].err).toMatchObject({ type: "Error", message: "boom" });
    expect(events[2].err.stack).toContain("logger.test.ts");
  });
});

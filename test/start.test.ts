/**
 * `npm start` as a user runs it: `node src/start.js` (the compiled bundle, rebuilt if a source
 * changed) with no settings but a database and a free port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEmptyDatabase } from "./support/testDatabase.js";

const root = resolve(import.meta.dirname, "..");
const dataDir = mkdtempSync(join(tmpdir(), "sportello-start-"));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("serves /health and the web chat from the compiled bundle, logs JSON when not on a terminal, stops on SIGTERM", async () => {
    const database = await createEmptyDatabase();
    const env: Record<string, string | undefined> = { ...process.env };
    for (const key of Object.keys(env)) {
      if (/^(SLACK_|TELEGRAM_|WHATSAPP_|OPENAI_|LOG_|SPORTELLO_)/.test(key)) delete env[key];
    }
    const proc = spawn(process.execPath, ["src/start.js"], {
      cwd: root,
      env: { ...env, PORT: "0", DATABASE_URL: database.url, SPORTELLO_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let stdout = "";
    let stderr = "";
    proc.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const url = await new Promise<string>((done, fail) => {
      proc.stdout?.on("data", (chunk) => {
        stdout += String(chunk);
        const match = /customer web chat:\s+(http:\/\/\S+?)\/\s/.exec(stdout);
        if (match) done(match[1]!);
      });
      proc.on("exit", (code) => fail(new Error(`exited with ${code}: ${stderr}`)));
    });

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", db: { reachable: true } });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");

    // Not a terminal: every log line is a JSON object.
    const logLines = stdout.split("\n").filter((line) => line.startsWith("{"));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty("msg");

    const exited = new Promise<number | null>((done) => proc.on("exit", (code) => done(code)));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    child = undefined;
    await database.drop();
  });
});

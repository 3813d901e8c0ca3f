/**
 * Start-up problems as an operator meets them (`node src/start.js`, the `npm start` bundle):
 * each prints one line saying what to do, exits non-zero, and leaves nothing running.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEmptyDatabase } from "./support/testDatabase.js";

const root = resolve(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "sportello-startup-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function start(settings: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(SLACK_|TELEGRAM_|WHATSAPP_|OPENAI_|LOG_|SPORTELLO_|DATABASE_|PORT$|HOST$)/.test(key))
      delete env[key];
  }
  const proc = spawn(process.execPath, ["src/start.js"], {
    cwd: root,
    env: { ...env, PORT: "0", SPORTELLO_DATA_DIR: join(scratch, "data"), ...settings },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((done) => proc.on("exit", (code) => done({ code, stderr })));
}

function expectOneClearLine(
  result: { code: number | null; stderr: string },
  pattern: RegExp,
  options: { details?: boolean } = {},
) {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split("\n");
  // A broken preset lists each bad field under its one line; nothing else has more than one.
  if (!options.details) expect(lines, result.stderr).toHaveLength(1);
  else for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}- /);
  expect(lines[0]).toMatch(/^sportello: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe("start-up problems", () => {
  it("port already in use", async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((done) =>
      blocker.listen(0, "127.0.0.1", () => done((blocker.address() as { port: number }).port)),
    );
    const database = await createEmptyDatabase();
    try {
      const result = await start({ PORT: String(port), DATABASE_URL: database.url });
      expectOneClearLine(result, new RegExp(`port ${port} .*already in use.*PORT`));
    } finally {
      blocker.close();
      await database.drop();
    }
  });

  it("a data folder that is a file", async () => {
    const file = join(scratch, "not-a-folder");
    writeFileSync(file, "x");
    const result = await start({ SPORTELLO_DATA_DIR: file, DATABASE_URL: `file:${join(scratch, "db1.db")}` });
    expectOneClearLine(result, /data folder .*not-a-folder is a file.*SPORTELLO_DATA_DIR/);
  });

  it("an unreachable database", async () => {
    const result = await start({ DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nowhere" });
    expectOneClearLine(result, /cannot reach PostgreSQL .*127\.0\.0\.1:1.*DATABASE_URL/);
  });

  it("a broken policy preset", async () => {
    const preset = join(scratch, "broken.yaml");
    writeFileSync(preset, "id: broken\nhours: 12\n");
    const result = await start({ SPORTELLO_POLICY: preset, DATABASE_URL: `file:${join(scratch, "db2.db")}` });
    expectOneClearLine(result, /invalid preset .*broken\.yaml/, { details: true });
  });
});

/**
 * The Cloud API driver in `npm start` (`node src/start.js`, WHATSAPP_DRIVER=cloud) against the
 * fake Graph API, over real HTTP: Meta's verification GET, signed POSTs checked on the raw body,
 * and a `kill -9` — after an update was acknowledged, and while one was being processed — loses
 * nothing: what got 200 is stored and answered after the restart, what did not is redelivered by
 * Meta and processed once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/data/database.js";
import { eventually } from "../../support/eventually.js";
import { FakeGraphApi } from "../../support/fakeGraphApi.js";
import { rowsOf } from "../../support/rows.js";
import { createEmptyDatabase } from "../../support/testDatabase.js";

const root = resolve(import.meta.dirname, "../../..");
const CUSTOMER = "393339876543";
let api: FakeGraphApi;
let database: { url: string; drop(): Promise<void> };
let dataDir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  api = await FakeGraphApi.start();
  database = await createEmptyDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "sportello-wa-cloud-process-"));
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await api?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `npm start` with the cloud driver; resolves to its base URL. */
async function start(): Promise<string> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(SLACK_|TELEGRAM_|WHATSAPP_|OPENAI_|LOG_|SPORTELLO_|IMAP_|SMTP_|MAIL_)/.test(key)) delete env[key];
  }
  const proc = spawn(process.execPath, ["src/start.js"], {
    cwd: root,
    env: {
      ...env,
      PORT: "0",
      DATABASE_URL: database.url,
      SPORTELLO_DATA_DIR: dataDir,
      WHATSAPP_DRIVER: "cloud",
      WHATSAPP_PHONE_NUMBER_ID: api.phoneNumberId,
      WHATSAPP_ACCESS_TOKEN: api.token,
      WHATSAPP_APP_SECRET: api.appSecret,
      WHATSAPP_VERIFY_TOKEN: api.verifyToken,
      WHATSAPP_GRAPH_URL: api.baseUrl,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  let stdout = "";
  let stderr = "";
  proc.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  return new Promise<string>((done, fail) => {
    proc.stdout?.on("data", (chunk) => {
      stdout += String(chunk);
      const match = /customer web chat:\s+(http:\/\/\S+?)\/\s/.exec(stdout);
      if (match) done(match[1]!);
    });
    proc.on("exit", (code) => fail(new Error(`exited with ${code}: ${stderr}\n${stdout}`)));
  });
}

async function kill9(): Promise<void> {
  const proc = child!;
  const exited = new Promise<void>((done) => proc.on("exit", () => done()));
  proc.kill("SIGKILL");
  await exited;
  child = undefined;
}

/** Inbound rows and outbound rows (by status) of the customer's chat, read from the database. */
async function chatRows() {
  const db = await openDatabase(database.url);
  try {
    const rows = await rowsOf(
      db,
      "Message",
      `"channel" = 'whatsapp' AND "chatId" = ? ORDER BY "at"`,
      `${CUSTOMER}@c.us`,
    );
    return {
      inbound: rows.filter((r) => r.direction === "in").map((r) => r.platformMessageId),
      outbound: rows.filter((r) => r.direction === "out").map((r) => r.status),
    };
  } finally {
    await db.close();
  }
}

describe("npm start with WHATSAPP_DRIVER=cloud", () => {
  it("verifies the webhook, refuses unsigned posts, and a kill -9 loses nothing acknowledged", async () => {
    let url = await start();
    api.target = `${url}/whatsapp/webhook`;
    const health = (await (await fetch(`${url}/health`)).json()) as {
      channels: Record<string, { status: string; detail?: string }>;
    };
    expect(health.channels.whatsapp).toMatchObject({
      status: "connected",
      detail: expect.stringContaining("driver cloud"),
    });

    // Meta's subscription check, through the real HTTP server.
    const challenge = await fetch(
      `${url}/whatsapp/webhook?hub.mode=subscribe&hub.challenge=8765&hub.verify_token=${api.verifyToken}`,
    );
    expect(challenge.status).toBe(200);
    expect(await challenge.text()).toBe("8765");
    const wrong = await fetch(
      `${url}/whatsapp/webhook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope`,
    );
    expect(wrong.status).toBe(403);

    // The signature is checked on the raw body as it crossed the wire (non-ASCII included).
    const first = api.text(CUSTOMER, "Buongiorno, la stampante non stampa più le etichette – è urgente");
    expect(await api.post(first.body, { signature: null })).toMatchObject({ status: 401 });
    expect(await api.post(first.body, { signature: api.sign("{}") })).toMatchObject({ status: 403 });
    expect(await api.post(first.body)).toMatchObject({ status: 200 });
    await eventually(() => api.sentTo(CUSTOMER).length > 0, "a reply to the first message");

    // Acknowledged, then killed: after the restart the message is there and answered.
    const second = api.text(CUSTOMER, "Bar Roma, Mario Rossi");
    expect(await api.post(second.body)).toMatchObject({ status: 200 });
    await kill9();
    expect((await chatRows()).inbound).toEqual([first.id, second.id]);

    // Killed while processing: the update is stored but its reply hangs, so no 200 was given.
    url = await start();
    api.target = `${url}/whatsapp/webhook`;
    api.holdSends();
    const sendsBefore = api.sendCalls();
    const third = api.text(CUSTOMER, "340 1234567");
    const answer = api.post(third.body).catch((error: unknown) => ({ status: 0, error }));
    await eventually(() => api.sendCalls() > sendsBefore, "the reply to be on its way");
    await kill9();
    expect(await answer).toMatchObject({ status: 0 });
    api.releaseSends();

    // Meta redelivers what it never got a 200 for; it is processed once, and every reply goes out.
    url = await start();
    api.target = `${url}/whatsapp/webhook`;
    expect(await api.post(third.body)).toMatchObject({ status: 200 });
    expect(await api.post(second.body)).toMatchObject({ status: 200 });
    await eventually(async () => {
      const rows = await chatRows();
      return rows.outbound.length > 0 && rows.outbound.every((status) => status === "sent")
        ? rows
        : undefined;
    }, "every reply sent after the restart");
    const rows = await chatRows();
    expect(rows.inbound).toEqual([first.id, second.id, third.id]);
    await kill9();
  }, 120_000);
});

/**
 * Web chat uploads: the type comes from the content, quotas per chat, files of refused or
 * abandoned messages are removed, names keep whole characters, office files and archives are
 * downloads only, and a half-sent upload is cut off by the server's timeouts.
 */

import { readdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createWebChannel,
  DEFAULT_UPLOAD_LIMITS,
  sanitizeFileName,
} from "../../src/channels/web/webChannel.js";
import { wellFormed } from "../../src/text/wellFormed.js";
import { startWebStack, type WebStack, type WebStackOptions } from "../support/webStack.js";
import { docx, odt, zip } from "../support/zip.js";

const TOKEN = "tok_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OTHER = "tok_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
]);
const EXE = new Uint8Array([
  0x4d,
  0x5a,
  0x90,
  0,
  3,
  0,
  0,
  0,
  4,
  0,
  0,
  0,
  0xff,
  0xff,
  0,
  0,
  ...new Array(64).fill(0),
]);

let stack: WebStack | null = null;
afterEach(async () => {
  await stack?.close();
  stack = null;
});

async function start(options: WebStackOptions = {}) {
  stack = await startWebStack({ listen: false, ...options });
  return stack;
}

let counter = 0;
async function send(
  s: WebStack,
  file: { name: string; type: string; bytes: Uint8Array },
  fields: Record<string, string> = {},
  token = TOKEN,
) {
  counter += 1;
  const form = new FormData();
  form.append("clientId", fields.clientId ?? `0b7f3c2e-1111-4222-8333-${String(counter).padStart(12, "0")}`);
  form.append("text", fields.text ?? "");
  form.append("file", new Blob([file.bytes], { type: file.type }), file.name);
  const request = new Request("http://localhost/", { method: "POST", body: form });
  return s.server.app.inject({
    method: "POST",
    url: "/chat/messages",
    headers: { "content-type": request.headers.get("content-type")!, "x-chat-token": token },
    payload: Buffer.from(await request.arrayBuffer()),
  });
}

async function filesOnDisk(s: WebStack) {
  return (await readdir(path.join(s.dataDir, "uploads"))).sort();
}

describe("upload types come from the content", () => {
  it("refuses setup.exe declared as a PDF, and leaves nothing on disk", async () => {
    const s = await start();
    for (const [name, type] of [
      ["setup.exe", "application/pdf"],
      ["invoice.pdf", "application/pdf"],
      ["photo.jpg", "image/jpeg"],
    ] as const) {
      const res = await send(s, { name, type, bytes: EXE });
      expect(res.statusCode, name).toBe(415);
      expect(res.json().error.code).toBe("unsupported-type");
    }
    expect(s.runtime.received).toHaveLength(0);
    expect(await filesOnDisk(s)).toEqual([]);
  });

  it("stores what the content is, whatever the browser declared, with the matching extension", async () => {
    const s = await start();
    const res = await send(s, { name: "screenshot.pdf", type: "application/pdf", bytes: PNG });
    expect(res.statusCode).toBe(202);
    expect(s.runtime.received[0]!.attachments[0]).toMatchObject({
      kind: "image",
      mime: "image/png",
      name: "screenshot.pdf.png",
    });
  });

  it("refuses markup and binary data declared as text; accepts real text", async () => {
    const s = await start();
    const svg = new TextEncoder().encode('<svg onload="alert(1)"></svg>');
    expect((await send(s, { name: "x.txt", type: "text/plain", bytes: svg })).statusCode).toBe(415);
    expect((await send(s, { name: "x.svg", type: "image/svg+xml", bytes: svg })).statusCode).toBe(415);
    const binary = new Uint8Array([1, 2, 3, 0, 0, 255, 254]);
    expect((await send(s, { name: "x.txt", type: "text/plain", bytes: binary })).statusCode).toBe(415);
    const csv = new TextEncoder().encode("seriale;modello\nAB123;Epson TM-T20\n");
    expect((await send(s, { name: "elenco.csv", type: "text/csv", bytes: csv })).statusCode).toBe(202);
    expect(s.runtime.received.at(-1)!.attachments[0]).toMatchObject({ mime: "text/csv", name: "elenco.csv" });
  });

  it("accepts docx, odt and zip for staff download, never inline", async () => {
    const s = await start();
    const cases = [
      {
        name: "offerta.docx",
        bytes: docx(),
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      },
      { name: "verbale.odt", bytes: odt(), mime: "application/vnd.oasis.opendocument.text" },
      { name: "log.zip", bytes: zip({ "printer.log": "error 42" }), mime: "application/zip" },
    ];
    for (const c of cases) {
      const res = await send(s, { name: c.name, type: "application/octet-stream", bytes: c.bytes });
      expect(res.statusCode, c.name).toBe(202);
      const attachment = s.runtime.received.at(-1)!.attachments[0]!;
      expect(attachment).toMatchObject({ mime: c.mime, kind: "document", name: c.name });
      const id = attachment.ref!.replace("web-upload:", "");
      const served = await s.server.app.inject({ url: `/chat/files/${id}/x?t=${TOKEN}` });
      expect(served.headers["content-disposition"]).toMatch(/^attachment;/);
      expect(served.headers["content-type"]).toContain(c.mime);
      expect(served.headers["x-content-type-options"]).toBe("nosniff");
    }
  });
});

describe("names", () => {
  it("a 119-character name plus an emoji is shortened without cutting the emoji in half", async () => {
    const s = await start();
    const name = `${"a".repeat(119)}😀😀.png`;
    const res = await send(s, { name, type: "image/png", bytes: PNG });
    expect(res.statusCode).toBe(202);
    const stored = s.runtime.received[0]!.attachments[0]!;
    expect(stored.name!.endsWith(".png")).toBe(true);
    expect(wellFormed(stored.name!)).toBe(stored.name);
    const id = stored.ref!.replace("web-upload:", "");
    const served = await s.server.app.inject({ url: `/chat/files/${id}/x?t=${TOKEN}` });
    expect(served.statusCode).toBe(200);
    expect(served.headers["content-disposition"]).toContain("filename*=UTF-8''");
  });

  it("drops paths, control and direction-override characters and lone surrogates", () => {
    expect(sanitizeFileName("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFileName("C:\\Users\\x\\fattura.pdf")).toBe("fattura.pdf");
    expect(sanitizeFileName("invoice\u202Efdp.exe")).toBe("invoicefdp.exe");
    expect(sanitizeFileName("a\u0000b\nc.txt")).toBe("abc.txt");
    expect(sanitizeFileName("half\uD83D.txt")).toBe("half.txt");
    const long = sanitizeFileName(`${"é".repeat(200)}.docx`);
    expect([...long]).toHaveLength(120);
    expect(long.endsWith(".docx")).toBe(true);
  });
});

describe("quotas and clean-up", () => {
  it("stops a chat at its quota; other chats keep sending", async () => {
    const s = await start({
      uploadLimits: { ...DEFAULT_UPLOAD_LIMITS, perChatBytes: 40 },
    });
    expect((await send(s, { name: "a.png", type: "image/png", bytes: PNG })).statusCode).toBe(202);
    expect((await send(s, { name: "b.png", type: "image/png", bytes: PNG })).statusCode).toBe(202);
    const third = await send(s, { name: "c.png", type: "image/png", bytes: PNG });
    expect(third.statusCode).toBe(413);
    expect(third.json().error.code).toBe("chat-quota-exceeded");
    expect((await send(s, { name: "d.png", type: "image/png", bytes: PNG }, {}, OTHER)).statusCode).toBe(202);
  });

  it("removes the file of a refused message and of a duplicate", async () => {
    const s = await start();
    const refused = await send(s, { name: "a.png", type: "image/png", bytes: PNG }, { clientId: "bad id!" });
    expect(refused.statusCode).toBe(400);
    expect(await filesOnDisk(s)).toEqual([]);
    const clientId = "0b7f3c2e-1111-4222-8333-999999999999";
    expect((await send(s, { name: "a.png", type: "image/png", bytes: PNG }, { clientId })).statusCode).toBe(
      202,
    );
    const twice = await send(s, { name: "a.png", type: "image/png", bytes: PNG }, { clientId });
    expect(twice.json().duplicate).toBe(true);
    expect(await filesOnDisk(s)).toHaveLength(2); // one file and its metadata
  });

  it("removes uploads a crash left pending when the channel starts", async () => {
    let now = new Date("2026-11-25T10:00:00Z");
    const s = await start();
    const dir = path.join(s.dataDir, "uploads");
    const pending = {
      id: "a".repeat(32),
      chatId: "wx",
      name: "x.png",
      mime: "image/png",
      size: 16,
      kind: "image",
    };
    await writeFile(path.join(dir, pending.id), PNG);
    await writeFile(
      path.join(dir, `${pending.id}.json`),
      JSON.stringify({ ...pending, accepted: false, at: "2026-11-25T08:00:00Z" }),
    );
    const kept = { ...pending, id: "b".repeat(32) };
    await writeFile(path.join(dir, kept.id), PNG);
    await writeFile(
      path.join(dir, `${kept.id}.json`),
      JSON.stringify({ ...kept, accepted: true, at: "2026-11-25T08:00:00Z" }),
    );
    const channel = createWebChannel({ dataDir: s.dataDir, now: () => now });
    await channel.start(async () => {});
    expect(await filesOnDisk(s)).toEqual([kept.id, `${kept.id}.json`]);
    now = new Date();
    await channel.stop();
  });
});

describe("slow clients", () => {
  it("cuts off a half-sent upload and keeps nothing of it", async () => {
    const s = await startWebStack({ timeouts: { requestMs: 1500, headersMs: 1000, idleMs: 600 } });
    stack = s;
    const { port } = new URL(s.baseUrl);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const closed = new Promise<string>((resolve) => {
      let answer = "";
      socket.on("data", (chunk) => {
        answer += chunk.toString("latin1");
      });
      socket.on("close", () => resolve(answer));
    });
    const started = Date.now();
    socket.write(
      [
        "POST /chat/messages HTTP/1.1",
        "Host: 127.0.0.1",
        `x-chat-token: ${TOKEN}`,
        "content-type: multipart/form-data; boundary=XyZ",
        "content-length: 5000000",
        "",
        "--XyZ",
        'content-disposition: form-data; name="file"; filename="slow.png"',
        "content-type: image/png",
        "",
        "",
      ].join("\r\n"),
    );
    socket.write(Buffer.from(PNG));
    const answer = await closed;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer === "" || /^HTTP\/1\.1 (408|400)/.test(answer)).toBe(true);
    expect(s.runtime.received).toHaveLength(0);
    // The partial file is removed once the aborted stream has unwound.
    await expect.poll(() => filesOnDisk(s), { timeout: 5000 }).toEqual([]);
  });

  it("cuts off a client that never finishes its headers", async () => {
    const s = await startWebStack({ timeouts: { requestMs: 1500, headersMs: 800, idleMs: 5000 } });
    stack = s;
    const socket = connect(Number(new URL(s.baseUrl).port), "127.0.0.1");
    const started = Date.now();
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => {});
    socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-slow: ");
    const trickle = setInterval(() => socket.write("a"), 200);
    await closed;
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

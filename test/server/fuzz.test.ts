/**
 * 1,000 fuzzed requests over real sockets (a fixed seed, so any failure reproduces with the same
 * index): lone UTF-16 surrogates in URLs, JSON and file names, malformed multipart, wrong JSON
 * types, huge headers, bad lengths, foreign hosts, signed-in and anonymous. None may get a 5xx.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wellFormed } from "../../src/text/wellFormed.js";
import { boardAgent } from "../support/boardAgent.js";
import { startWebStack, type WebStack } from "../support/webStack.js";

const SEED = 0x5eed11;
const COUNT = 1000;
const TOKEN = "tok_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/** mulberry32: small, fast and reproducible. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

type Rng = ReturnType<typeof prng>;

const SURROGATES = ["\ud800", "\udfff", "\ud83d", "a\ude00b", "😀".slice(0, 1)];
const WEIRD = [
  "",
  " ",
  "null",
  "%",
  "%ED%A0%80",
  "%FF",
  "../../etc/passwd",
  "\u202e",
  "😀".repeat(40),
  "a".repeat(5000),
];

function jsonValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 8)) {
    case 0:
      return r.int(1e9) - 5e8;
    case 1:
      return r.pick([true, false, null]);
    case 2:
      return r.pick(SURROGATES) + r.pick(WEIRD);
    case 3:
      return r.pick(WEIRD);
    case 4:
      return 1e308 * 10;
    case 5:
      return "x".repeat(r.int(6000));
    case 6:
      return Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1));
    default:
      return Object.fromEntries(
        [
          "text",
          "clientId",
          "choice",
          "languageHint",
          "type",
          "minutes",
          "resolution",
          "category",
          "salesRep",
        ]
          .filter(() => r.next() < 0.5)
          .map((k) => [k, jsonValue(r, depth + 1)]),
      );
  }
}

/** JSON text, with raw `\ud800` escapes that JSON.stringify would never produce. */
function jsonBody(r: Rng): string {
  const text = JSON.stringify(jsonValue(r)) ?? "null";
  switch (r.int(5)) {
    case 0:
      return text.replace(/"$/, '\\ud800"');
    case 1:
      return text.slice(0, r.int(text.length + 1));
    case 2:
      return `{"text":"${r.pick(["\\ud83d", "\\udc00x", "\\u00"])}","clientId":"${"0b7f3c2e-1111-4222-8333-444455556666"}"}`;
    case 3:
      return "[".repeat(r.int(5000));
    default:
      return text;
  }
}

function multipartBody(r: Rng): { type: string; body: Buffer } {
  const boundary = r.pick(["XyZ", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "", "a b", "x".repeat(80)]);
  const declared = r.pick([boundary, "other", ""]);
  const name = r.pick([
    `${"a".repeat(119)}😀.png`,
    `${"a".repeat(119)}\ud83d.png`,
    "setup.exe",
    "../../x.pdf",
    "",
    "\u0000\u0001.txt",
  ]);
  const content = r.pick([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from("MZ\x90\x00"),
    Buffer.from("%PDF-1.4 hello"),
    Buffer.from("plain text"),
    Buffer.alloc(0),
  ]);
  const parts: Buffer[] = [];
  const field = (k: string, v: string) =>
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (r.next() < 0.8) field("clientId", r.pick(["0b7f3c2e-1111-4222-8333-444455556666", "bad id", "\ud800"]));
  if (r.next() < 0.8) field("text", r.pick(["hello", "\ud83d", ""]));
  if (r.next() < 0.9) {
    const headerName = r.pick([
      `filename="${name}"`,
      `filename*=UTF-8''${encodeURIComponent(wellFormed(name))}`,
      "filename*=UTF-8''%ED%A0%80.png",
    ]);
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; ${headerName}\r\ncontent-type: ${r.pick(["image/png", "application/pdf", "text/plain", "application/x-msdownload", ""])}\r\n\r\n`,
      ),
      content,
      Buffer.from("\r\n"),
    );
  }
  if (r.next() < 0.7) parts.push(Buffer.from(`--${boundary}--\r\n`));
  let body: Buffer = Buffer.concat(parts);
  if (r.next() < 0.3) body = body.subarray(0, r.int(body.length + 1));
  if (r.next() < 0.1) body = Buffer.from("garbage without any boundary");
  return {
    type: `multipart/form-data${declared ? `; boundary=${declared}` : r.pick(["", "; boundary="])}`,
    body,
  };
}

interface Fuzzed {
  raw: Buffer;
  describe: string;
}

function request(r: Rng, port: number, session: { cookie: string; csrf: string }): Fuzzed {
  const method = r.pick(["GET", "POST", "POST", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD"]);
  const target = r.pick([
    "/",
    "/?embed=1",
    "/chat/messages",
    "/chat/messages",
    `/chat/stream?t=${r.pick([TOKEN, "%ED%A0%80", "x"])}&lastEventId=${r.pick(["abc-1", "%ff", ""])}`,
    `/chat/files/${r.pick(["a".repeat(32), "../x", "%ED%A0%80"])}/${r.pick(["x.png", "%ED%A0%80", "%"])}?t=${TOKEN}`,
    "/staff",
    "/staff/login",
    "/staff/login/local",
    "/staff/setup",
    `/staff/invite?token=${r.pick(["a".repeat(43), "%ED%A0%80", "", "%"])}`,
    "/staff/invite",
    "/staff/logout",
    `/staff/api/tickets?filter=${r.pick(["open", "%ED%A0%80", "[]"])}&priority=${r.pick(["x", "urgent"])}`,
    `/staff/api/tickets/${r.pick(["WEB-0001", "%ED%A0%80", "a".repeat(300)])}`,
    `/staff/api/tickets/WEB-0001/actions`,
    `/staff/api/tickets/WEB-0001/charge?minutes=${r.pick(["45", "-1", "1e99", "%ED%A0%80", "abc"])}`,
    "/staff/api/categories",
    "/staff/api/me",
    "/staff/files/zzz",
    `/staff/api/tickets/WEB-0001/attachment?ref=${r.pick(["web-upload:x", "%ED%A0%80"])}`,
    "/health",
    "/metrics",
    "/widget.js",
    "/nope/%ED%A0%80",
    `/${"a/".repeat(r.int(3000))}`,
    "/%",
    "/\u00e9",
  ]);
  const headers: string[] = [
    `Host: ${r.next() < 0.9 ? `127.0.0.1:${port}` : r.pick(["evil.example", "", "[::1", "a b"])}`,
  ];
  if (r.next() < 0.7) headers.push(`x-chat-token: ${r.pick([TOKEN, "short", "\u00ff".repeat(10)])}`);
  if (r.next() < 0.5)
    headers.push(
      `cookie: ${r.next() < 0.8 ? session.cookie : r.pick(["sportello_staff=%ED%A0%80", "a=b; c", "=;;"])}`,
    );
  if (r.next() < 0.5) headers.push(`x-csrf-token: ${r.next() < 0.8 ? session.csrf : "nope"}`);
  if (r.next() < 0.3)
    headers.push(`origin: ${r.pick([`http://127.0.0.1:${port}`, "null", "https://evil.example", "%"])}`);
  if (r.next() < 0.05) headers.push(`x-big: ${"h".repeat(r.pick([9000, 20000, 70000]))}`);
  if (r.next() < 0.05) for (let i = 0; i < 200; i++) headers.push(`x-many-${i}: ${i}`);
  if (r.next() < 0.2)
    headers.push(`accept-language: ${r.pick(["it", "%ED%A0%80", "en;q=abc", "*".repeat(500)])}`);

  let body: Buffer = Buffer.alloc(0);
  let type: string | null = null;
  if (method !== "GET" && method !== "HEAD") {
    switch (r.int(5)) {
      case 0:
      case 1: {
        type = r.pick(["application/json", "application/json; charset=utf-8", "application/JSON"]);
        body = Buffer.from(jsonBody(r), "utf8");
        break;
      }
      case 2: {
        const m = multipartBody(r);
        type = m.type;
        body = m.body;
        break;
      }
      case 3: {
        type = "application/x-www-form-urlencoded";
        body = Buffer.from(
          r.pick([
            "name=Marco&password=%ED%A0%80",
            `_csrf=${session.csrf}&name=${"%F0%9F%98".repeat(3)}&password=x`,
            "technician=%00&token=%",
            "a=%zz&&&==",
            `token=${"a".repeat(43)}&password=long%20enough%20pass&confirm=long%20enough%20pass`,
          ]),
        );
        break;
      }
      default:
        type = r.pick(["text/plain", "application/xml", "image/png", "", "multipart/mixed"]);
        body = Buffer.from(r.pick(["hello", "\u0000\u0001", "<x/>"]));
    }
  }
  if (type !== null && type !== "") headers.push(`content-type: ${type}`);
  const lengthMode = r.int(10);
  if (body.length > 0 || method === "POST") {
    if (lengthMode === 0) headers.push("content-length: abc");
    else if (lengthMode === 1) headers.push(`content-length: ${body.length + 10}`);
    else if (lengthMode === 2) headers.push("transfer-encoding: chunked");
    else headers.push(`content-length: ${body.length}`);
  }
  headers.push("connection: close");
  // Some request targets carry raw (non-percent-encoded) UTF-8 of a lone surrogate's bytes.
  const targetBytes =
    r.next() < 0.05
      ? Buffer.concat([Buffer.from("/chat/files/"), Buffer.from([0xed, 0xa0, 0x80])])
      : Buffer.from(target);
  const head = Buffer.concat([
    Buffer.from(`${method} `),
    targetBytes,
    Buffer.from(` HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`),
  ]);
  const payload =
    lengthMode === 2 && body.length > 0
      ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")])
      : body;
  return {
    raw: Buffer.concat([head, payload]),
    describe: `${method} ${target.slice(0, 120)} [${type ?? "no body"}, ${body.length} bytes, length mode ${lengthMode}]`,
  };
}

/** Sends raw bytes and returns the response status (0 when the server closed without answering). */
function send(port: number, raw: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const done = () => {
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve(match ? Number(match[1]) : 0);
    };
    socket.setTimeout(5000, () => socket.destroy());
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      if (answer.includes("\r\n")) socket.destroy();
    });
    socket.on("error", () => {});
    socket.on("close", done);
    socket.end(raw);
  });
}

let stack: WebStack;
let session: { cookie: string; csrf: string };

beforeAll(async () => {
  stack = await startWebStack({
    passwords: { Marco: "marco's passphrase" },
    perClientPerMinute: 100_000,
    timeouts: { requestMs: 3000, headersMs: 2000, idleMs: 2000 },
  });
  const agent = boardAgent(stack.server.app, { headers: { host: new URL(stack.baseUrl).host } });
  await agent.login("Marco", "marco's passphrase");
  session = {
    cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    csrf: await agent.csrf("/staff"),
  };
});

afterAll(async () => {
  await stack?.close();
});

describe(`fuzzed requests (seed ${SEED.toString(16)})`, () => {
  it(`${COUNT} requests give no 5xx`, async () => {
    const port = Number(new URL(stack.baseUrl).port);
    const r = prng(SEED);
    const requests = Array.from({ length: COUNT }, () => request(r, port, session));
    const statuses: number[] = new Array(COUNT);
    let next = 0;
    const worker = async () => {
      while (next < COUNT) {
        const index = next++;
        statuses[index] = await send(port, requests[index]!.raw);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const failures = statuses
      .map((status, index) => ({ status, index }))
      .filter((x) => x.status >= 500)
      .map((x) => `#${x.index} → ${x.status}: ${requests[x.index]!.describe}`);
    expect(failures).toEqual([]);
    // The fuzz must reach the application, not only the HTTP parser.
    const counts = (from: number, to: number) => statuses.filter((s) => s >= from && s < to).length;
    expect(counts(200, 300)).toBeGreaterThan(20);
    expect(counts(400, 500)).toBeGreaterThan(300);
    // And the server still serves after all that.
    expect((await fetch(`${stack.baseUrl}/health`)).status).toBe(200);
  }, 120_000);
});

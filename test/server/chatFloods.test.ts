import { readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { startWebStack, type WebStack, type WebStackOptions } from "../support/webStack.js";

const TOKEN = "tok_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const token = (n: number) => `tok_${String(n).padStart(30, "0")}`;

const stacks: WebStack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function start(options: WebStackOptions = {}) {
  const stack = await startWebStack({ listen: false, ...options });
  stacks.push(stack);
  return stack;
}

function post(s: WebStack, chatToken: string, clientId: string, address = "203.0.113.5") {
  return s.server.app.inject({
    method: "POST",
    url: "/chat/messages",
    remoteAddress: address,
    headers: { "x-chat-token": chatToken, "content-type": "application/json" },
    payload: { clientId, text: `message ${clientId}` },
  });
}

const id = (n: number) => `msg-${String(n).padStart(8, "0")}`;

describe("message floods", () => {
  it("answers a flood on one chat 429 too-many-messages past the burst; every accepted message is stored once", async () => {
    const s = await start({ limits: { chat: { burst: 10, perMinute: 6 } } });
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => post(s, TOKEN, id(i))));
    const accepted = answers.flatMap((r, i) => (r.statusCode === 202 ? [id(i)] : []));
    const refused = answers.filter((r) => r.statusCode === 429);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(110);
    expect(refused[0]!.json().error.code).toBe("too-many-messages");
    expect(Number(refused[0]!.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(refused[0]!.headers["retry-after"])).toBeLessThanOrEqual(10);
    // Accepted: each exactly once; refused: none stored.
    const stored = s.runtime.received.map((m) => m.platformMessageId.split(":")[1]);
    expect(stored.sort()).toEqual(accepted.sort());
    // Another chat is not held back by this one.
    const other = await post(s, token(1), "other-chat-1");
    expect(other.statusCode, other.body).toBe(202);
  });

  it("lets a refused message through once the bucket refills, and stores it once", async () => {
    const s = await start({ limits: { chat: { burst: 2, perMinute: 600 } } });
    for (let i = 0; i < 2; i++) expect((await post(s, TOKEN, id(i))).statusCode).toBe(202);
    expect((await post(s, TOKEN, id(2))).statusCode).toBe(429);
    // A second later (one every 100 ms) the page sends it again with the same id.
    await eventually(async () => (await post(s, TOKEN, id(2))).statusCode === 202, "a token back");
    await eventually(async () => (await post(s, TOKEN, id(2))).json().duplicate === true, "a duplicate");
    expect(s.runtime.received.filter((m) => m.platformMessageId.endsWith(id(2)))).toHaveLength(1);
  });

  it("shares the bucket between instances on one database", async () => {
    const a = await start({ limits: { chat: { burst: 6, perMinute: 1 } } });
    const b = await start({ database: a.database, limits: { chat: { burst: 6, perMinute: 1 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await post(i % 2 ? b : a, TOKEN, id(i))).statusCode);
    expect(statuses.filter((c) => c === 202)).toHaveLength(6);
    expect(statuses.slice(6).every((c) => c === 429)).toBe(true);
  });

  it("limits the new chats one address starts, not the chats it already has nor other addresses", async () => {
    const s = await start({ limits: { chat: { newPerAddressPerHour: 3 } } });
    for (let n = 0; n < 3; n++) expect((await post(s, token(n), id(n), "198.51.100.7")).statusCode).toBe(202);
    const fourth = await post(s, token(3), id(3), "198.51.100.7");
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json().error.code).toBe("too-many-chats");
    expect(Number(fourth.headers["retry-after"])).toBeGreaterThan(60);
    // Sending again on the refused chat does not make it an old one.
    expect((await post(s, token(3), id(12), "198.51.100.7")).statusCode).toBe(429);
    expect((await post(s, token(0), id(10), "198.51.100.7")).statusCode).toBe(202);
    expect((await post(s, token(3), id(11), "198.51.100.8")).statusCode).toBe(202);
  });

  it("shows the customer a polite line in their language saying when to write again", async () => {
    const { readFileSync } = await import("node:fs");
    for (const language of ["it", "en"]) {
      const web = JSON.parse(readFileSync(new URL(`../../locales/${language}.json`, import.meta.url), "utf8"))
        .web as { chat: { errors: Record<string, string> } };
      expect(web.chat.errors["too-many-messages"]).toContain("{{seconds}}");
    }
    const script = readFileSync(new URL("../../src/server/public/chat.js", import.meta.url), "utf8");
    expect(script).toContain('response.headers.get("retry-after")');
  });
});

/** Opens a stream over real HTTP; resolves with the status and a way to read and close it. */
function openStream(base: string, chatToken: string, client: string) {
  return new Promise<{
    status: number;
    retryAfter?: string;
    body: () => string;
    ended: Promise<void>;
    close: () => void;
  }>((resolve, reject) => {
    const req = httpRequest(
      `${base}/chat/stream?t=${chatToken}`,
      { headers: { "x-forwarded-for": client, connection: "close" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        const ended = new Promise<void>((done) => res.on("close", () => done()));
        res.on("error", () => undefined);
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers["retry-after"] ? { retryAfter: String(res.headers["retry-after"]) } : {}),
          body: () => text,
          ended,
          close: () => req.destroy(),
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const openFds = () => readdirSync("/proc/self/fd").length;

describe("stream floods", () => {
  it("refuses 2,000 streams past the cap with 503 and Retry-After; descriptors and memory stay bounded", async () => {
    const cap = 100;
    const s = await start({
      listen: true,
      trustProxy: true,
      limits: { streams: { max: cap, perAddress: 5, perChat: 3 } },
    });
    const fdsBefore = openFds();
    const heapBefore = process.memoryUsage().heapUsed;
    const open: Awaited<ReturnType<typeof openStream>>[] = [];
    const refused: Awaited<ReturnType<typeof openStream>>[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const n = batch * 100 + i;
          return openStream(s.baseUrl, token(n), `10.${batch}.${i >> 8}.${i & 255}`);
        }),
      );
      for (const a of answers) (a.status === 200 ? open : refused).push(a);
    }
    expect(open).toHaveLength(cap);
    expect(refused).toHaveLength(2000 - cap);
    expect(refused.every((r) => r.status === 503 && Number(r.retryAfter) > 0)).toBe(true);
    await Promise.all(refused.map((r) => r.ended));
    // Both ends of each open stream are in this process; refused ones are closed.
    expect(openFds() - fdsBefore).toBeLessThan(2 * cap + 50);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    // Closing streams gives their places back.
    for (const o of open.splice(0, 10)) o.close();
    await eventually(
      async () => (await openStream(s.baseUrl, token(5000), "10.99.0.1")).status === 200,
      "a free place",
    );
    for (const o of open) o.close();
  });

  it("caps one address's streams with 429, and closes a chat's oldest stream when one more opens", async () => {
    const s = await start({
      listen: true,
      trustProxy: true,
      limits: { streams: { max: 100, perAddress: 3, perChat: 2 } },
    });
    const mine = await Promise.all([1, 1, 2].map((n) => openStream(s.baseUrl, token(n), "192.0.2.1")));
    expect(mine.map((m) => m.status)).toEqual([200, 200, 200]);
    const fourth = await openStream(s.baseUrl, token(4), "192.0.2.1");
    expect(fourth.status).toBe(429);
    expect(Number(fourth.retryAfter)).toBeGreaterThan(0);
    expect((await openStream(s.baseUrl, token(4), "192.0.2.2")).status).toBe(200);
    // Chat 9 in three tabs (another address): the first is told it was replaced and closed.
    const tab1 = await openStream(s.baseUrl, token(9), "192.0.2.3");
    const tab2 = await openStream(s.baseUrl, token(9), "192.0.2.3");
    const tab3 = await openStream(s.baseUrl, token(9), "192.0.2.3");
    expect([tab1.status, tab2.status, tab3.status]).toEqual([200, 200, 200]);
    await tab1.ended;
    expect(tab1.body()).toContain("event: replaced");
    expect(tab2.body()).not.toContain("replaced");
    // At its cap, the address may still reopen a chat at its own cap (the oldest tab gives way).
    const mineAgain = await openStream(s.baseUrl, token(1), "192.0.2.1");
    expect(mineAgain.status).toBe(200);
    for (const m of [...mine, mineAgain, tab2, tab3]) m.close();
  });
});

import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startWebStack, type WebStack, type WebStackOptions } from "../support/webStack.js";

const PUBLIC = "https://support.example.com";
const METRICS_TOKEN = "prometheus-secret-0123456789";

const stacks: WebStack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function start(options: WebStackOptions = {}) {
  const stack = await startWebStack({ listen: false, ...options });
  stacks.push(stack);
  return stack;
}

describe("/metrics in public mode", () => {
  it("answers loopback and the bearer token only; through a proxy or from elsewhere, 401", async () => {
    const s = await start({ publicUrl: PUBLIC, trustProxy: true, metricsToken: METRICS_TOKEN });
    const get = (remoteAddress: string, headers: Record<string, string> = {}) =>
      s.server.app.inject({
        url: "/metrics",
        remoteAddress,
        headers: { host: "support.example.com", ...headers },
      });
    expect((await get("127.0.0.1")).statusCode).toBe(200);
    // The proxy on this machine forwarding an outside client is not loopback.
    const proxied = await get("127.0.0.1", { "x-forwarded-for": "203.0.113.9" });
    expect(proxied.statusCode).toBe(401);
    expect(proxied.json().error.code).toBe("metrics-token-required");
    expect(proxied.headers["www-authenticate"]).toContain("Bearer");
    expect(proxied.body).not.toContain("sportello_");
    expect((await get("203.0.113.9")).statusCode).toBe(401);
    expect((await get("203.0.113.9", { authorization: "Bearer wrong-token-0123456789" })).statusCode).toBe(
      401,
    );
    const scraped = await get("203.0.113.9", { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toContain("sportello_");
  });

  it("without METRICS_TOKEN, only loopback; in localhost mode, as before", async () => {
    const s = await start({ publicUrl: PUBLIC });
    const remote = await s.server.app.inject({
      url: "/metrics",
      remoteAddress: "203.0.113.9",
      headers: { host: "support.example.com", authorization: "Bearer anything-at-all-here" },
    });
    expect(remote.statusCode).toBe(401);
    const local = await start();
    expect((await local.server.app.inject({ url: "/metrics" })).statusCode).toBe(200);
  });
});

/** Sends a request whose body trickles in; resolves with what the server answered and when. */
function trickle(baseUrl: string, bytesPerSecond: number) {
  const { hostname, port } = new URL(baseUrl);
  return new Promise<{ response: string; seconds: number }>((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let response = "";
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      socket.write(
        `POST /chat/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-chat-token: tok_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"clientId":"trickle-0001","text":"`,
      );
      timer = setInterval(() => socket.write("x".repeat(bytesPerSecond)), 1000);
    });
    socket.on("data", (chunk: string) => {
      response += chunk;
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ response, seconds: (Date.now() - started) / 1000 });
    });
  });
}

describe("slow request bodies", () => {
  it("cuts a body trickling in slower than the minimum rate with 408 body-too-slow", async () => {
    const s = await start({ listen: true, limits: { upload: { minBytesPerSecond: 200, seconds: 2 } } });
    const { response, seconds } = await trickle(s.baseUrl, 1);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(response).toContain("body-too-slow");
    expect(seconds).toBeLessThan(10);
    expect(s.runtime.received).toHaveLength(0);
  });

  it("lets a slow but steady upload above the minimum through", async () => {
    const s = await start({ listen: true, limits: { upload: { minBytesPerSecond: 200, seconds: 2 } } });
    const body = JSON.stringify({ clientId: "steady-0001", text: "y".repeat(3000) });
    const { hostname, port } = new URL(s.baseUrl);
    const response = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), hostname);
      let answer = "";
      let sent = 0;
      socket.setEncoding("utf8");
      socket.on("connect", () => {
        socket.write(
          `POST /chat/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-chat-token: tok_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
        );
        const timer = setInterval(() => {
          socket.write(body.slice(sent, sent + 500));
          sent += 500;
          if (sent >= body.length) clearInterval(timer);
        }, 500);
      });
      socket.on("data", (chunk: string) => {
        answer += chunk;
      });
      socket.on("close", () => resolve(answer));
    });
    expect(response).toMatch(/^HTTP\/1\.1 202/);
  });
});

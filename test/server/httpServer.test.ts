import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_UPLOAD_LIMITS } from "../../src/channels/web/webChannel.js";
import { startWebStack, type WebStack, type WebStackOptions } from "../support/webStack.js";

const TOKEN = "tok_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OTHER_TOKEN = "tok_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

let stack: WebStack | null = null;
afterEach(async () => {
  await stack?.close();
  stack = null;
});

async function start(options: WebStackOptions = {}) {
  stack = await startWebStack({ listen: false, ...options });
  return stack;
}

async function multipart(
  fields: Record<string, string>,
  file?: { name: string; type: string; bytes: Uint8Array },
) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  if (file) form.append("file", new Blob([file.bytes], { type: file.type }), file.name);
  const request = new Request("http://localhost/", { method: "POST", body: form });
  return {
    payload: Buffer.from(await request.arrayBuffer()),
    headers: { "content-type": request.headers.get("content-type")! },
  };
}

describe("routes", () => {
  it("answers unknown routes with a 404 JSON error", async () => {
    const { server } = await start();
    const res = await server.app.inject({ method: "GET", url: "/nope?x=1" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "not-found", message: "No route for GET /nope" } });
    const post = await server.app.inject({ method: "POST", url: "/staff/api/nope", payload: {} });
    expect(post.statusCode).toBe(404);
  });

  it("reports health: 200 with channel states, 503 when the database is unreachable", async () => {
    let reachable = true;
    const { server } = await start({
      health: async () => ({
        db: reachable ? { reachable } : { reachable, error: "connection refused" },
        channels: { web: { status: "connected" }, telegram: { status: "off", hint: "no token" } },
      }),
    });
    const ok = await server.app.inject({ url: "/health" });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      status: "ok",
      db: { reachable: true },
      channels: { web: { status: "connected" }, telegram: { status: "off" } },
    });
    reachable = false;
    const down = await server.app.inject({ url: "/health" });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: "degraded",
      db: { reachable: false, error: "connection refused" },
    });
  });

  it("exposes Prometheus metrics the runtime increments", async () => {
    const { server, metrics } = await start();
    metrics.messagesIn.inc({ channel: "web" });
    metrics.messagesIn.inc({ channel: "web" });
    metrics.messagesOut.inc({ channel: "telegram" });
    metrics.ticketsOpened.inc();
    metrics.replyLatency.observe(1.5);
    metrics.outboxDepth.set(3);
    const res = await server.app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.body).toContain('sportello_messages_in_total{channel="web"} 2');
    expect(res.body).toContain('sportello_messages_out_total{channel="telegram"} 1');
    expect(res.body).toContain("sportello_tickets_opened_total 1");
    expect(res.body).toContain("sportello_tickets_closed_total 0");
    expect(res.body).toContain('sportello_reply_latency_seconds_bucket{le="2"} 1');
    expect(res.body).toContain("sportello_outbox_depth 3");
  });

  it("mounts webhooks with the raw body kept for signature checks (JSON and form)", async () => {
    const seen: { body: unknown; rawBody?: string }[] = [];
    const { server } = await start({
      webhooks: [
        {
          path: "/slack/events",
          handler: async (req) => {
            seen.push({ body: req.body, ...(req.rawBody !== undefined ? { rawBody: req.rawBody } : {}) });
            return { status: 200, body: { ok: true } };
          },
        },
      ],
    });
    const json = '{"type":"url_verification",  "challenge":"abc"}';
    const a = await server.app.inject({
      method: "POST",
      url: "/slack/events",
      headers: { "content-type": "application/json" },
      payload: json,
    });
    expect(a.statusCode).toBe(200);
    const form = "payload=%7B%22a%22%3A1%7D&x=y";
    await server.app.inject({
      method: "POST",
      url: "/slack/events",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form,
    });
    await server.app.inject({
      method: "POST",
      url: "/slack/events",
      headers: { "content-type": "text/plain; charset=utf-8" },
      payload: "plain words",
    });
    expect(seen[0]).toEqual({ body: { type: "url_verification", challenge: "abc" }, rawBody: json });
    expect(seen[2]).toEqual({ body: "plain words", rawBody: "plain words" });
    expect(seen[1]).toEqual({ body: { payload: '{"a":1}', x: "y" }, rawBody: form });
  });

  it("serves the chat page in the browser's language and a widget script", async () => {
    const { server } = await start();
    const it = await server.app.inject({
      url: "/",
      headers: { "accept-language": "it-IT,it;q=0.9,en;q=0.8" },
    });
    expect(it.statusCode).toBe(200);
    expect(it.body).toContain('<html lang="it">');
    expect(it.body).toContain("Assistenza tecnica");
    expect(it.headers["content-security-policy"]).toContain("frame-ancestors *");
    const en = await server.app.inject({
      url: "/?embed=1",
      headers: { "accept-language": "de-DE,en;q=0.5" },
    });
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('class="embed"');
    const widget = await server.app.inject({ url: "/widget.js" });
    expect(widget.headers["content-type"]).toContain("javascript");
    expect(widget.body).toContain("/?embed=1");
    expect(widget.body).not.toContain("__SPORTELLO_LABELS__");
    expect(widget.body).toContain("Apri la chat di assistenza");
  });
});

describe("web chat messages", () => {
  it("passes a message to the runtime once even when submitted twice", async () => {
    const { server, runtime } = await start();
    const send = () =>
      server.app.inject({
        method: "POST",
        url: "/chat/messages",
        headers: { "x-chat-token": TOKEN },
        payload: {
          clientId: "0b7f3c2e-1111-4222-8333-444455556666",
          text: "The printer is offline",
          languageHint: "it-IT",
        },
      });
    const [first, second] = await Promise.all([send(), send()]);
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect([first.json().duplicate, second.json().duplicate].sort()).toEqual([false, true]);
    expect(runtime.received).toHaveLength(1);
    const message = runtime.received[0]!;
    expect(message).toMatchObject({ channel: "web", text: "The printer is offline", languageHint: "it-IT" });
    // The chat id is derived from the secret token, never equal to it.
    expect(message.chatId).not.toContain(TOKEN);
    expect(message.chatId).toBe(`w${createHash("sha256").update(TOKEN).digest("hex").slice(0, 24)}`);
    expect(message.platformMessageId).toBe(`${message.chatId}:0b7f3c2e-1111-4222-8333-444455556666`);
  });

  it("refuses messages without a valid token or id, and empty ones", async () => {
    const { server, runtime } = await start();
    const noToken = await server.app.inject({
      method: "POST",
      url: "/chat/messages",
      payload: { clientId: "0b7f3c2e-1111-4222-8333-444455556666", text: "hi" },
    });
    expect(noToken.statusCode).toBe(400);
    expect(noToken.json().error.code).toBe("bad-token");
    const noId = await server.app.inject({
      method: "POST",
      url: "/chat/messages",
      headers: { "x-chat-token": TOKEN },
      payload: { text: "hi" },
    });
    expect(noId.json().error.code).toBe("bad-message-id");
    const empty = await server.app.inject({
      method: "POST",
      url: "/chat/messages",
      headers: { "x-chat-token": TOKEN },
      payload: { clientId: "0b7f3c2e-1111-4222-8333-444455556666", text: "   " },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe("empty-message");
    expect(runtime.received).toHaveLength(0);
  });
});

describe("uploads", () => {
  it("refuses a file over the default 10 MB limit with 413", async () => {
    const { server, runtime, dataDir } = await start();
    const bytes = new Uint8Array(DEFAULT_UPLOAD_LIMITS.maxBytes + 1);
    const body = await multipart(
      { clientId: "0b7f3c2e-1111-4222-8333-444455556666", text: "photo" },
      { name: "big.jpg", type: "image/jpeg", bytes },
    );
    const res = await server.app.inject({
      method: "POST",
      url: "/chat/messages",
      headers: { ...body.headers, "x-chat-token": TOKEN },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe("file-too-large");
    expect(runtime.received).toHaveLength(0);
    // The partial upload is not left behind.
    const { readdir } = await import("node:fs/promises");
    expect(await readdir(`${dataDir}/uploads`)).toEqual([]);
  });

  it("refuses types that are not photos, videos, audio, PDF or text with 415", async () => {
    const { server, runtime } = await start();
    for (const [name, type] of [
      ["x.svg", "image/svg+xml"],
      ["x.html", "text/html"],
      ["x.exe", "application/octet-stream"],
    ] as const) {
      const body = await multipart(
        { clientId: "0b7f3c2e-1111-4222-8333-444455556666", text: "" },
        { name, type, bytes: new TextEncoder().encode("<svg onload=alert(1)>") },
      );
      const res = await server.app.inject({
        method: "POST",
        url: "/chat/messages",
        headers: { ...body.headers, "x-chat-token": TOKEN },
        payload: body.payload,
      });
      expect(res.statusCode, type).toBe(415);
      expect(res.json().error.code).toBe("unsupported-type");
    }
    expect(runtime.received).toHaveLength(0);
  });

  it("stores an accepted file, hands it to the runtime lazily and serves it only to its chat", async () => {
    const { server, runtime } = await start();
    const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 1, 2, 3]);
    const body = await multipart(
      { clientId: "0b7f3c2e-1111-4222-8333-444455556666", text: "the invoice", languageHint: "en" },
      { name: "../../etc/fattura.pdf", type: "application/pdf", bytes },
    );
    const res = await server.app.inject({
      method: "POST",
      url: "/chat/messages",
      headers: { ...body.headers, "x-chat-token": TOKEN },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(202);
    const attachment = runtime.received[0]!.attachments[0]!;
    expect(attachment).toMatchObject({
      kind: "document",
      mime: "application/pdf",
      name: "fattura.pdf",
      size: 8,
    });
    expect(Buffer.from(await attachment.fetch!())).toEqual(Buffer.from(bytes));
    const id = attachment.ref!.replace("web-upload:", "");
    const mine = await server.app.inject({ url: `/chat/files/${id}/fattura.pdf?t=${TOKEN}` });
    expect(mine.statusCode).toBe(200);
    expect(mine.headers["content-disposition"]).toMatch(/^attachment;/);
    expect(mine.rawPayload).toEqual(Buffer.from(bytes));
    const theirs = await server.app.inject({ url: `/chat/files/${id}/fattura.pdf?t=${OTHER_TOKEN}` });
    expect(theirs.statusCode).toBe(404);
  });
});

describe("live updates (SSE)", () => {
  it("delivers outbound messages to the chat's stream and replays after Last-Event-ID", async () => {
    stack = await startWebStack();
    const { baseUrl, webChannel } = stack;
    const stream = await openStream(`${baseUrl}/chat/stream?t=${TOKEN}`);
    const other = await openStream(`${baseUrl}/chat/stream?t=${OTHER_TOKEN}`);
    const post = await fetch(`${baseUrl}/chat/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-chat-token": TOKEN },
      body: JSON.stringify({
        clientId: "0b7f3c2e-1111-4222-8333-444455556666",
        text: "PC won't boot",
        languageHint: "en",
      }),
    });
    expect(post.status).toBe(202);
    const events = await stream.next(2);
    expect(events[0]).toMatchObject({ direction: "in", text: "PC won't boot" });
    expect(events[1]).toMatchObject({ direction: "out", text: "Thanks. Can you still work?" });
    expect(events[1]!.choices.map((c: { id: string }) => c.id)).toEqual(["blocked", "can-work"]);

    const chatId = webChannel.chatIdFor(TOKEN);
    await webChannel.send({ channel: "web", chatId, text: "A technician writes", outboxId: "o-1" });
    // A redelivered outbox row is not shown twice.
    await webChannel.send({ channel: "web", chatId, text: "A technician writes", outboxId: "o-1" });
    const [third] = await stream.next(1);
    expect(third).toMatchObject({ direction: "out", text: "A technician writes" });
    stream.close();

    const resumed = await openStream(`${baseUrl}/chat/stream?t=${TOKEN}`, events[1]!.id);
    const [afterResume] = await resumed.next(1);
    expect(afterResume).toMatchObject({ text: "A technician writes" });
    await webChannel.send({ channel: "web", chatId, text: "live again" });
    expect((await resumed.next(1))[0]).toMatchObject({ text: "live again" });
    resumed.close();
    // The other chat saw nothing of this one.
    await webChannel.send({
      channel: "web",
      chatId: webChannel.chatIdFor(OTHER_TOKEN),
      text: "for the other",
    });
    expect((await other.next(1))[0]).toMatchObject({ text: "for the other" });
    other.close();
  });
});

describe("history after a restart", () => {
  it("shows a chat's stored lines to a page that reconnects to a fresh process", async () => {
    const asked: string[] = [];
    stack = await startWebStack({
      history: async (chatId) => {
        asked.push(chatId);
        return [
          { direction: "in", text: "Il PC non si accende", at: "2027-03-30T08:00:00.000Z" },
          {
            direction: "out",
            text: "Riesci comunque a lavorare?",
            at: new Date("2027-03-30T08:00:01.000Z"),
            choices: [{ id: "blocked", label: "No" }],
          },
        ];
      },
    });
    const { baseUrl, webChannel } = stack;
    const chatId = webChannel.chatIdFor(TOKEN);
    // The EventSource of a page loaded before the restart sends an id from the old process.
    const stream = await openStream(`${baseUrl}/chat/stream?t=${TOKEN}`, "deadbeef-41");
    const events = await stream.next(2);
    expect(events.map((e) => [e.direction, e.text])).toEqual([
      ["in", "Il PC non si accende"],
      ["out", "Riesci comunque a lavorare?"],
    ]);
    expect(events[1]!.choices).toEqual([{ id: "blocked", label: "No" }]);
    await webChannel.send({ channel: "web", chatId, text: "live" });
    expect((await stream.next(1))[0]).toMatchObject({ text: "live" });
    stream.close();
    // Loaded once per chat and process, not on every reconnect.
    const again = await openStream(`${baseUrl}/chat/stream?t=${TOKEN}`);
    expect((await again.next(3)).map((e) => e.text)).toEqual([
      "Il PC non si accende",
      "Riesci comunque a lavorare?",
      "live",
    ]);
    again.close();
    expect(asked).toEqual([chatId]);
  });
});

/** Reads an SSE stream with fetch, parsing `data:` lines as JSON. */
async function openStream(url: string, lastEventId?: string) {
  const controller = new AbortController();
  const response = await fetch(url, {
    signal: controller.signal,
    headers: lastEventId ? { "last-event-id": lastEventId } : {},
  });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  // biome-ignore lint/suspicious/noExplicitAny: SSE payloads are checked field by field in the assertions
  const queue: { id: string; [key: string]: any }[] = [];
  return {
    async next(count: number) {
      while (queue.length < count) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6))
            .join("\n");
          if (data) queue.push(JSON.parse(data));
          end = buffer.indexOf("\n\n");
        }
      }
      return queue.splice(0, count);
    },
    close() {
      controller.abort();
    },
  };
}

/**
 * A fake Slack Web API: a real HTTP server on 127.0.0.1 (random port) that the real
 * `@slack/web-api` WebClient talks to through `clientOptions.slackApiUrl`. It records every call
 * (`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`, `views.update`,
 * `conversations.open`, `files.*`, `auth.test`, …), answers like Slack does, serves private files
 * and keeps the channels' messages (`chat.postMessage`/`update`/`delete`, read back with
 * `conversations.history` and `conversations.replies`, paginated; a bot may delete only its own)
 * (`url_private`, bearer token required) and records posts to slash-command `response_url`s.
 * It also plays Slack's Socket Mode side: `apps.connections.open` hands out a `ws://` URL on the
 * same server, where a minimal hand-written WebSocket endpoint (RFC 6455, no extensions) says
 * `hello`, pushes envelopes and records the client's acks.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { eventually } from "./eventually.js";

/** One recorded Web API call. */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token: string | null;
}

/** One recorded POST to a `response_url`. */
export interface RecordedResponse {
  id: string;
  body: Record<string, unknown>;
}

/** A message the fake holds in a channel (posted by the bot, or added as a person's). */
export interface StoredSlackMessage {
  channel: string;
  ts: string;
  /** The thread's parent ts, for a reply. */
  thread_ts?: string;
  text: string;
  user: string;
  /** Set on the bot's own messages. */
  bot_id?: string;
  blocks?: unknown;
}

/** The Socket Mode side of the fake. */
export interface FakeSocketMode {
  /** Acks the client sent back (`{ envelope_id, payload? }`). */
  readonly acks: Record<string, unknown>[];
  /** Number of WebSocket connections accepted so far. */
  connections(): number;
  /** Pushes an envelope to every connected client. */
  push(envelope: Record<string, unknown>): void;
  /** Resolves once an ack for `envelopeId` arrived. */
  ackFor(envelopeId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface FakeSlackApi {
  /** Base for `clientOptions.slackApiUrl`, ends with `/api/`. */
  readonly apiUrl: string;
  /** Origin of the server, e.g. `http://127.0.0.1:1234`. */
  readonly origin: string;
  readonly calls: RecordedCall[];
  readonly responses: RecordedResponse[];
  callsTo(method: string): RecordedCall[];
  /** The next `times` calls to `method` answer HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, retryAfterSeconds: number, times?: number): void;
  /** The next `times` calls to `method` answer `{ ok: false, error }` (e.g. `not_in_channel`). */
  refuse(method: string, error: string, times?: number): void;
  /** Serves bytes at `/files/<name>` for requests bearing `token`; returns the URL. */
  addPrivateFile(name: string, bytes: Uint8Array, mime: string, token: string): string;
  /** A fresh `response_url` on this server. */
  responseUrl(): string;
  /** The messages in the channels now (deleted ones gone), oldest first. */
  messages(): StoredSlackMessage[];
  /** Adds a person's message (e.g. a technician's reply in a card's thread); returns its ts. */
  addMessage(message: { channel: string; user: string; text: string; thread_ts?: string }): string;
  readonly socketMode: FakeSocketMode;
  close(): Promise<void>;
}

const BOT = { user_id: "UBOT", bot_id: "BBOT", team_id: "T0001", team: "Leghorn", user: "sportello" };

/** Starts a fake Slack Web API on 127.0.0.1:0. */
export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const responses: RecordedResponse[] = [];
  const limits = new Map<string, { retryAfter: number; times: number }>();
  const refusals = new Map<string, { error: string; times: number }>();
  const files = new Map<string, { bytes: Uint8Array; mime: string; token: string }>();
  let port = 0;
  let tsCounter = 0;
  let viewCounter = 0;
  let responseCounter = 0;
  const nextTs = () => {
    tsCounter += 1;
    return `1790000000.${String(tsCounter).padStart(6, "0")}`;
  };

  const stored: StoredSlackMessage[] = [];
  const find = (channel: unknown, ts: unknown) => stored.find((m) => m.channel === channel && m.ts === ts);
  /** One page of `list` (oldest first) from the `cursor` (an index), `limit` per page. */
  const page = (list: StoredSlackMessage[], args: Record<string, unknown>) => {
    const from = Number(args.cursor ?? 0) || 0;
    const limit = Math.min(Number(args.limit ?? 100) || 100, 1000);
    const next = from + limit < list.length ? String(from + limit) : "";
    return {
      ok: true,
      messages: list.slice(from, from + limit),
      has_more: next !== "",
      response_metadata: { next_cursor: next },
    };
  };

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case "auth.test":
        return { ok: true, url: "https://leghorn.slack.com/", ...BOT };
      case "chat.postMessage": {
        const ts = nextTs();
        const channel = String(args.channel);
        const threadTs = typeof args.thread_ts === "string" ? args.thread_ts : undefined;
        stored.push({
          channel,
          ts,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          text: String(args.text ?? ""),
          user: BOT.user_id,
          bot_id: BOT.bot_id,
          ...(args.blocks ? { blocks: args.blocks } : {}),
        });
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } };
      }
      case "chat.update": {
        const message = find(args.channel, args.ts);
        if (!message) return { ok: false, error: "message_not_found" };
        if (message.bot_id !== BOT.bot_id) return { ok: false, error: "cant_update_message" };
        message.text = String(args.text ?? "");
        if (args.blocks) message.blocks = args.blocks;
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      }
      case "chat.delete": {
        const message = find(args.channel, args.ts);
        if (!message) return { ok: false, error: "message_not_found" };
        if (message.bot_id !== BOT.bot_id) return { ok: false, error: "cant_delete_message" };
        stored.splice(stored.indexOf(message), 1);
        return { ok: true, channel: args.channel, ts: args.ts };
      }
      case "conversations.history": {
        const oldest = Number(args.oldest ?? 0);
        // Newest first, top-level messages only (thread replies are read with conversations.replies).
        const list = stored
          .filter((m) => m.channel === args.channel && !m.thread_ts && Number(m.ts) >= oldest)
          .reverse();
        return page(list, args);
      }
      case "conversations.replies": {
        const parent = find(args.channel, args.ts);
        if (!parent) return { ok: false, error: "thread_not_found" };
        const replies = stored.filter((m) => m.channel === args.channel && m.thread_ts === args.ts);
        return page([parent, ...replies], args);
      }
      case "chat.postEphemeral":
        return { ok: true, message_ts: nextTs() };
      case "views.open":
      case "views.push": {
        viewCounter += 1;
        return { ok: true, view: { id: `V${viewCounter}`, ...(parseMaybeJson(args.view) as object) } };
      }
      case "views.update":
        return { ok: true, view: { id: args.view_id ?? "V0", ...(parseMaybeJson(args.view) as object) } };
      case "users.info":
        return {
          ok: true,
          user: {
            id: args.user,
            name: String(args.user).toLowerCase(),
            real_name: `Person ${String(args.user)}`,
            profile: {},
          },
        };
      case "apps.connections.open":
        return { ok: true, url: `ws://127.0.0.1:${port}/socket-mode` };
      case "conversations.open":
        return { ok: true, channel: { id: `D${String(args.users ?? "").split(",")[0]}` } };
      default:
        return { ok: true };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    const auth = req.headers.authorization ?? null;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : null;

    if (req.method === "GET" && url.pathname.startsWith("/files/")) {
      const file = files.get(decodeURIComponent(url.pathname.slice("/files/".length)));
      calls.push({ method: "files.download", args: { path: url.pathname }, token });
      if (!file || token !== file.token) {
        res.writeHead(file ? 302 : 404, { location: "/login" }).end();
        return;
      }
      res.writeHead(200, { "content-type": file.mime }).end(Buffer.from(file.bytes));
      return;
    }
    if (req.method === "POST" && url.pathname.startsWith("/response/")) {
      responses.push({ id: url.pathname.slice("/response/".length), body: JSON.parse(raw || "{}") });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (req.method === "POST" && url.pathname.startsWith("/api/")) {
      const method = url.pathname.slice("/api/".length);
      const args = parseArgs(req.headers["content-type"] ?? "", raw);
      calls.push({ method, args, token: token ?? (typeof args.token === "string" ? args.token : null) });
      const limit = limits.get(method);
      if (limit && limit.times > 0) {
        limit.times -= 1;
        res
          .writeHead(429, { "content-type": "application/json", "retry-after": String(limit.retryAfter) })
          .end(JSON.stringify({ ok: false, error: "ratelimited" }));
        return;
      }
      const refusal = refusals.get(method);
      if (refusal && refusal.times > 0) {
        refusal.times -= 1;
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ ok: false, error: refusal.error }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer(method, args)));
      return;
    }
    res.writeHead(404).end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  const sockets = new Set<Socket>();
  const acks: Record<string, unknown>[] = [];
  let connectionCount = 0;
  server.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    const key = req.headers["sec-websocket-key"];
    if (req.url !== "/socket-mode" || typeof key !== "string") {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(socket);
    connectionCount += 1;
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const frame = readFrame(buffered);
        if (!frame) break;
        buffered = buffered.subarray(frame.length);
        if (frame.opcode === 0x1)
          acks.push(JSON.parse(frame.payload.toString("utf8")) as Record<string, unknown>);
        else if (frame.opcode === 0x9) socket.write(writeFrame(0xa, frame.payload));
        else if (frame.opcode === 0x8) {
          socket.end(writeFrame(0x8, frame.payload));
          sockets.delete(socket);
        }
      }
    });
    socket.write(writeFrame(0x1, Buffer.from(JSON.stringify({ type: "hello", num_connections: 1 }))));
  });
  const socketMode: FakeSocketMode = {
    acks,
    connections: () => connectionCount,
    push(envelope) {
      const frame = writeFrame(0x1, Buffer.from(JSON.stringify(envelope)));
      for (const socket of sockets) socket.write(frame);
    },
    async ackFor(envelopeId, timeoutMs = 10_000) {
      return eventually(
        () => acks.find((a) => a.envelope_id === envelopeId),
        `a Socket Mode ack for ${envelopeId}`,
        {
          timeoutMs,
        },
      );
    },
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${origin}/api/`,
    origin,
    calls,
    responses,
    callsTo: (method) => calls.filter((c) => c.method === method),
    rateLimit(method, retryAfterSeconds, times = 1) {
      limits.set(method, { retryAfter: retryAfterSeconds, times });
    },
    refuse(method, error, times = 1) {
      refusals.set(method, { error, times });
    },
    addPrivateFile(name, bytes, mime, token) {
      files.set(name, { bytes, mime, token });
      return `${origin}/files/${encodeURIComponent(name)}`;
    },
    socketMode,
    messages: () => stored.map((m) => ({ ...m })),
    addMessage(message) {
      const ts = nextTs();
      stored.push({ ...message, ts });
      return ts;
    },
    responseUrl() {
      responseCounter += 1;
      return `${origin}/response/R${responseCounter}`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The WebClient sends form-encoded bodies with nested values (blocks, view) JSON-stringified. */
function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes("application/json"))
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = key === "blocks" || key === "view" || key === "attachments" ? parseMaybeJson(value) : value;
  }
  return out;
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Encodes one unmasked server frame. */
function writeFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x80 | opcode, length]);
  } else if (length < 65_536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Decodes one (masked, unfragmented) client frame from the start of `data`, or null if incomplete. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (data.length < 2) return null;
  const opcode = data[0]! & 0x0f;
  const masked = (data[1]! & 0x80) !== 0;
  let length = data[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return null;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return null;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return null;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked) {
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ data[maskOffset + (i % 4)]!;
  }
  return { opcode, payload, length: offset + length };
}

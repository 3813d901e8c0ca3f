/**
 * A fake OpenAI-compatible server on 127.0.0.1 (random port) for testing the real `openai`
 * client: POST /v1/chat/completions and POST /v1/audio/transcriptions (multipart). Each request
 * takes the next queued behaviour (normal answer, raw content, refusal, HTTP error, delay…) or
 * the default one, and is recorded with its parsed body so tests can assert on what left the
 * process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the fake answers one chat completion. */
export type FakeChatReply =
  /** A normal answer whose message content is `JSON.stringify(content)`. */
  | { kind: "json"; content: unknown; tokens?: number }
  /** A normal answer with this exact content string (plain text, malformed JSON…). */
  | { kind: "text"; content: string; tokens?: number; finishReason?: "stop" | "length" | "content_filter" }
  /** The model refuses (structured-output refusal). */
  | { kind: "refusal"; refusal: string }
  /** An HTTP error with an OpenAI-style error body. */
  | { kind: "status"; status: number; message?: string }
  /** Waits `ms` before giving `reply` (or never answers when the client gives up first). */
  | { kind: "delay"; ms: number; reply: FakeChatReply }
  /** Holds the request until `until` settles, then gives `reply` (a test decides when "later" is). */
  | { kind: "wait"; until: Promise<unknown>; reply: FakeChatReply }
  /** Computes the reply from the recorded request. */
  | { kind: "fn"; reply: (request: RecordedRequest) => FakeChatReply };

/** How the fake answers one transcription. */
export type FakeTranscriptionReply =
  | { kind: "text"; text: string; tokens?: number }
  | { kind: "status"; status: number; message?: string }
  | { kind: "delay"; ms: number; reply: FakeTranscriptionReply };

/** An uploaded file in a multipart request. */
export interface RecordedFile {
  field: string;
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** One request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body as text (multipart included). */
  raw: string;
  /** Parsed JSON body (chat) or the multipart text fields (transcription). */
  body: Record<string, unknown>;
  files: RecordedFile[];
}

export interface FakeOpenAiServer {
  /** Base URL for the `openai` client (`…/v1`). */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  chatRequests(): RecordedRequest[];
  transcriptionRequests(): RecordedRequest[];
  /** Replies for the next chat completions, in order. */
  queueChat(...replies: FakeChatReply[]): void;
  /** Replies for the next transcriptions, in order. */
  queueTranscription(...replies: FakeTranscriptionReply[]): void;
  /** Reply used when the chat queue is empty (default: HTTP 500 "nothing queued"). */
  setDefaultChat(reply: FakeChatReply): void;
  close(): Promise<void>;
}

const NOTHING_QUEUED: FakeChatReply = { kind: "status", status: 500, message: "fake: no reply queued" };

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const requests: RecordedRequest[] = [];
  const chatQueue: FakeChatReply[] = [];
  const transcriptionQueue: FakeTranscriptionReply[] = [];
  let defaultChat: FakeChatReply = NOTHING_QUEUED;
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;

  function sendJson(res: ServerResponse, status: number, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  function sendError(res: ServerResponse, status: number, message?: string): void {
    sendJson(res, status, {
      error: {
        message: message ?? `fake error ${status}`,
        type: status === 429 ? "rate_limit_exceeded" : "server_error",
        code: status === 429 ? "rate_limit_exceeded" : null,
      },
    });
  }

  function later(res: ServerResponse, ms: number, then: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      then();
    }, ms);
    timers.add(timer);
    res.on("close", () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  function answerChat(res: ServerResponse, request: RecordedRequest, reply: FakeChatReply): void {
    switch (reply.kind) {
      case "delay":
        later(res, reply.ms, () => answerChat(res, request, reply.reply));
        return;
      case "wait":
        void reply.until.then(
          () => answerChat(res, request, reply.reply),
          () => answerChat(res, request, reply.reply),
        );
        return;
      case "fn":
        answerChat(res, request, reply.reply(request));
        return;
      case "status":
        sendError(res, reply.status, reply.message);
        return;
      default: {
        const content =
          reply.kind === "json"
            ? JSON.stringify(reply.content)
            : reply.kind === "text"
              ? reply.content
              : null;
        const tokens = reply.kind === "refusal" ? 10 : (reply.tokens ?? 42);
        counter++;
        sendJson(res, 200, {
          id: `chatcmpl-fake-${counter}`,
          object: "chat.completion",
          created: 1_700_000_000 + counter,
          model: typeof request.body.model === "string" ? request.body.model : "fake",
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content,
                refusal: reply.kind === "refusal" ? reply.refusal : null,
              },
              finish_reason: reply.kind === "text" ? (reply.finishReason ?? "stop") : "stop",
              logprobs: null,
            },
          ],
          usage: { prompt_tokens: tokens - 2, completion_tokens: 2, total_tokens: tokens },
        });
      }
    }
  }

  function answerTranscription(res: ServerResponse, reply: FakeTranscriptionReply): void {
    switch (reply.kind) {
      case "delay":
        later(res, reply.ms, () => answerTranscription(res, reply.reply));
        return;
      case "status":
        sendError(res, reply.status, reply.message);
        return;
      case "text":
        sendJson(res, 200, {
          text: reply.text,
          ...(reply.tokens !== undefined
            ? {
                usage: {
                  type: "tokens",
                  input_tokens: reply.tokens,
                  output_tokens: 0,
                  total_tokens: reply.tokens,
                },
              }
            : {}),
        });
    }
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function record(req: IncomingMessage, bytes: Buffer): Promise<RecordedRequest> {
    const contentType = String(req.headers["content-type"] ?? "");
    const request: RecordedRequest = {
      method: req.method ?? "",
      path: (req.url ?? "").split("?")[0] ?? "",
      headers: req.headers,
      raw: bytes.toString("utf8"),
      body: {},
      files: [],
    };
    if (contentType.startsWith("application/json")) {
      request.body = JSON.parse(request.raw) as Record<string, unknown>;
    } else if (contentType.startsWith("multipart/form-data")) {
      // The platform's own multipart parser (undici), so the fake reads what a real server would.
      const form = await new Request("http://fake.local/", {
        method: "POST",
        headers: { "content-type": contentType },
        body: bytes,
      }).formData();
      for (const [field, value] of form.entries()) {
        if (typeof value === "string") request.body[field] = value;
        else {
          request.files.push({
            field,
            name: value.name,
            type: value.type,
            bytes: new Uint8Array(await value.arrayBuffer()),
          });
        }
      }
    }
    requests.push(request);
    return request;
  }

  const server = createServer((req, res) => {
    readBody(req)
      .then((bytes) => record(req, bytes))
      .then((request) => {
        if (request.method === "POST" && request.path === "/v1/chat/completions") {
          answerChat(res, request, chatQueue.shift() ?? defaultChat);
        } else if (request.method === "POST" && request.path === "/v1/audio/transcriptions") {
          answerTranscription(res, transcriptionQueue.shift() ?? { kind: "status", status: 500 });
        } else {
          sendError(res, 404, `fake: no route ${request.method} ${request.path}`);
        }
      })
      .catch((error: unknown) => sendError(res, 400, `fake: bad request: ${(error as Error).message}`));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => r.path === "/v1/chat/completions"),
    transcriptionRequests: () => requests.filter((r) => r.path === "/v1/audio/transcriptions"),
    queueChat: (...replies) => {
      chatQueue.push(...replies);
    },
    queueTranscription: (...replies) => {
      transcriptionQueue.push(...replies);
    },
    setDefaultChat: (reply) => {
      defaultChat = reply;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * HTTP side of the web chat: the page on `/`, its script and style, `/widget.js`, posting a
 * message (JSON, or multipart with one file), the SSE stream of a chat, and the chat's files.
 * The chat session token travels in the `x-chat-token` header, or `?t=` where the browser cannot
 * set headers (EventSource, <img>).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { MultipartFile } from "@fastify/multipart";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type StoredUpload, type WebChannel, WebChannelError } from "../channels/web/webChannel.js";
import { wellFormed } from "../text/wellFormed.js";
import type { ChatLimiter } from "./chatLimits.js";
import { sendError } from "./sendError.js";
import type { OpenStream, StreamRegistry } from "./streamLimits.js";
import { lookup, pickLanguage, publicDir, renderPage, webStrings } from "./webStrings.js";

/** Static assets served as-is, with their content types. */
const ASSETS: Record<string, string> = {
  "/chat.js": "text/javascript; charset=utf-8",
  "/chat.css": "text/css; charset=utf-8",
  "/board.js": "text/javascript; charset=utf-8",
  "/board.css": "text/css; charset=utf-8",
  "/widget.js": "text/javascript; charset=utf-8",
};

/** The chat page may be framed anywhere (that is what the widget does); nothing else may. */
const CHAT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob: https:; connect-src 'self'; object-src 'none'; frame-ancestors *; base-uri 'none'; form-action 'self'";

function tokenOf(req: FastifyRequest): string {
  const header = req.headers["x-chat-token"];
  if (typeof header === "string") return header;
  const query = req.query as Record<string, string | undefined>;
  return query.t ?? "";
}

function fieldValue(file: MultipartFile, name: string): string | undefined {
  const field = file.fields[name];
  const single = Array.isArray(field) ? field[0] : field;
  return single && single.type === "field" ? wellFormed(String(single.value)) : undefined;
}

/**
 * What a failure while reading a multipart body means: our own refusals pass through, system
 * errors (disk full…) stay server errors, anything else is a malformed body (busboy's
 * "Unexpected end of form", "Malformed part header", a client that hung up…).
 */
function multipartError(error: unknown): unknown {
  if (error instanceof WebChannelError) return error;
  const code = (error as { code?: unknown }).code;
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) return error;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code) && code !== "ECONNRESET") return error;
  return new WebChannelError("bad-multipart", 400, "Malformed multipart body");
}

/** The widget button's labels in both languages (it picks one from navigator.language). */
function widgetLabels(): string {
  const labels = Object.fromEntries(
    (["it", "en"] as const).map((language) => {
      const strings = webStrings(language);
      return [
        language,
        {
          open: lookup(strings, "chat.open"),
          close: lookup(strings, "chat.close"),
          title: lookup(strings, "chat.title"),
        },
      ];
    }),
  );
  return JSON.stringify(labels).replace(/</g, "\\u003c");
}

/** Registers the customer chat routes. */
export function registerChatRoutes(
  app: FastifyInstance,
  deps: { webChannel: WebChannel; streams: StreamRegistry; limiter: ChatLimiter },
): void {
  const { webChannel } = deps;
  const assetCache = new Map<string, string>();

  for (const [path, type] of Object.entries(ASSETS)) {
    app.get(path, async (_req, reply) => {
      let body = assetCache.get(path);
      if (body === undefined) {
        body = readFileSync(join(publicDir, path.slice(1)), "utf8");
        assetCache.set(path, body);
      }
      reply.type(type).header("cache-control", "no-cache");
      if (path === "/widget.js") {
        // Customers' own sites load this script: open it up from helmet's same-origin default.
        reply
          .header("access-control-allow-origin", "*")
          .header("cross-origin-resource-policy", "cross-origin");
        return body.replace("__SPORTELLO_LABELS__", widgetLabels());
      }
      return body;
    });
  }

  app.get("/", async (req, reply) => {
    const language = pickLanguage(req.headers["accept-language"]);
    const embed = (req.query as Record<string, string | undefined>).embed === "1";
    // The one page other sites may frame (the widget): its own CSP, and no X-Frame-Options.
    reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", CHAT_CSP)
      .removeHeader("x-frame-options");
    return renderPage("chat.html.tmpl", language, {
      embedClass: embed ? "embed" : "",
      maxMb: String(Math.round(webChannel.uploadLimits.maxBytes / 1024 / 1024)),
    });
  });

  // Counted before the body is read: a refused message costs no upload and stores nothing.
  const admit = async (req: FastifyRequest, reply: FastifyReply) => {
    const chatId = webChannel.chatIdFor(tokenOf(req));
    const admitted = await deps.limiter.admit(req.ip, chatId);
    if (admitted.ok) return undefined;
    reply.header("retry-after", String(admitted.retryAfterSeconds));
    return sendError(
      reply,
      429,
      admitted.code,
      `Too many ${admitted.code === "too-many-chats" ? "new chats from this address" : "messages"}: write again in ${admitted.retryAfterSeconds} s`,
    );
  };

  app.post("/chat/messages", { onRequest: admit }, async (req, reply) => {
    const token = tokenOf(req);
    const chatId = webChannel.chatIdFor(token);
    let body: Record<string, unknown>;
    const uploads: StoredUpload[] = [];
    if (req.isMultipart()) {
      let file: MultipartFile | undefined;
      try {
        file = await req.file();
        if (file) {
          uploads.push(
            await webChannel.saveUpload(chatId, {
              name: file.filename,
              mime: file.mimetype,
              stream: file.file,
              truncated: () => file!.file.truncated,
            }),
          );
        }
      } catch (error) {
        throw multipartError(error);
      }
      if (!file) return sendError(reply, 400, "empty-message", "Multipart message without a file");
      body = {
        clientId: fieldValue(file, "clientId"),
        text: fieldValue(file, "text") ?? "",
        languageHint: fieldValue(file, "languageHint"),
      };
    } else {
      const parsed = req.body;
      body =
        parsed && typeof parsed === "object" && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : {};
    }
    const str = (value: unknown) => (typeof value === "string" ? wellFormed(value) : undefined);
    const choice = str(body.choice)?.slice(0, 200);
    const languageHint = str(body.languageHint)?.slice(0, 35);
    const ids = uploads.map((u) => u.id);
    let result: { duplicate: boolean };
    try {
      result = await webChannel.receive({
        token,
        clientId: str(body.clientId) ?? "",
        text: str(body.text) ?? "",
        uploads,
        ...(choice ? { choice } : {}),
        ...(languageHint ? { languageHint } : {}),
      });
    } catch (error) {
      // A refused message leaves no file behind.
      await webChannel.discardUploads(ids);
      throw error;
    }
    if (result.duplicate) await webChannel.discardUploads(ids);
    else await webChannel.keepUploads(ids);
    return reply.code(202).send({ ok: true, duplicate: result.duplicate });
  });

  app.get("/chat/stream", async (req, reply) => {
    const chatId = webChannel.chatIdFor(tokenOf(req));
    let res: typeof reply.raw | null = null;
    let closed = false;
    const stream: OpenStream = {
      address: req.ip,
      chatId,
      close(reason) {
        closed = true;
        if (!res) return;
        // The browser's EventSource would reconnect (and replace the newer stream in turn).
        if (reason === "replaced") res.write("event: replaced\ndata: {}\n\n");
        res.end();
      },
    };
    const verdict = deps.streams.open(stream);
    if (!verdict.ok) {
      reply.header("retry-after", String(verdict.retryAfterSeconds));
      return sendError(reply, verdict.status, verdict.code, "Too many live chat streams: try again later");
    }
    req.raw.on("close", verdict.release);
    try {
      await webChannel.restore(chatId);
    } catch (error) {
      // Without history the chat still works live; the stored transcript stays in the database.
      req.log.warn({ err: error }, "web chat history could not be loaded");
    }
    if (req.raw.socket.destroyed || closed) {
      verdict.release();
      reply.hijack();
      if (closed) reply.raw.end();
      return;
    }
    const query = req.query as Record<string, string | undefined>;
    const lastEventId = (req.headers["last-event-id"] as string | undefined) ?? query.lastEventId;
    reply.hijack();
    res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      "x-content-type-options": "nosniff",
    });
    res.write("retry: 2000\n\n");
    const out = res;
    const unsubscribe = webChannel.subscribe(
      chatId,
      (event) => {
        out.write(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
      },
      lastEventId,
    );
    // Proxies drop idle connections; a comment line every 25 s keeps the stream open.
    const ping = setInterval(() => out.write(": ping\n\n"), 25_000);
    ping.unref();
    const cleanup = () => {
      clearInterval(ping);
      unsubscribe();
      verdict.release();
    };
    req.raw.on("close", cleanup);
    res.on("close", cleanup);
  });

  app.get("/chat/files/:id/:name", async (req, reply) => {
    const chatId = webChannel.chatIdFor(tokenOf(req));
    const { id } = req.params as { id: string };
    const stored = await webChannel.readUpload(id);
    // Same answer for "not yours" and "does not exist": ids must not be probeable.
    if (!stored || stored.meta.chatId !== chatId) return sendError(reply, 404, "not-found", "No such file");
    return sendUpload(reply, stored.meta, stored.bytes);
  });
}

/** Sends a stored upload; only media is shown inline, everything else is downloaded. */
export function sendUpload(reply: FastifyReply, meta: StoredUpload, bytes: Uint8Array): FastifyReply {
  // Only media is shown inline; documents, office files and archives are always downloaded.
  const inline = /^(image\/(jpeg|png|gif|webp|avif)|video\/|audio\/)/.test(meta.mime);
  const name = wellFormed(meta.name);
  const asciiName = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return reply
    .type(meta.mime)
    .header(
      "content-disposition",
      `${inline ? "inline" : "attachment"}; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    )
    .header("content-security-policy", "default-src 'none'; sandbox")
    .header("cache-control", "private, max-age=3600")
    .send(Buffer.from(bytes));
}

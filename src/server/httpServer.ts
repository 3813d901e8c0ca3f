/**
 * The one HTTP server of a sportello process (Fastify): the web chat on `/`, the embeddable
 * `/widget.js`, the staff board on `/staff`, `/health`, `/metrics`, and the webhooks other
 * channels mount (Telegram, Slack). Collaborators come in as parameters so tests can run it
 * against fakes and `npm start` against the real runtime.
 */
import multipart from "@fastify/multipart";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { ChannelState } from "../channels/port.js";
import type { WebChannel } from "../channels/web/webChannel.js";
import { WebChannelError } from "../channels/web/webChannel.js";
import type { BoardQueries } from "../desk/board/boardQueries.js";
import type { ManagerDesk } from "../desk/board/managerDesk.js";
import type { StaffAuth, StaffSession } from "../desk/board/staffAuth.js";
import type { CannedReplyService } from "../desk/cannedReplyService.js";
import type { StaffActions } from "../desk/port.js";
import type { Metrics } from "../observability/metrics.js";
import { type BoardRouteDeps, registerBoardRoutes } from "./boardRoutes.js";
import { registerChatRoutes } from "./chatRoutes.js";
import { sendError } from "./sendError.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The body exactly as received, for webhook signature checks (Slack). */
    rawBody?: string;
  }
}

/** What `/health` reports. */
export interface HealthReport {
  db: { reachable: boolean; error?: string };
  channels: Partial<Record<string, ChannelState>>;
  /** False while a component (database, channel, desk, bus) is in error; see `components`. */
  healthy?: boolean;
  [extra: string]: unknown;
}

/** A webhook another channel mounts on this server (POST). */
export interface WebhookRoute {
  path: string;
  handler: (req: {
    headers: Record<string, string | string[] | undefined>;
    body: unknown;
    rawBody?: string;
  }) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;
}

export interface HttpServerDeps {
  port: number;
  host: string;
  webChannel: WebChannel;
  staffActions: StaffActions;
  health: () => Promise<HealthReport>;
  metrics: Metrics;
  logger: FastifyBaseLogger;
  staffAuth: StaffAuth;
  /** Transcript and attachment queries for the board (until StaffActions offers them). */
  boardQueries?: BoardQueries;
  webhooks?: WebhookRoute[];
  /** The WhatsApp pairing QR payload while pairing, else null. */
  whatsappQr?: () => string | null;
  /** IANA zone the board shows times in (the policy's); default Europe/Rome. */
  timeZone?: string;
  /**
   * While no technician has credentials, a localhost sign-in with an unknown name registers that
   * technician through this (e.g. upsertTechnician), so a fresh `npm start` works at once.
   */
  localTechnician?: (name: string) => Promise<{ id: string; name: string } | null>;
  /** Reports and monthly statements for administrators (board pages); off when absent. */
  manager?: ManagerDesk;
  /** The preset's canned replies for the board's reply box. */
  cannedReplies?: CannedReplyService;
  /** Customer search and pages: database, preset, data folder, clock. */
  customers?: BoardRouteDeps["customers"];
  /** Whether a board session is an administrator's. */
  isAdmin?: (session: StaffSession) => Promise<boolean> | boolean;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  /** Listens on deps.host:deps.port; resolves to the base URL, e.g. `http://127.0.0.1:3000`. */
  start(): Promise<string>;
  /** Closes live streams and the server. */
  stop(): Promise<void>;
}

/** Builds the server (routes registered, not yet listening). */
export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Request lines would log chat tokens and login tokens from query strings.
    logController: new LogController({ disableRequestLogging: true }),
    // SSE streams never go idle; on shutdown every connection is cut so close() cannot hang.
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  });
  const streams = new Set<NodeJS.WritableStream & { end(): void }>();

  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    const raw = body as string;
    req.rawBody = raw;
    if (raw.trim() === "") return done(null, {});
    try {
      done(null, JSON.parse(raw));
    } catch {
      done(Object.assign(new Error("Malformed JSON body"), { statusCode: 400, code: "bad-json" }), undefined);
    }
  });
  app.addContentTypeParser("text/plain", { parseAs: "string" }, (req, body, done) => {
    req.rawBody = body as string;
    done(null, body);
  });
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (req, body, done) => {
    const raw = body as string;
    req.rawBody = raw;
    done(null, Object.fromEntries(new URLSearchParams(raw)));
  });

  void app.register(multipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: deps.webChannel.uploadLimits.maxBytes, files: 1, fields: 10, fieldSize: 16 * 1024 },
  });

  app.addHook("onSend", async (req, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    if (!reply.hasHeader("content-security-policy")) {
      reply.header(
        "content-security-policy",
        "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
    }
    void req;
    return payload;
  });

  app.addHook("onResponse", async (req, reply) => {
    req.log.debug({ method: req.method, path: req.url.split("?")[0], status: reply.statusCode }, "request");
  });

  app.addHook("preClose", async () => {
    for (const stream of streams) stream.end();
    streams.clear();
  });

  app.setNotFoundHandler((req, reply) => {
    sendError(reply, 404, "not-found", `No route for ${req.method} ${req.url.split("?")[0]}`);
  });

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof WebChannelError) return sendError(reply, error.status, error.code, error.message);
    const err = error as { statusCode?: number; code?: string; message?: string };
    const status = err.statusCode ?? 500;
    if (status === 413) return sendError(reply, 413, "file-too-large", "Request too large");
    if (status === 415) return sendError(reply, 415, "unsupported-type", "Unsupported content type");
    if (status >= 400 && status < 500) {
      return sendError(
        reply,
        status,
        err.code === "bad-json" ? "bad-json" : "bad-request",
        err.message ?? "",
      );
    }
    req.log.error({ err: error }, "request failed");
    return sendError(reply, 500, "internal", "Internal error");
  });

  app.get("/health", async (_req, reply) => {
    try {
      const report = await deps.health();
      const ok = report.db.reachable && report.healthy !== false;
      return reply.code(ok ? 200 : 503).send({ status: ok ? "ok" : "degraded", ...report });
    } catch (error) {
      return reply.code(503).send({ status: "error", error: (error as Error).message });
    }
  });

  app.get("/metrics", async (_req, reply) => {
    reply.type(deps.metrics.contentType);
    return deps.metrics.render();
  });

  for (const hook of deps.webhooks ?? []) {
    app.post(hook.path, async (req, reply) => {
      const result = await hook.handler({
        headers: req.headers,
        body: req.body,
        ...(req.rawBody !== undefined ? { rawBody: req.rawBody } : {}),
      });
      for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
      return reply.code(result.status).send(result.body ?? "");
    });
  }

  registerChatRoutes(app, { webChannel: deps.webChannel, streams });
  registerBoardRoutes(app, {
    staffActions: deps.staffActions,
    staffAuth: deps.staffAuth,
    webChannel: deps.webChannel,
    ...(deps.boardQueries ? { boardQueries: deps.boardQueries } : {}),
    ...(deps.whatsappQr ? { whatsappQr: deps.whatsappQr } : {}),
    timeZone: deps.timeZone ?? "Europe/Rome",
    ...(deps.localTechnician ? { localTechnician: deps.localTechnician } : {}),
    ...(deps.manager ? { manager: deps.manager } : {}),
    ...(deps.cannedReplies ? { cannedReplies: deps.cannedReplies } : {}),
    ...(deps.customers ? { customers: deps.customers } : {}),
    ...(deps.isAdmin ? { isAdmin: deps.isAdmin } : {}),
  });

  return {
    app,
    async start() {
      return app.listen({ port: deps.port, host: deps.host });
    },
    async stop() {
      await app.close();
    },
  };
}

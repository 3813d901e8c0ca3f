/**
 * The one HTTP server of a sportello process (Fastify): the web chat on `/`, the embeddable
 * `/widget.js`, the staff board on `/staff`, `/health`, `/metrics`, and the webhooks other
 * channels mount (Telegram, Slack). Collaborators come in as parameters so tests can run it
 * against fakes and `npm start` against the real runtime.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import multipart from "@fastify/multipart";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { ChannelState } from "../channels/port.js";
import type { WebChannel } from "../channels/web/webChannel.js";
import { WebChannelError } from "../channels/web/webChannel.js";
import { DEFAULT_LIMITS, type LimitsConfig } from "../config/limitsEnv.js";
import type { AttemptCounter } from "../data/attemptCounter.js";
import type { TokenBuckets } from "../data/tokenBuckets.js";
import type { BoardQueries } from "../desk/board/boardQueries.js";
import type { ManagerDesk } from "../desk/board/managerDesk.js";
import type { StaffAuth } from "../desk/board/staffAuth.js";
import type { CannedReplyService } from "../desk/cannedReplyService.js";
import type { StaffActions } from "../desk/port.js";
import type { Metrics } from "../observability/metrics.js";
import { wellFormed } from "../text/wellFormed.js";
import { type BoardAccessMode, isLocalRequest, registerBoardAuth } from "./boardAuth.js";
import { type BoardRouteDeps, registerBoardRoutes } from "./boardRoutes.js";
import { createChatLimiter } from "./chatLimits.js";
import { registerChatRoutes } from "./chatRoutes.js";
import { sendError } from "./sendError.js";
import { createSignInThrottle } from "./signInThrottle.js";
import { watchBodyRate } from "./slowBodies.js";
import { createStreamRegistry } from "./streamLimits.js";
import { registerHostCheck, registerWebHardening } from "./webHardening.js";

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

/** A webhook another channel mounts on this server (POST unless `method` says GET). */
export interface WebhookRoute {
  path: string;
  method?: "GET" | "POST";
  handler: (req: {
    headers: Record<string, string | string[] | undefined>;
    body: unknown;
    rawBody?: string;
    /** The query string's values. */
    query?: Record<string, unknown>;
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
   * Where the server is reachable from outside (PUBLIC_URL). Set: the board takes passwords
   * only (public mode). Unset: the board answers this machine only (localhost mode).
   */
  publicUrl?: string;
  /** Fastify's trustProxy (TRUST_PROXY): whose X-Forwarded-For / -Proto to believe. */
  trustProxy?: boolean | number | string | string[];
  /** More Host names to accept besides PUBLIC_URL's and the localhost names (ALLOWED_HOSTS). */
  allowedHosts?: string[];
  /** Requests per minute per client on every route (default 600). */
  perClientPerMinute?: number;
  /**
   * Where sign-in attempts are counted (the database: shared by every instance); unset, they are
   * counted in this process.
   */
  attempts?: AttemptCounter;
  /**
   * More routes, registered inside the hardened scope (Host check, CSRF, throttling, headers),
   * e.g. admin pages guarded with `requireAdmin` from boardAuth.ts.
   */
  routes?: ((scope: FastifyInstance) => void)[];
  /** What one client may ask (chat messages, new chats, streams, slowest body); defaults in limitsEnv.ts. */
  limits?: { [K in keyof Omit<LimitsConfig, "metricsToken">]?: Partial<LimitsConfig[K]> };
  /** Bearer token that opens /metrics to other hosts in public mode (METRICS_TOKEN). */
  metricsToken?: string;
  /** Where chat token buckets are kept (the database: shared by every instance); unset, in this process. */
  buckets?: TokenBuckets;
  /** Connection limits; defaults suit phones uploading 10 MB on a slow line. */
  timeouts?: Partial<HttpTimeouts>;
  /** Reports and monthly statements for administrators (board pages); off when absent. */
  manager?: ManagerDesk;
  /** The preset's canned replies for the board's reply box. */
  cannedReplies?: CannedReplyService;
  /** Customer search and pages: database, preset, data folder, clock. */
  customers?: BoardRouteDeps["customers"];
}

/** How long the server waits for clients. */
export interface HttpTimeouts {
  /** The whole request, headers and body (408 after). Default 120 s. */
  requestMs: number;
  /** The request headers. Default 15 s. */
  headersMs: number;
  /** A socket with no traffic either way (SSE streams ping more often). Default 30 s. */
  idleMs: number;
  /** An idle keep-alive connection between requests. Default 5 s. */
  keepAliveMs: number;
}

const DEFAULT_TIMEOUTS: HttpTimeouts = {
  requestMs: 120_000,
  headersMs: 15_000,
  idleMs: 30_000,
  keepAliveMs: 5_000,
};

export interface HttpServer {
  readonly app: FastifyInstance;
  /** Listens on deps.host:deps.port; resolves to the base URL, e.g. `http://127.0.0.1:3000`. */
  start(): Promise<string>;
  /** Closes live streams and the server. */
  stop(): Promise<void>;
}

/** Stable error codes for 4xx errors raised by Fastify and its plugins. */
const FASTIFY_CODES: Record<string, string> = {
  FST_CSRF_MISSING_SECRET: "csrf-invalid",
  FST_CSRF_INVALID_TOKEN: "csrf-invalid",
  FST_ERR_CTP_EMPTY_JSON_BODY: "bad-json",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported-type",
  FST_ERR_CTP_BODY_TOO_LARGE: "too-large",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad-request",
  FST_ERR_BAD_URL: "bad-url",
  FST_INVALID_MULTIPART_CONTENT_TYPE: "bad-multipart",
  FST_REQ_FILE_TOO_LARGE: "file-too-large",
  FST_PARTS_LIMIT: "bad-multipart",
  FST_FILES_LIMIT: "bad-multipart",
  FST_FIELDS_LIMIT: "bad-multipart",
  FST_PROTO_VIOLATION: "bad-multipart",
};

function clientErrorCode(status: number, code: string | undefined): string {
  if (code && FASTIFY_CODES[code]) return FASTIFY_CODES[code]!;
  // Our own codes (e.g. bad-json, too-many-attempts) pass through.
  if (code && /^[a-z][a-z-]{2,40}$/.test(code)) return code;
  if (status === 413) return "file-too-large";
  if (status === 415) return "unsupported-type";
  if (status === 429) return "too-many-attempts";
  return "bad-request";
}

/** Whether an Authorization header carries `token` as a bearer token (constant time). */
function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

/** Builds the server (routes registered, not yet listening). */
export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const limits = {
    chat: { ...DEFAULT_LIMITS.chat, ...deps.limits?.chat },
    streams: { ...DEFAULT_LIMITS.streams, ...deps.limits?.streams },
    upload: { ...DEFAULT_LIMITS.upload, ...deps.limits?.upload },
  };
  const app = Fastify<Server>({
    loggerInstance: deps.logger,
    // Request lines would log chat tokens and invite tokens from query strings.
    logController: new LogController({ disableRequestLogging: true }),
    // SSE streams never go idle; on shutdown every connection is cut so close() cannot hang.
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
    // A hop count is valid for Fastify (proxy-addr) though its types omit it.
    trustProxy: (deps.trustProxy ?? false) as boolean | string | string[],
    // Our own http.Server, so the timeouts are checked every second rather than every 30 s.
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      const server = createServer(
        {
          requestTimeout: timeouts.requestMs,
          headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
          keepAliveTimeout: timeouts.keepAliveMs,
          connectionsCheckingInterval: Math.min(1000, timeouts.headersMs),
          maxHeaderSize: 16 * 1024,
        },
        (req, res) => {
          watchBodyRate(req, res, limits.upload);
          handler(req, res);
        },
      );
      server.setTimeout(timeouts.idleMs);
      return server;
    },
  });
  const streams = createStreamRegistry(limits.streams);
  const chatLimiter = createChatLimiter({
    settings: limits.chat,
    ...(deps.buckets ? { buckets: deps.buckets } : {}),
    ...(deps.attempts ? { attempts: deps.attempts } : {}),
    onStoreError: (error) => deps.logger.warn({ err: error }, "chat limits counted in this process"),
  });

  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    const raw = body as string;
    req.rawBody = raw;
    if (raw.trim() === "") return done(null, {});
    try {
      // Lone surrogates ("\ud83d") become U+FFFD so no later encoder throws on them.
      done(
        null,
        JSON.parse(raw, (_key, value) => (typeof value === "string" ? wellFormed(value) : value)),
      );
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

  registerBoardAuth(app, {
    staffAuth: deps.staffAuth,
    mode: (deps.publicUrl ? "public" : "localhost") satisfies BoardAccessMode,
  });
  const hardening = {
    listenHost: deps.host,
    ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}),
    ...(deps.allowedHosts ? { allowedHosts: deps.allowedHosts } : {}),
    ...(deps.perClientPerMinute ? { perClientPerMinute: deps.perClientPerMinute } : {}),
    ...(deps.attempts ? { attempts: deps.attempts } : {}),
  };
  registerHostCheck(app, hardening);

  void app.register(multipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: deps.webChannel.uploadLimits.maxBytes, files: 1, fields: 10, fieldSize: 16 * 1024 },
  });

  app.addHook("onResponse", async (req, reply) => {
    req.log.debug({ method: req.method, path: req.url.split("?")[0], status: reply.statusCode }, "request");
  });

  app.addHook("preClose", async () => {
    streams.closeAll();
  });

  app.setNotFoundHandler((req, reply) => {
    sendError(reply, 404, "not-found", `No route for ${req.method} ${req.url.split("?")[0]}`);
  });

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof WebChannelError) return sendError(reply, error.status, error.code, error.message);
    const err = error as { statusCode?: number; code?: string; message?: string };
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = clientErrorCode(status, err.code);
      return sendError(reply, status, code, status === 413 ? "Request too large" : (err.message ?? code));
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

  app.get("/metrics", async (req, reply) => {
    // Public mode: the figures are for this machine's Prometheus, or one holding METRICS_TOKEN.
    if (
      deps.publicUrl &&
      !isLocalRequest(req) &&
      !bearerMatches(req.headers.authorization, deps.metricsToken)
    ) {
      reply.header("www-authenticate", 'Bearer realm="metrics"');
      return sendError(reply, 401, "metrics-token-required", "Metrics: loopback only, or a bearer token");
    }
    reply.type(deps.metrics.contentType);
    return deps.metrics.render();
  });

  // One scope for the routes, so the hardening plugins are loaded before any route is added
  // (rate-limit and helmet hook into routes as they are declared).
  void app.register(async (scope) => {
    await registerWebHardening(scope, hardening);
    for (const hook of deps.webhooks ?? []) {
      const mount = hook.method === "GET" ? scope.get.bind(scope) : scope.post.bind(scope);
      mount(hook.path, async (req, reply) => {
        const result = await hook.handler({
          headers: req.headers,
          body: req.body,
          ...(req.rawBody !== undefined ? { rawBody: req.rawBody } : {}),
          query: (req.query ?? {}) as Record<string, unknown>,
        });
        for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
        return reply.code(result.status).send(result.body ?? "");
      });
    }
    registerChatRoutes(scope, { webChannel: deps.webChannel, streams, limiter: chatLimiter });
    registerBoardRoutes(scope, {
      staffActions: deps.staffActions,
      staffAuth: deps.staffAuth,
      webChannel: deps.webChannel,
      ...(deps.boardQueries ? { boardQueries: deps.boardQueries } : {}),
      ...(deps.whatsappQr ? { whatsappQr: deps.whatsappQr } : {}),
      timeZone: deps.timeZone ?? "Europe/Rome",
      throttle: createSignInThrottle(deps.attempts, (error) =>
        deps.logger.warn({ err: error }, "sign-in attempts counted in this process"),
      ),
      ...(deps.manager ? { manager: deps.manager } : {}),
      ...(deps.cannedReplies ? { cannedReplies: deps.cannedReplies } : {}),
      ...(deps.customers ? { customers: deps.customers } : {}),
    });
    for (const register of deps.routes ?? []) register(scope);
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

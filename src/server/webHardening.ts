/**
 * What the web server refuses before any route runs, with kept Fastify plugins:
 *
 * - **Host allow-list**: only `PUBLIC_URL`'s host, the localhost names and `ALLOWED_HOSTS`
 *   (421 `host-not-allowed`), so a DNS-rebinding page cannot talk to a localhost board.
 * - **Security headers and CSP** (@fastify/helmet): scripts and styles from this origin only;
 *   the chat page alone may be framed (the widget), see chatRoutes.ts.
 * - **Cookies and CSRF** (@fastify/cookie, @fastify/csrf-protection): the CSRF secret lives in
 *   an HttpOnly SameSite=Strict cookie; forms and board API calls carry the token.
 * - **Throttling** (@fastify/rate-limit): per client (the real client behind a trusted proxy),
 *   plus per-account limits on sign-in routes (boardLoginRoutes.ts).
 */
import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AttemptCounter } from "../data/attemptCounter.js";
import { sendError } from "./sendError.js";
import { sharedRateLimitStore } from "./sharedRateLimitStore.js";

export interface WebHardeningOptions {
  /** Where the server is reachable from outside (PUBLIC_URL); its host is allowed. */
  publicUrl?: string;
  /** The address the server listens on; allowed as a Host when it is a specific one. */
  listenHost: string;
  /** More Host names to accept (ALLOWED_HOSTS). */
  allowedHosts?: string[];
  /** Requests per minute per client on every route (default 600). */
  perClientPerMinute?: number;
  /** Where keys made by {@link sharedLimitKey} are counted (else in this process). */
  attempts?: AttemptCounter;
}

const SHARED_PREFIX = "shared:";

/**
 * A rate-limit key counted by every instance together (in the database, when the server has an
 * attempt counter): for limits that several instances must not multiply, such as sign-in attempts.
 */
export function sharedLimitKey(key: string): string {
  return `${SHARED_PREFIX}${key}`;
}

const LOCAL_NAMES = ["localhost", "127.0.0.1", "[::1]", "::1"];
/** Routes any Host may reach: container and load-balancer health probes use an IP. */
const ANY_HOST = new Set(["/health"]);

/** The hostname of a Host header value (port and trailing dot removed, lower case); null when malformed. */
export function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  const value = host.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9._~%!$&'()*+,;=-]+)(?::(\d{1,5}))?$/.exec(value);
  return match ? match[1]!.replace(/\.$/, "") : null;
}

/** The Host names the server answers to. */
export function allowedHostnames(options: WebHardeningOptions): Set<string> {
  const names = new Set(LOCAL_NAMES);
  if (options.publicUrl) names.add(new URL(options.publicUrl).hostname.toLowerCase());
  const listen = options.listenHost.toLowerCase();
  if (!["0.0.0.0", "::", "[::]", ""].includes(listen))
    names.add(listen.includes(":") ? `[${listen}]` : listen);
  for (const extra of options.allowedHosts ?? []) {
    const name = hostnameOf(extra);
    if (name) names.add(name);
  }
  return names;
}

/** Refuses requests whose Host is not allowed (421 `host-not-allowed`); on the root instance, before routes. */
export function registerHostCheck(app: FastifyInstance, options: WebHardeningOptions): void {
  const allowed = allowedHostnames(options);
  app.addHook("onRequest", async (req, reply) => {
    if (ANY_HOST.has(req.url.split("?")[0]!)) return;
    const name = hostnameOf(req.headers.host);
    if (!name || !allowed.has(name)) {
      return sendError(reply, 421, "host-not-allowed", "This server does not answer to that host name");
    }
  });
}

/** Registers helmet, cookie, CSRF and rate-limit on a scope (await it before adding routes). */
export async function registerWebHardening(
  app: FastifyInstance,
  options: WebHardeningOptions,
): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:", "blob:"],
        mediaSrc: ["'self'", "blob:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The widget script is loaded by customers' sites; chatRoutes.ts opens it up per route.
    crossOriginResourcePolicy: { policy: "same-origin" },
    crossOriginEmbedderPolicy: false,
    // Not no-referrer: Chromium then sends `Origin: null` on same-origin form posts, which the
    // CSRF origin check must refuse. Other sites still get no referrer.
    referrerPolicy: { policy: "same-origin" },
    // HSTS only makes sense (and is only sent) over HTTPS.
    strictTransportSecurity: options.publicUrl?.startsWith("https:")
      ? { maxAge: 180 * 24 * 3600, includeSubDomains: false }
      : false,
  });

  await app.register(cookie);
  await app.register(csrf, {
    cookieKey: "sportello_csrf",
    cookieOpts: { path: "/", sameSite: "strict", httpOnly: true, secure: "auto" },
  });

  await app.register(rateLimit, {
    ...(options.attempts
      ? { store: sharedRateLimitStore(options.attempts, (key) => key.startsWith(SHARED_PREFIX)) }
      : {}),
    global: true,
    max: options.perClientPerMinute ?? 600,
    timeWindow: 60_000,
    // The real client's address: with TRUST_PROXY, Fastify takes it from X-Forwarded-For.
    keyGenerator: (req: FastifyRequest) => req.ip,
    allowList: (req) => ANY_HOST.has(req.url.split("?")[0]!),
    errorResponseBuilder: (_req, context) =>
      Object.assign(new Error(`Too many requests: try again in ${context.after}`), {
        statusCode: 429,
        code: "too-many-attempts",
      }),
  });
}

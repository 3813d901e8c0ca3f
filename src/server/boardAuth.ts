/**
 * The HTTP side of staff access: the session cookie, the two board modes, and the guards routes
 * put in front of themselves.
 *
 * Guard a route (or a whole plugin) with {@link requireStaff} or {@link requireAdmin}:
 *
 * ```ts
 * app.get("/staff/api/exports", { preHandler: requireAdmin }, async (req) => {
 *   req.staff!.technician.name; // the signed-in admin
 * });
 * // or every route of a plugin:
 * app.register(async (admin) => {
 *   admin.addHook("preHandler", requireAdmin);
 *   admin.post("/staff/api/admin/presets", async (req) => …);
 * });
 * ```
 *
 * Both answer 401 `login-required` without a valid session, 403 `localhost-only` in localhost mode
 * when the request does not come from this machine, and for state-changing methods 403
 * `cross-origin` / `csrf-invalid` unless the request is same-origin and carries the page's CSRF
 * token (`x-csrf-token` header or `_csrf` form field; pages get it from {@link csrfTokenFor}).
 * {@link requireAdmin} adds 403 `admin-required` for technicians.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { StaffAuth, StaffRole, StaffSession } from "../desk/board/staffAuth.js";
import { sendError } from "./sendError.js";

/** Cookie holding the board session token. */
export const STAFF_COOKIE = "sportello_staff";

/**
 * `localhost`: no PUBLIC_URL; the board answers this machine only, and technicians without a
 * password may be picked by whoever sits at it. `public`: PUBLIC_URL is set; passwords only.
 */
export type BoardAccessMode = "localhost" | "public";

/** What the guards need; decorated on the Fastify instance by {@link registerBoardAuth}. */
export interface BoardAuthContext {
  staffAuth: StaffAuth;
  mode: BoardAccessMode;
}

declare module "fastify" {
  interface FastifyInstance {
    boardAuth: BoardAuthContext;
  }
  interface FastifyRequest {
    /** The signed-in technician, set by {@link requireStaff} / {@link requireAdmin}. */
    staff: StaffSession | null;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Decorates the instance with the board auth context (call once, on the root instance). */
export function registerBoardAuth(app: FastifyInstance, context: BoardAuthContext): void {
  app.decorate("boardAuth", context);
  app.decorateRequest("staff", null);
}

/** Whether a request comes straight from this machine (a loopback socket, no proxy headers). */
export function isLocalRequest(req: FastifyRequest): boolean {
  const address = req.socket.remoteAddress ?? "";
  const loopback = address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
  const proxied = ["x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host"].some(
    (h) => req.headers[h] !== undefined,
  );
  return loopback && !proxied;
}

/** Whether the board refuses this request outright (localhost mode, not from this machine). */
export function boardClosedTo(req: FastifyRequest): boolean {
  return req.server.boardAuth.mode === "localhost" && !isLocalRequest(req);
}

/** The session of a request, or null (no cookie, expired, revoked, or a local session out of place). */
export async function sessionOf(req: FastifyRequest): Promise<StaffSession | null> {
  const { staffAuth, mode } = req.server.boardAuth;
  const session = await staffAuth.resolve(req.cookies[STAFF_COOKIE]);
  if (!session) return null;
  if (session.mode === "local" && (mode !== "localhost" || !isLocalRequest(req))) return null;
  return session;
}

/** Sets (or with null clears) the session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS. */
export function setSessionCookie(
  reply: FastifyReply,
  issued: { token: string; session: StaffSession } | null,
): void {
  if (!issued) {
    reply.clearCookie(STAFF_COOKIE, { path: "/staff" });
    return;
  }
  reply.setCookie(STAFF_COOKIE, issued.token, {
    path: "/staff",
    httpOnly: true,
    sameSite: "lax",
    secure: "auto",
    expires: issued.session.expiresAt,
  });
}

/** A CSRF token for a page's forms and API calls (sets the CSRF secret cookie on first use). */
export function csrfTokenFor(reply: FastifyReply): string {
  return reply.generateCsrf();
}

/** 403 unless a state-changing request is same-origin and carries a valid CSRF token. */
export async function checkCsrf(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (SAFE_METHODS.has(req.method)) return undefined;
  const origin = req.headers.origin;
  const site = req.headers["sec-fetch-site"];
  if ((origin !== undefined && !sameOrigin(origin, req)) || site === "cross-site") {
    return sendError(reply, 403, "cross-origin", "Cross-origin request refused");
  }
  // @fastify/csrf-protection's check, with its failure turned into our stable error body.
  const failure = await new Promise<Error | null>((resolve) => {
    req.server.csrfProtection(
      req,
      // The secret cookie is not signed, so csrfProtection only ever calls send() on this reply.
      { send: (error: Error) => resolve(error) } as never,
      () => resolve(null),
    );
  });
  if (failure) {
    return sendError(
      reply,
      403,
      "csrf-invalid",
      "Missing or invalid CSRF token: reload the page and try again",
    );
  }
  return undefined;
}

/** The Origin names this server's own host (a TLS proxy in front may change the scheme). */
function sameOrigin(origin: string, req: FastifyRequest): boolean {
  try {
    const url = new URL(origin);
    return url.host === req.host && (url.protocol === "https:" || url.protocol === "http:");
  } catch {
    return false;
  }
}

async function guard(req: FastifyRequest, reply: FastifyReply, role: StaffRole | null) {
  if (boardClosedTo(req)) {
    return sendError(
      reply,
      403,
      "localhost-only",
      "This board is open from this computer only (no PUBLIC_URL)",
    );
  }
  const session = await sessionOf(req);
  if (!session) return sendError(reply, 401, "login-required", "Sign in first");
  const refused = await checkCsrf(req, reply);
  if (refused) return refused;
  if (role === "admin" && session.technician.role !== "admin") {
    return sendError(reply, 403, "admin-required", "Only an admin can do this");
  }
  req.staff = session;
  return undefined;
}

/**
 * preHandler: a signed-in technician (any role); sets `req.staff`. State-changing methods also
 * need same-origin and the CSRF token.
 */
export async function requireStaff(req: FastifyRequest, reply: FastifyReply) {
  return guard(req, reply, null);
}

/** preHandler: like {@link requireStaff}, and the technician must be an admin (403 `admin-required`). */
export async function requireAdmin(req: FastifyRequest, reply: FastifyReply) {
  return guard(req, reply, "admin");
}

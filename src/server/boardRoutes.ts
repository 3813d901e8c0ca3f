/**
 * HTTP side of the staff board: login (password, token link, or — while no credentials exist —
 * localhost only), the board page, and a small JSON API over {@link StaffActions}. The page
 * polls the API every few seconds for live updates.
 *
 * CSRF: the session cookie is SameSite=Lax and every state-changing API call must be JSON with
 * a same-origin (or absent) Origin header, which a cross-site form cannot produce.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import QRCode from "qrcode";
import type { WebChannel } from "../channels/web/webChannel.js";
import type { BoardQueries } from "../desk/board/boardQueries.js";
import type { ManagerDesk } from "../desk/board/managerDesk.js";
import type { StaffAuth, StaffSession } from "../desk/board/staffAuth.js";
import type { CannedReplyService } from "../desk/cannedReplyService.js";
import type { StaffAction, StaffActions, TechnicianRef, TicketFilter, TicketView } from "../desk/port.js";
import { sendUpload } from "./chatRoutes.js";
import { type CustomerRouteDeps, registerCustomerRoutes } from "./customerRoutes.js";
import { registerManagerRoutes } from "./managerRoutes.js";
import { registerReplyRoutes } from "./replyRoutes.js";
import { sendError } from "./sendError.js";
import { escapeHtml, lookup, pickLanguage, renderPage, webStrings } from "./webStrings.js";

/** Cookie holding the signed staff session. */
export const STAFF_COOKIE = "sportello_staff";

const FILTERS: readonly TicketFilter[] = ["open", "mine", "unclaimed", "today", "all"];
const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
const MAX_FAILURES = 10;
/** Names a technician may have (the same rule as `sportello staff add`). */
const TECHNICIAN_NAME = /^[\p{L}\p{N} ._'-]{2,60}$/u;
const FAILURE_WINDOW_MS = 10 * 60 * 1000;
/** Longest sales representative's name accepted (as in the Slack Authorize modal). */
const MAX_SALES_REP = 120;

/** Whether a request comes straight from this machine (not through a proxy that runs on it). */
export function isLocalRequest(req: FastifyRequest): boolean {
  const address = req.raw.socket.remoteAddress ?? "";
  const loopback = address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
  const proxied = ["x-forwarded-for", "forwarded", "x-real-ip"].some((h) => req.headers[h] !== undefined);
  return loopback && !proxied;
}

/** Host of an Origin header; null for `null` (sandboxed frames) or garbage. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

function technicianRef(session: StaffSession): TechnicianRef {
  return session.technician.id ? { id: session.technician.id } : { name: session.technician.name };
}

export interface BoardRouteDeps {
  staffActions: StaffActions;
  staffAuth: StaffAuth;
  webChannel: WebChannel;
  boardQueries?: BoardQueries;
  whatsappQr?: () => string | null;
  timeZone: string;
  localTechnician?: (name: string) => Promise<{ id: string; name: string } | null>;
  /** Reports and statements (admin pages); off when absent. */
  manager?: ManagerDesk;
  /** The preset's canned replies, offered in the reply box. */
  cannedReplies?: CannedReplyService;
  /** Customer search and pages (history, admins' edits, export and erasure). */
  customers?: Omit<CustomerRouteDeps, "access" | "isAdmin">;
  /** Whether a session is an administrator's (default: the localhost session of a fresh install). */
  isAdmin?: (session: StaffSession) => Promise<boolean> | boolean;
}

/** Registers `/staff` and `/staff/api/*`. */
export function registerBoardRoutes(app: FastifyInstance, deps: BoardRouteDeps): void {
  const { staffAuth, staffActions } = deps;
  const failures = new Map<string, number[]>();

  function tooManyFailures(ip: string): boolean {
    const now = Date.now();
    const recent = (failures.get(ip) ?? []).filter((t) => now - t < FAILURE_WINDOW_MS);
    failures.set(ip, recent);
    return recent.length >= MAX_FAILURES;
  }
  function recordFailure(ip: string): void {
    // Bounded: under a spray from many addresses the oldest entries go first.
    if (failures.size > 10_000) failures.delete(failures.keys().next().value as string);
    failures.set(ip, [...(failures.get(ip) ?? []), Date.now()]);
  }

  function setSession(req: FastifyRequest, reply: FastifyReply, session: StaffSession | null): void {
    const secure = req.protocol === "https" ? "; Secure" : "";
    const value = session ? encodeURIComponent(staffAuth.sign(session)) : "";
    const maxAge = session ? Math.max(0, Math.floor((session.exp - Date.now()) / 1000)) : 0;
    reply.header(
      "set-cookie",
      `${STAFF_COOKIE}=${value}; Path=/staff; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`,
    );
  }

  /**
   * The session of a request, or why there is none: `forbidden` (nothing configured and not
   * local), `login` (must log in).
   */
  async function access(req: FastifyRequest): Promise<StaffSession | "forbidden" | "login"> {
    const configured = await staffAuth.configured();
    if (!configured && !isLocalRequest(req)) return "forbidden";
    const session = staffAuth.verify(readCookie(req, STAFF_COOKIE));
    if (!session) return "login";
    // A localhost session stops counting as soon as real credentials exist.
    if (session.mode === "local" && (configured || !isLocalRequest(req))) return "login";
    return session;
  }

  function loginPage(req: FastifyRequest, reply: FastifyReply, mode: "local" | "password", error?: string) {
    const language = pickLanguage(req.headers["accept-language"]);
    const strings = webStrings(language);
    reply.type("text/html; charset=utf-8");
    return renderPage("login.html.tmpl", language, {
      error: error ? `<p class="error" role="alert">${escapeHtml(lookup(strings, error))}</p>` : "",
      mode,
      intro: mode === "local" ? `<p>${escapeHtml(lookup(strings, "board.localOnly"))}</p>` : "",
      passwordField:
        mode === "password"
          ? `<label for="password">${escapeHtml(lookup(strings, "board.password"))}</label><input id="password" name="password" type="password" autocomplete="current-password" required>`
          : "",
    });
  }

  function forbidden(reply: FastifyReply) {
    return sendError(
      reply,
      403,
      "localhost-only",
      "No staff credentials configured: the board is open from localhost only",
    );
  }

  app.get("/staff/login", async (req, reply) => {
    const configured = await staffAuth.configured();
    if (!configured && !isLocalRequest(req)) return forbidden(reply);
    const token = (req.query as Record<string, string | undefined>).token;
    if (token !== undefined) {
      const ip = req.raw.socket.remoteAddress ?? "";
      if (tooManyFailures(ip)) return sendError(reply, 429, "too-many-attempts", "Too many failed logins");
      const session = await staffAuth.loginWithToken(token);
      if (!session) {
        recordFailure(ip);
        reply.code(401);
        return loginPage(req, reply, configured ? "password" : "local", "board.badToken");
      }
      setSession(req, reply, session);
      // Redirect so the token does not stay in the address bar or history.
      return reply.redirect("/staff", 303);
    }
    return loginPage(req, reply, configured ? "password" : "local");
  });

  app.post("/staff/login", async (req, reply) => {
    const configured = await staffAuth.configured();
    if (!configured && !isLocalRequest(req)) return forbidden(reply);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === "string" ? body.name.trim().slice(0, 100) : "";
    const password = typeof body.password === "string" ? body.password.slice(0, 1000) : "";
    const ip = req.raw.socket.remoteAddress ?? "";
    if (tooManyFailures(ip)) return sendError(reply, 429, "too-many-attempts", "Too many failed logins");
    let session: StaffSession | null = null;
    if (configured) {
      session = name && password ? await staffAuth.loginWithPassword(name, password) : null;
    } else {
      let technician: { id: string; name: string } | null = name
        ? await staffActions.findTechnician({ name })
        : null;
      // Zero configuration: whoever sits at this machine may register themselves by name.
      if (!technician && deps.localTechnician && TECHNICIAN_NAME.test(name)) {
        technician = await deps.localTechnician(name);
      }
      session = technician
        ? {
            ...staffAuth.localSession(technician.name),
            technician: { id: technician.id, name: technician.name },
          }
        : null;
    }
    if (!session) {
      recordFailure(ip);
      reply.code(401);
      return loginPage(
        req,
        reply,
        configured ? "password" : "local",
        configured ? "board.badLogin" : "board.errors.not-technician",
      );
    }
    setSession(req, reply, session);
    return reply.redirect("/staff", 303);
  });

  // Canned replies, files to customers, and (with a manager desk) the admin pages.
  const gate = { access, isAdmin: deps.isAdmin ?? ((session: StaffSession) => session.mode === "local") };
  registerReplyRoutes(app, {
    ...gate,
    staffActions,
    ...(deps.cannedReplies ? { cannedReplies: deps.cannedReplies } : {}),
  });
  registerManagerRoutes(app, { ...gate, ...(deps.manager ? { manager: deps.manager } : {}) });
  if (deps.customers) registerCustomerRoutes(app, { ...gate, ...deps.customers });

  app.post("/staff/logout", async (req, reply) => {
    setSession(req, reply, null);
    return reply.redirect("/staff/login", 303);
  });

  app.get("/staff", async (req, reply) => {
    const session = await access(req);
    if (session === "forbidden") return forbidden(reply);
    if (session === "login") return reply.redirect("/staff/login", 303);
    const language = pickLanguage(req.headers["accept-language"]);
    reply.type("text/html; charset=utf-8");
    return renderPage("board.html.tmpl", language, {
      technician: escapeHtml(session.technician.name),
      timeZone: escapeHtml(deps.timeZone),
    });
  });

  // Everything under /staff/api and /staff/files needs a session.
  app.register(async (api) => {
    api.decorateRequest("staff", null);
    api.addHook("preHandler", async (req, reply) => {
      const session = await access(req);
      if (session === "forbidden") return forbidden(reply);
      if (session === "login") return sendError(reply, 401, "login-required", "Log in first");
      if (req.method !== "GET") {
        const type = req.headers["content-type"] ?? "";
        const origin = req.headers.origin;
        const host = req.headers.host;
        if (!type.startsWith("application/json")) {
          return sendError(reply, 415, "json-required", "State changes must be JSON");
        }
        if (origin && host && originHost(origin) !== host) {
          return sendError(reply, 403, "cross-origin", "Cross-origin request refused");
        }
      }
      (req as FastifyRequest & { staff?: StaffSession }).staff = session;
    });

    const sessionOf = (req: FastifyRequest) => (req as FastifyRequest & { staff: StaffSession }).staff;

    api.get("/staff/api/me", async (req) => {
      const session = sessionOf(req);
      return { name: session.technician.name, mode: session.mode };
    });

    api.get("/staff/api/tickets", async (req) => {
      const query = req.query as Record<string, string | undefined>;
      const filter = FILTERS.includes(query.filter as TicketFilter) ? (query.filter as TicketFilter) : "open";
      const priority = PRIORITIES.find((p) => p === query.priority);
      let tickets: TicketView[] = await staffActions.listTickets(filter, technicianRef(sessionOf(req)));
      if (priority) tickets = tickets.filter((t) => t.priority === priority);
      return { tickets };
    });

    api.get("/staff/api/tickets/:number", async (req, reply) => {
      const { number } = req.params as { number: string };
      const ticket = await staffActions.getTicket(number);
      if (!ticket) return sendError(reply, 404, "unknown-ticket", `No ticket ${number}`);
      const transcript = deps.boardQueries ? await deps.boardQueries.transcript(number) : null;
      return { ticket, transcript };
    });

    api.get("/staff/api/tickets/:number/charge", async (req, reply) => {
      const { number } = req.params as { number: string };
      const query = req.query as Record<string, string | undefined>;
      const minutes = Number(query.minutes);
      if (!Number.isInteger(minutes) || minutes < 0 || minutes > 24 * 60 * 31) {
        return sendError(reply, 400, "invalid-input", "minutes must be a whole number");
      }
      const charge = await staffActions.previewCharge(number, minutes, query.plan || undefined);
      return { charge };
    });

    api.post("/staff/api/tickets/:number/actions", async (req, reply) => {
      const { number } = req.params as { number: string };
      const body = (req.body ?? {}) as Record<string, unknown>;
      const by = technicianRef(sessionOf(req));
      const text = typeof body.text === "string" ? body.text.trim().slice(0, 4000) : "";
      let action: StaffAction;
      switch (body.type) {
        case "claim":
          action = { type: "claim", ticket: number, by };
          break;
        case "reply":
        case "note":
        case "ask":
          if (!text) return sendError(reply, 400, "invalid-input", "text is required");
          // The origin lets other desks tell the board's replies from their own echoes.
          action =
            body.type === "note"
              ? { type: "note", ticket: number, by, text }
              : { type: body.type, ticket: number, by, text, origin: "board" };
          break;
        case "close": {
          const minutes = Number(body.minutes);
          const resolution = typeof body.resolution === "string" ? body.resolution.trim().slice(0, 4000) : "";
          if (!Number.isInteger(minutes) || minutes < 0 || !resolution) {
            return sendError(reply, 400, "invalid-input", "minutes and resolution are required");
          }
          const category = body.category === undefined || body.category === "" ? undefined : body.category;
          if (category !== undefined) {
            const keys = (await staffActions.listCategories?.())?.map((c) => c.key);
            if (typeof category !== "string" || (keys && !keys.includes(category))) {
              return sendError(
                reply,
                400,
                "invalid-input",
                `category must be one of the preset's categories${keys ? ` (${keys.join(", ")})` : ""}`,
              );
            }
          }
          action = {
            type: "close",
            ticket: number,
            by,
            minutes,
            resolution,
            ...(category !== undefined ? { category } : {}),
          };
          break;
        }
        case "authorize": {
          const salesRep = typeof body.salesRep === "string" ? body.salesRep.trim() : "";
          if (!salesRep || salesRep.length > MAX_SALES_REP) {
            return sendError(
              reply,
              400,
              "invalid-input",
              `salesRep (the sales representative who authorized) is required, at most ${MAX_SALES_REP} characters`,
            );
          }
          action = { type: "authorize", ticket: number, by, salesRep };
          break;
        }
        case "ack-page":
          action = { type: "ack-page", ticket: number, by };
          break;
        case "reopen":
          action = { type: "reopen", ticket: number, by, ...(text ? { reason: text } : {}) };
          break;
        default:
          return sendError(reply, 400, "invalid-input", "unknown action type");
      }
      const result = await staffActions.perform(action);
      if (!result.ok) {
        const status =
          result.code === "unknown-ticket"
            ? 404
            : result.code === "not-technician"
              ? 403
              : result.code === "invalid-input"
                ? 400
                : 409;
        return sendError(reply, status, result.code, result.message);
      }
      return result;
    });

    // null when the runtime cannot list them: the close form then sends no category.
    api.get("/staff/api/categories", async () => ({
      categories: (await staffActions.listCategories?.()) ?? null,
    }));

    api.get("/staff/api/whatsapp", async () => {
      const qr = deps.whatsappQr?.() ?? null;
      return { qrSvg: qr ? await QRCode.toString(qr, { type: "svg", margin: 1 }) : null };
    });

    api.get("/staff/files/:id", async (req, reply) => {
      const { id } = req.params as { id: string };
      const stored = await deps.webChannel.readUpload(id);
      if (!stored) return sendError(reply, 404, "not-found", "No such file");
      return sendUpload(reply, stored.meta, stored.bytes);
    });

    api.get("/staff/api/tickets/:number/attachment", async (req, reply) => {
      const { number } = req.params as { number: string };
      const ref = (req.query as Record<string, string | undefined>).ref ?? "";
      const found = deps.boardQueries?.attachment ? await deps.boardQueries.attachment(number, ref) : null;
      if (!found) return sendError(reply, 404, "not-found", "Attachment not available");
      return sendUpload(
        reply,
        {
          id: "",
          chatId: "",
          name: found.name,
          mime: found.mime,
          size: found.bytes.byteLength,
          kind: "other",
        },
        found.bytes,
      );
    });
  });
}

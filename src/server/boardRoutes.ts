/**
 * HTTP side of the staff board: the board page and a small JSON API over {@link StaffActions}.
 * The page polls the API every few seconds for live updates. Access: see boardAuth.ts (every
 * API route is behind `requireStaff`: a session, and for changes same-origin + CSRF token).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import QRCode from "qrcode";
import type { WebChannel } from "../channels/web/webChannel.js";
import type { BoardQueries } from "../desk/board/boardQueries.js";
import type { ManagerDesk } from "../desk/board/managerDesk.js";
import type { StaffAuth, StaffSession } from "../desk/board/staffAuth.js";
import type { CannedReplyService } from "../desk/cannedReplyService.js";
import type {
  StaffAction,
  StaffActions,
  TechnicianRef,
  TicketFilter,
  TicketView,
  WorkModeName,
} from "../desk/port.js";
import { CoverageError } from "../policy/coverage.js";
import { boardClosedTo, csrfTokenFor, refuseClosedBoard, requireStaff, sessionOf } from "./boardAuth.js";
import { registerBoardLoginRoutes } from "./boardLoginRoutes.js";
import { sendUpload } from "./chatRoutes.js";
import { type CustomerRouteDeps, registerCustomerRoutes } from "./customerRoutes.js";
import { registerManagerRoutes } from "./managerRoutes.js";
import { billingFromForm, extrasFromForm } from "./packageBilling.js";
import { registerReplyRoutes } from "./replyRoutes.js";
import { sendActionRefusal, sendError } from "./sendError.js";
import type { SignInThrottle } from "./signInThrottle.js";
import { escapeHtml, lookup, managerLinks, pickLanguage, renderPage, webStrings } from "./webStrings.js";

const FILTERS: readonly TicketFilter[] = ["open", "mine", "unclaimed", "today", "all"];
const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
/** Longest sales representative's name accepted (as in the Slack Authorize modal). */
const MAX_SALES_REP = 120;

function technicianRef(session: StaffSession): TechnicianRef {
  return { id: session.technician.id };
}

export interface BoardRouteDeps {
  staffActions: StaffActions;
  staffAuth: StaffAuth;
  webChannel: WebChannel;
  boardQueries?: BoardQueries;
  whatsappQr?: () => string | null;
  timeZone: string;
  /** Sign-in throttling (per account and address, device cookies). */
  throttle: SignInThrottle;
  /** Reports and statements (admin pages); off when absent. */
  manager?: ManagerDesk;
  /** The preset's canned replies, offered in the reply box. */
  cannedReplies?: CannedReplyService;
  /** Customer search and pages (history, admins' edits, export and erasure). */
  customers?: CustomerRouteDeps;
}

/** Registers `/staff` and `/staff/api/*`, `/staff/files/*` (sign-in: see boardLoginRoutes.ts). */
export function registerBoardRoutes(app: FastifyInstance, deps: BoardRouteDeps): void {
  const { staffActions } = deps;
  registerBoardLoginRoutes(app, {
    staffAuth: deps.staffAuth,
    timeZone: deps.timeZone,
    throttle: deps.throttle,
  });

  // Canned replies, files to customers, and (with a manager desk) the admin pages, behind the
  // same guards; admin means the technician's role (sportello staff role NAME admin).
  registerReplyRoutes(app, {
    staffActions,
    ...(deps.cannedReplies ? { cannedReplies: deps.cannedReplies } : {}),
  });
  registerManagerRoutes(app, deps.manager ? { manager: deps.manager } : {});
  if (deps.customers) registerCustomerRoutes(app, deps.customers);

  app.get("/staff", async (req, reply) => {
    if (boardClosedTo(req)) {
      return refuseClosedBoard(reply);
    }
    const session = await sessionOf(req);
    if (!session) return reply.redirect("/staff/login", 303);
    const language = pickLanguage(req.headers["accept-language"]);
    reply.type("text/html; charset=utf-8").header("cache-control", "no-store");
    // A technician who got in without a password (localhost mode, e.g. the first admin) is asked
    // to choose one: without it, nobody can sign in once PUBLIC_URL is set.
    const csrf = escapeHtml(csrfTokenFor(reply));
    const passwordPrompt =
      session.mode === "local"
        ? `<section class="notice" id="password-prompt"><p>${escapeHtml(lookup(webStrings(language), "board.setPassword.why"))}</p><form method="post" action="/staff/password"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">${escapeHtml(lookup(webStrings(language), "board.setPassword.button"))}</button></form></section>`
        : "";
    return renderPage("board.html.tmpl", language, {
      passwordPrompt,
      technician: escapeHtml(session.technician.name),
      role: session.technician.role,
      managerLinks: managerLinks(language, session.technician.role === "admin"),
      timeZone: escapeHtml(deps.timeZone),
      csrf,
    });
  });

  // The signed-in technician's own one-time link to choose a password (the invite page).
  app.post("/staff/password", { preHandler: requireStaff }, async (req, reply) => {
    const session = req.staff as StaffSession;
    const link = await deps.staffAuth.issueInvite(session.technician.name, "invite");
    return reply.redirect(`/staff/invite?token=${encodeURIComponent(link.token)}`, 303);
  });

  // Everything under /staff/api and /staff/files needs a session (and CSRF for changes).
  app.register(async (api) => {
    api.addHook("preHandler", requireStaff);

    const staffOf = (req: FastifyRequest) => req.staff as StaffSession;

    api.get("/staff/api/me", async (req) => {
      const session = staffOf(req);
      return { name: session.technician.name, role: session.technician.role, mode: session.mode };
    });

    api.get("/staff/api/tickets", async (req) => {
      const query = req.query as Record<string, string | undefined>;
      const filter = FILTERS.includes(query.filter as TicketFilter) ? (query.filter as TicketFilter) : "open";
      const priority = PRIORITIES.find((p) => p === query.priority);
      let tickets: TicketView[] = await staffActions.listTickets(filter, technicianRef(staffOf(req)));
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
      const form = billingFromForm(query);
      if (form.error !== undefined) return sendError(reply, 400, "invalid-input", form.error);
      const extras = extrasFromForm(query);
      if ("error" in extras) return sendError(reply, 400, "invalid-input", extras.error);
      try {
        const charge = await staffActions.previewCharge(
          number,
          minutes,
          query.plan || undefined,
          form.billing,
          {
            ...(query.category ? { category: query.category } : {}),
            ...(extras.parts ? { parts: extras.parts } : {}),
            ...(extras.transportCents !== undefined ? { transportCents: extras.transportCents } : {}),
          },
        );
        if (!charge) return sendError(reply, 404, "unknown-ticket", `No ticket ${number}`);
        return { charge };
      } catch (error) {
        // Unknown plan, category or package, malformed parts: the caller's input, never a 500.
        if (error instanceof CoverageError) return sendError(reply, 400, error.code, error.message);
        throw error;
      }
    });

    api.post("/staff/api/tickets/:number/actions", async (req, reply) => {
      const { number } = req.params as { number: string };
      const body = (req.body ?? {}) as Record<string, unknown>;
      const by = technicianRef(staffOf(req));
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
          const form = billingFromForm(body);
          if (form.error !== undefined) return sendError(reply, 400, "invalid-input", form.error);
          const extras = extrasFromForm(body);
          if ("error" in extras) return sendError(reply, 400, "invalid-input", extras.error);
          const plan = typeof body.plan === "string" && body.plan ? body.plan : undefined;
          action = {
            type: "close",
            ticket: number,
            by,
            minutes,
            resolution,
            ...(category !== undefined ? { category } : {}),
            ...(form.billing ? { billing: form.billing } : {}),
            ...(plan ? { plan } : {}),
            ...(extras.mode ? { mode: extras.mode as WorkModeName } : {}),
            ...(extras.parts ? { parts: extras.parts } : {}),
            ...(extras.transportCents !== undefined ? { transportCents: extras.transportCents } : {}),
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
      if (!result.ok) return sendActionRefusal(reply, result);
      return result;
    });

    // The preset's packages for the close form's billing choice (empty: hourly time only).
    api.get("/staff/api/packages", async () => ({ packages: (await staffActions.listPackages?.()) ?? [] }));

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

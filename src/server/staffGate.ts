/**
 * Who may see a staff page or call a staff API: a signed-in technician, and for the manager's
 * pages an administrator. Answers for the request itself (redirect to login, 401, 403) and
 * resolves to null, or to the session when the request may go on.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { StaffSession } from "../desk/board/staffAuth.js";
import { sendError } from "./sendError.js";
import { escapeHtml, pickLanguage, renderPage } from "./webStrings.js";

export interface StaffGateDeps {
  /** The board's session check: a session, or why there is none. */
  access(req: FastifyRequest): Promise<StaffSession | "forbidden" | "login">;
  /** Whether the session's technician is an administrator. */
  isAdmin(session: StaffSession): Promise<boolean> | boolean;
}

export async function staffGate(
  deps: StaffGateDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  options: { admin: boolean; page: boolean },
): Promise<StaffSession | null> {
  const session = await deps.access(req);
  if (session === "forbidden") {
    sendError(
      reply,
      403,
      "localhost-only",
      "No staff credentials configured: the board is open from localhost only",
    );
    return null;
  }
  if (session === "login") {
    if (options.page) reply.redirect("/staff/login", 303);
    else sendError(reply, 401, "login-required", "Log in first");
    return null;
  }
  if (options.admin && !(await deps.isAdmin(session))) {
    if (options.page) {
      const language = pickLanguage(req.headers["accept-language"]);
      reply
        .code(403)
        .type("text/html; charset=utf-8")
        .send(
          renderPage("desk-forbidden.html.tmpl", language, {
            technician: escapeHtml(session.technician.name),
          }),
        );
    } else {
      sendError(reply, 403, "admin-only", "Only administrators can do this");
    }
    return null;
  }
  return session;
}

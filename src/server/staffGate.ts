/**
 * Guards for the staff board's HTML pages and downloads (GET only): like `requireStaff` /
 * `requireAdmin` from boardAuth.ts, but answered as a browser expects: a redirect to the sign-in
 * page without a session, and a readable "administrators only" page for technicians. Sets
 * `req.staff`. JSON routes and every state-changing request use `requireStaff` / `requireAdmin`
 * themselves (session, Host, same-origin and the CSRF token).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { boardClosedTo, refuseClosedBoard, sessionOf } from "./boardAuth.js";
import { escapeHtml, pickLanguage, renderPage } from "./webStrings.js";

async function pageGuard(req: FastifyRequest, reply: FastifyReply, admin: boolean) {
  if (boardClosedTo(req)) return refuseClosedBoard(reply);
  const session = await sessionOf(req);
  if (!session) return reply.redirect("/staff/login", 303);
  if (admin && session.technician.role !== "admin") {
    const language = pickLanguage(req.headers["accept-language"]);
    return reply
      .code(403)
      .type("text/html; charset=utf-8")
      .send(
        renderPage("desk-forbidden.html.tmpl", language, {
          technician: escapeHtml(session.technician.name),
        }),
      );
  }
  req.staff = session;
  return undefined;
}

/** preHandler for a staff page: a signed-in technician, or a redirect to the sign-in page. */
export async function requireStaffPage(req: FastifyRequest, reply: FastifyReply) {
  return pageGuard(req, reply, false);
}

/** preHandler for an admin page or download: as {@link requireStaffPage}, 403 page for technicians. */
export async function requireAdminPage(req: FastifyRequest, reply: FastifyReply) {
  return pageGuard(req, reply, true);
}

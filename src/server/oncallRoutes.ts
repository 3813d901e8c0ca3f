/**
 * The staff board's on-call page (`/staff/oncall`) and its JSON: who is on call now and next, the
 * weekly rota and one-off shifts and swaps (admins edit them), every technician's ordered ways
 * to be paged (admins, or the technician for themselves; a Telegram way shows its link code), and
 * the recent pages with every attempt and answer (acknowledged from here too). A ticket's pages
 * are at `/staff/api/tickets/:number/pages` for the board's ticket view.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { StaffSession } from "../desk/board/staffAuth.js";
import type { Pager } from "../pager/pager.js";
import { type RotaAdmin, RotaError, rotaSummary } from "../pager/rotaAdmin.js";
import { csrfTokenFor, requireAdmin, requireStaff } from "./boardAuth.js";
import { sendError } from "./sendError.js";
import { requireStaffPage } from "./staffGate.js";
import { escapeHtml, managerLinks, pickLanguage, publicDir, renderPage } from "./webStrings.js";

export interface OncallRouteDeps {
  rota: RotaAdmin;
  pager: Pager;
  /** Active technicians by name (the ways table lists them all). */
  technicians: () => Promise<{ name: string; role: string }[]>;
}

const staffOf = (req: FastifyRequest) => req.staff as StaffSession;

function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof RotaError)
    return sendError(reply, error.code === "unknown-technician" ? 404 : 400, error.code, error.message);
  throw error;
}

export function registerOncallRoutes(app: FastifyInstance, deps: OncallRouteDeps): void {
  const { rota, pager } = deps;

  app.get("/staff/oncall.js", async (_req, reply) =>
    reply.type("text/javascript; charset=utf-8").send(readFileSync(join(publicDir, "oncall.js"))),
  );

  app.get("/staff/oncall", { preHandler: requireStaffPage }, async (req, reply) => {
    const session = staffOf(req);
    const language = pickLanguage(req.headers["accept-language"]);
    return reply.type("text/html; charset=utf-8").send(
      renderPage("oncall.html.tmpl", language, {
        technician: escapeHtml(session.technician.name),
        role: session.technician.role,
        managerLinks: managerLinks(language, session.technician.role === "admin"),
        csrf: escapeHtml(csrfTokenFor(reply)),
      }),
    );
  });

  app.get("/staff/api/oncall", { preHandler: requireStaff }, async () => {
    const [now, { weekly, shifts }, people, pages] = await Promise.all([
      rota.onCall(),
      rota.rota(),
      deps.technicians(),
      pager.pages({ recent: 20 }),
    ]);
    const ways = await Promise.all(
      people.map(async (p) => ({
        technician: p.name,
        role: p.role,
        ways: (await rota.ways(p.name)).map((w) => ({
          kind: w.kind,
          address: w.address,
          linkCode: w.linkCode,
        })),
      })),
    );
    return {
      ...rotaSummary(now, { weekly, shifts }),
      ways,
      pages: pages.map(pageView),
    };
  });

  app.put("/staff/api/oncall/weekly", { preHandler: requireAdmin }, async (req, reply) => {
    const body = req.body as { slots?: unknown };
    if (!Array.isArray(body?.slots))
      return sendError(reply, 400, "invalid-slot", "expected { slots: [...] }");
    try {
      await rota.setWeekly(
        body.slots.map((s: Record<string, unknown>) => ({
          technician: String(s.technician ?? ""),
          weekday: typeof s.weekday === "number" ? s.weekday : String(s.weekday ?? ""),
          start: String(s.start ?? ""),
          end: String(s.end ?? ""),
          position: Number(s.position ?? 0) || 0,
        })),
      );
      return { ok: true };
    } catch (error) {
      return refuse(reply, error);
    }
  });

  app.post("/staff/api/oncall/shifts", { preHandler: requireAdmin }, async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    try {
      const from = rota.parseInstant(String(b.from ?? ""));
      const to = rota.parseInstant(String(b.to ?? ""));
      const replaces = typeof b.replaces === "string" && b.replaces ? b.replaces : undefined;
      const id = await rota.addShift(String(b.technician ?? ""), from, to, replaces);
      return { ok: true, id };
    } catch (error) {
      return refuse(reply, error);
    }
  });

  app.delete("/staff/api/oncall/shifts/:id", { preHandler: requireAdmin }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await rota.removeShift(id))) return sendError(reply, 404, "unknown-shift", `no shift ${id}`);
    return { ok: true };
  });

  // Admins set anyone's ways; a technician their own.
  app.put("/staff/api/oncall/ways/:name", { preHandler: requireStaff }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const session = staffOf(req);
    if (session.technician.role !== "admin" && session.technician.name !== name)
      return sendError(reply, 403, "admin-only", "only administrators change other technicians' ways");
    const b = (req.body ?? {}) as { ways?: unknown };
    if (!Array.isArray(b.ways)) return sendError(reply, 400, "invalid-way", "expected { ways: [...] }");
    try {
      const rows = await rota.setWays(
        name,
        b.ways.map((w: Record<string, unknown>) => ({
          kind: String(w.kind ?? ""),
          address: typeof w.address === "string" ? w.address : null,
        })),
      );
      return {
        ok: true,
        ways: rows.map((w) => ({ kind: w.kind, address: w.address, linkCode: w.linkCode })),
      };
    } catch (error) {
      return refuse(reply, error);
    }
  });

  app.post("/staff/api/pages/:id/ack", { preHandler: requireStaff }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const session = staffOf(req);
    const done = await pager.acknowledge(
      { pageId: id },
      { technicianId: session.technician.id, name: session.technician.name },
      "board",
    );
    if (!done)
      return sendError(reply, 409, "not-open", "the page is not open (already acknowledged or ended)");
    return { ok: true };
  });

  app.get("/staff/api/tickets/:number/pages", { preHandler: requireStaff }, async (req) => {
    const { number } = req.params as { number: string };
    return { pages: (await pager.pages({ ticket: number.toUpperCase() })).map(pageView) };
  });
}

function pageView(p: Awaited<ReturnType<Pager["pages"]>>[number]) {
  return {
    id: p.id,
    subject: p.subject,
    ticket: p.ticket,
    text: p.text,
    status: p.status,
    ackedBy: p.ackedBy,
    ackedVia: p.ackedVia,
    ackedAt: p.ackedAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    attempts: p.attempts.map((a) => ({
      step: a.step,
      technician: a.technician,
      kind: a.kind,
      outcome: a.outcome,
      error: a.error,
      at: a.at.toISOString(),
    })),
  };
}

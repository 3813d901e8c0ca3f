/**
 * Technicians' reply tools on the staff board: the preset's canned replies rendered for a ticket
 * (inserted into the reply box by the board), and sending a file to the customer (multipart,
 * one file and an optional text), relayed through the normal reply action.
 *
 * Both are technicians' routes behind `requireStaff` (boardAuth.ts): a session, and for the
 * upload same-origin plus the board's CSRF token (`x-csrf-token` header).
 */
import type { MultipartFile } from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { attachmentKindOf } from "../channels/attachmentKind.js";
import type { StaffSession } from "../desk/board/staffAuth.js";
import type { CannedReplyService } from "../desk/cannedReplyService.js";
import type { StaffActions, TechnicianRef } from "../desk/port.js";
import { requireStaff } from "./boardAuth.js";
import { sendActionRefusal, sendError } from "./sendError.js";

export interface ReplyRouteDeps {
  staffActions: StaffActions;
  cannedReplies?: CannedReplyService;
}

export function registerReplyRoutes(app: FastifyInstance, deps: ReplyRouteDeps): void {
  const staffOf = (req: FastifyRequest) => req.staff as StaffSession;

  app.get("/staff/api/tickets/:number/replies", { preHandler: requireStaff }, async (req, reply) => {
    const session = staffOf(req);
    const { number } = req.params as { number: string };
    if (!deps.cannedReplies) return { replies: [] };
    const replies = await deps.cannedReplies.forTicket(number, session.technician.name);
    if (!replies) return sendError(reply, 404, "unknown-ticket", `No ticket ${number}`);
    return { replies };
  });

  app.post("/staff/api/tickets/:number/files", { preHandler: requireStaff }, async (req, reply) => {
    const session = staffOf(req);
    if (!req.isMultipart())
      return sendError(reply, 415, "multipart-required", "Send the file as multipart/form-data");
    let file: MultipartFile | undefined;
    try {
      file = await req.file();
    } catch {
      return sendError(reply, 400, "bad-multipart", "Malformed multipart body");
    }
    if (!file) return sendError(reply, 400, "invalid-input", "file is required");
    const data = await file.toBuffer().catch(() => null);
    if (!data || file.file.truncated) return sendError(reply, 413, "file-too-large", "The file is too large");
    const field = file.fields.text;
    const single = Array.isArray(field) ? field[0] : field;
    const text = single && single.type === "field" ? String(single.value).trim().slice(0, 4000) : "";
    // Whole code points, so a long name is never cut inside a surrogate pair.
    const name = [...(file.filename || "file")]
      .slice(0, 120)
      .map((c) => (c.charCodeAt(0) < 32 || c === "/" || c === "\\" ? "_" : c))
      .join("");
    const { number } = req.params as { number: string };
    const by: TechnicianRef = session.technician.id
      ? { id: session.technician.id }
      : { name: session.technician.name };
    const result = await deps.staffActions.perform({
      type: "reply",
      ticket: number,
      by,
      text,
      origin: "board",
      attachments: [
        { kind: attachmentKindOf(file.mimetype), name, mime: file.mimetype, data: new Uint8Array(data) },
      ],
    });
    if (!result.ok) return sendActionRefusal(reply, result);
    return result;
  });
}

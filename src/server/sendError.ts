import type { FastifyReply } from "fastify";
import type { StaffErrorCode } from "../desk/port.js";

/** Sends the stable JSON error body `{ error: { code, message } }` every route uses. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type("application/json; charset=utf-8").send({ error: { code, message } });
}

/** HTTP status of a refused staff action, by its stable code (the compiler checks every code has one). */
const ACTION_STATUS = {
  "unknown-ticket": 404,
  "not-technician": 403,
  "invalid-input": 400,
  "already-claimed": 409,
  "invalid-state": 409,
} as const satisfies Record<StaffErrorCode, number>;

/** Sends a staff action's refusal (`{ ok: false, code, message }`) with its HTTP status. */
export function sendActionRefusal(
  reply: FastifyReply,
  refusal: { code: StaffErrorCode; message: string },
): FastifyReply {
  return sendError(reply, ACTION_STATUS[refusal.code], refusal.code, refusal.message);
}

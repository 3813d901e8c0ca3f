import type { FastifyReply } from "fastify";

/** Sends the stable JSON error body `{ error: { code, message } }` every route uses. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type("application/json; charset=utf-8").send({ error: { code, message } });
}

/** HTTP status of a refused staff action, by its stable code (anything else is a state conflict). */
const ACTION_STATUS: Record<string, number> = {
  "unknown-ticket": 404,
  "not-technician": 403,
  "invalid-input": 400,
};

/** Sends a staff action's refusal (`{ ok: false, code, message }`) with its HTTP status. */
export function sendActionRefusal(
  reply: FastifyReply,
  refusal: { code: string; message: string },
): FastifyReply {
  return sendError(reply, ACTION_STATUS[refusal.code] ?? 409, refusal.code, refusal.message);
}

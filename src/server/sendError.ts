import type { FastifyReply } from "fastify";

/** Sends the stable JSON error body `{ error: { code, message } }` every route uses. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type("application/json; charset=utf-8").send({ error: { code, message } });
}

/**
 * Mounts the Slack desk's single endpoint on the app's Fastify server. Bolt must read the raw
 * body itself to verify the signature, so the route lives in its own encapsulated scope whose
 * content-type parsers leave the request stream untouched; other routes keep their parsers.
 */
import type { FastifyInstance } from "fastify";
import type { SlackDesk } from "./slackDesk.js";

/** Registers `POST desk.endpoint` on `fastify`, handing the raw request to Bolt. */
export async function mountSlackDeskOnFastify(fastify: FastifyInstance, desk: SlackDesk): Promise<void> {
  const listener = desk.requestListener;
  if (!listener) throw new Error("the Slack desk runs in Socket Mode: there is no HTTP endpoint to mount");
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    scope.post(desk.endpoint, (request, reply) => {
      reply.hijack();
      listener(request.raw, reply.raw);
    });
  });
}

/**
 * Twilio's webhooks: every request is checked with the library's signature validator (the
 * X-Twilio-Signature of PUBLIC_URL + path + query and the form parameters) before anything is
 * done; a bad or missing signature is 403 `twilio-signature-invalid`. Answers are TwiML built
 * with the library's builders.
 *
 * - `POST /twilio/pager/gather?page=ID` — the key pressed on a page call: 1 acknowledges;
 * - `POST /twilio/sms` — an SMS to the Twilio number: "ok" from a technician acknowledges;
 * - the phone lines (`/twilio/voice/…`, see voiceRoutes.ts) when the preset declares lines.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import twilio from "twilio";
import type { Language } from "../../flows/intents.js";
import type { Pager } from "../pager/pager.js";
import { SAY_LANGUAGE } from "../pager/twilioNotifier.js";

export interface TwilioRouteDeps {
  authToken: string;
  /** PUBLIC_URL: the base of the URLs Twilio signs. */
  publicUrl: string;
  pager: Pager;
  render: (key: string, params: Record<string, string> | undefined, language: Language) => string;
  language: Language;
}

/** The form parameters of a Twilio request (all strings). */
export function twilioParams(req: FastifyRequest): Record<string, string> {
  const body = req.body;
  if (!body || typeof body !== "object") return {};
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** Whether a request carries Twilio's valid signature for the public URL it was sent to. */
export function signedByTwilio(req: FastifyRequest, authToken: string, publicUrl: string): boolean {
  const signature = req.headers["x-twilio-signature"];
  if (typeof signature !== "string" || !signature) return false;
  const url = `${publicUrl.replace(/\/$/, "")}${req.url}`;
  return twilio.validateRequest(authToken, signature, url, twilioParams(req));
}

/** Answers 403 unless the request is signed by Twilio; true when it may go on. */
export function requireTwilio(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: Pick<TwilioRouteDeps, "authToken" | "publicUrl">,
): boolean {
  if (signedByTwilio(req, deps.authToken, deps.publicUrl)) return true;
  void reply
    .code(403)
    .send({ error: "twilio-signature-invalid", message: "missing or invalid X-Twilio-Signature" });
  return false;
}

export function sendTwiml(reply: FastifyReply, twiml: string) {
  return reply.code(200).header("content-type", "text/xml; charset=utf-8").send(twiml);
}

export function registerTwilioRoutes(scope: FastifyInstance, deps: TwilioRouteDeps): void {
  const say = (key: string) => deps.render(key, undefined, deps.language);

  scope.post("/twilio/pager/gather", async (req, reply) => {
    if (!requireTwilio(req, reply, deps)) return reply;
    const params = twilioParams(req);
    const page = (req.query as Record<string, unknown>).page;
    const acked =
      typeof page === "string" &&
      (await deps.pager.callAnswered(page, params.CallSid ?? "", params.Digits ?? ""));
    const response = new twilio.twiml.VoiceResponse();
    response.say(
      { language: SAY_LANGUAGE[deps.language] },
      say(acked ? "pager.callAcknowledged" : "pager.callNotAcknowledged"),
    );
    response.hangup();
    return sendTwiml(reply, response.toString());
  });

  scope.post("/twilio/sms", async (req, reply) => {
    if (!requireTwilio(req, reply, deps)) return reply;
    const params = twilioParams(req);
    const answer = await deps.pager.answer("sms", params.From ?? "", params.Body ?? "");
    const response = new twilio.twiml.MessagingResponse();
    if (answer.reply) response.message(answer.reply);
    return sendTwiml(reply, response.toString());
  });
}

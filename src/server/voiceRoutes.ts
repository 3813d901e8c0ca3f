/**
 * The phone lines (Twilio Programmable Voice), every request signed (see twilioRoutes.ts), every
 * answer TwiML from the library's VoiceResponse builder, in the caller's language (the customer
 * matched by number; else the preset's language):
 *
 * - `POST /twilio/voice/incoming` — the number's "A call comes in" webhook: the line is found by
 *   the number called (preset `contacts[].line`). A voicemail line greets and records. An on-call
 *   line offers a caller its level could serve the menu (press 1 if blocked); others hear when
 *   support opens and may leave a message;
 * - `POST /twilio/voice/menu?line=K` — the key pressed: 1 from a caller the level serves now
 *   rings the on-call technician's phone (<Dial> with the line's timeout), anything else records;
 * - `POST /twilio/voice/dialed?line=K&n=N` — a <Dial> ended: unanswered rings the next person,
 *   after the last one records a voicemail;
 * - `POST /twilio/voice/recorded` — the <Record> ended: thanks and goodbye;
 * - `POST /twilio/voice/recording?line=K&from=NUMBER` — the recording-status callback: the
 *   voicemail is stored as a job (voicemailIntake.ts), then downloaded and taken by the intake.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import twilio from "twilio";
import type { Language } from "../../flows/intents.js";
import type { SqlExecutor } from "../data/database.js";
import * as store from "../data/supportStore.js";
import { formatWhen } from "../i18n/renderer.js";
import type { TwilioSettings } from "../pager/twilioNotifier.js";
import { SAY_LANGUAGE } from "../pager/twilioNotifier.js";
import {
  connectsBlockedCaller,
  lineByKey,
  lineCalled,
  onCallAnswer,
  type PhoneLine,
} from "../phone/lineDecisions.js";
import type { RecordedVoicemail } from "../phone/voicemailIntake.js";
import type { Policy } from "../policy/schema.js";
import { requireTwilio, sendTwiml, twilioParams } from "./twilioRoutes.js";

export interface VoiceRouteDeps {
  settings: TwilioSettings;
  publicUrl: string;
  policy: Policy;
  db: SqlExecutor;
  clock: { now(): Date };
  render: (key: string, params: Record<string, string> | undefined, language: Language) => string;
  /** The phones of the people on call now, in order. */
  phonesNow: () => Promise<{ name: string; phone: string }[]>;
  /** Takes a voicemail durably (the runtime's `takeVoicemail`); resolves once it is stored. */
  takeVoicemail: (voicemail: RecordedVoicemail) => Promise<void>;
}

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;

interface Caller {
  number: string;
  language: Language;
  plans: string[];
}

export function registerVoiceRoutes(scope: FastifyInstance, deps: VoiceRouteDeps): void {
  const signed = { authToken: deps.settings.authToken, publicUrl: deps.publicUrl };
  const base = deps.publicUrl.replace(/\/$/, "");
  const url = (path: string, query: Record<string, string>) =>
    `${base}${path}?${new URLSearchParams(query).toString()}`;

  async function caller(from: string): Promise<Caller> {
    const found = from.startsWith("+")
      ? await store.findCustomerForSender(deps.db, "phone", from, from)
      : null;
    const language: Language =
      found?.language === "en" || found?.language === "it" ? found.language : deps.policy.defaultLanguage;
    return { number: from, language, plans: found?.plans ?? [] };
  }

  const say = (
    response: { say: VoiceResponse["say"] },
    who: Caller,
    key: string,
    params?: Record<string, string>,
  ) =>
    response.say(
      { language: SAY_LANGUAGE[who.language] },
      deps.render(`phoneLine.${key}`, params, who.language),
    );

  /** Records a voicemail whose recording is posted to the intake. */
  function record(response: VoiceResponse, line: PhoneLine, who: Caller) {
    response.record({
      action: url("/twilio/voice/recorded", { language: who.language }),
      method: "POST",
      maxLength: line.line.maxMessageSeconds,
      finishOnKey: "#",
      playBeep: true,
      recordingStatusCallback: url("/twilio/voice/recording", { line: line.contact.key, from: who.number }),
      recordingStatusCallbackMethod: "POST",
      recordingStatusCallbackEvent: ["completed"],
    });
  }

  /** Rings the `n`th phone on call now (from 0); after the last, a voicemail. */
  async function ring(response: VoiceResponse, line: PhoneLine, who: Caller, n: number) {
    const phones = await deps.phonesNow();
    const phone = phones[n];
    if (!phone) {
      say(response, who, "noAnswer");
      say(response, who, "leaveMessage");
      record(response, line, who);
      return;
    }
    say(response, who, n === 0 ? "connecting" : "nextPerson");
    const dial = response.dial({
      action: url("/twilio/voice/dialed", { line: line.contact.key, n: String(n), from: who.number }),
      method: "POST",
      timeout: line.line.ringSeconds,
      callerId: line.line.number,
    });
    dial.number(phone.phone);
  }

  const query = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
  const lineOf = (req: FastifyRequest) => lineByKey(deps.policy, query(req).line ?? "");

  scope.post("/twilio/voice/incoming", async (req, reply) => {
    if (!requireTwilio(req, reply, signed)) return reply;
    const params = twilioParams(req);
    const line = lineCalled(deps.policy, params.To ?? params.Called ?? "");
    const response = new twilio.twiml.VoiceResponse();
    const who = await caller(params.From ?? "");
    if (!line) {
      response.reject();
      return sendTwiml(reply, response.toString());
    }
    const company = deps.policy.company;
    if (line.line.answers === "voicemail") {
      say(response, who, "voicemail", { company });
      record(response, line, who);
      return sendTwiml(reply, response.toString());
    }
    const now = deps.clock.now();
    const answer = onCallAnswer(deps.policy, line, now, who.plans);
    if (answer.kind === "menu") {
      const gather = response.gather({
        numDigits: 1,
        timeout: 8,
        action: url("/twilio/voice/menu", { line: line.contact.key, from: who.number }),
        method: "POST",
      });
      say(gather, who, "menu", { company });
      // No key pressed: a message.
      say(response, who, "leaveMessage");
      record(response, line, who);
      return sendTwiml(reply, response.toString());
    }
    const opensAt = answer.opensAt
      ? formatWhen(answer.opensAt.toISOString(), who.language, deps.policy.timezone, now)
      : "";
    const level = deps.policy.serviceLevels.find((l) => l.key === line.contact.when);
    if (answer.notServed && level?.audience)
      say(response, who, "notServed", { audience: level.audience[who.language], opensAt });
    else say(response, who, "closed", { opensAt });
    say(response, who, "leaveMessage");
    record(response, line, who);
    return sendTwiml(reply, response.toString());
  });

  scope.post("/twilio/voice/menu", async (req, reply) => {
    if (!requireTwilio(req, reply, signed)) return reply;
    const params = twilioParams(req);
    const line = lineOf(req);
    const response = new twilio.twiml.VoiceResponse();
    if (!line) return sendTwiml(reply, response.hangup().toString());
    const who = await caller(query(req).from ?? params.From ?? "");
    if (params.Digits === "1" && connectsBlockedCaller(deps.policy, line, deps.clock.now(), who.plans))
      await ring(response, line, who, 0);
    else {
      say(response, who, "leaveMessage");
      record(response, line, who);
    }
    return sendTwiml(reply, response.toString());
  });

  scope.post("/twilio/voice/dialed", async (req, reply) => {
    if (!requireTwilio(req, reply, signed)) return reply;
    const params = twilioParams(req);
    const line = lineOf(req);
    const response = new twilio.twiml.VoiceResponse();
    if (!line || params.DialCallStatus === "completed") return sendTwiml(reply, response.hangup().toString());
    const who = await caller(query(req).from ?? params.From ?? "");
    const n = Number.parseInt(query(req).n ?? "0", 10);
    await ring(response, line, who, Number.isFinite(n) ? n + 1 : 0);
    return sendTwiml(reply, response.toString());
  });

  scope.post("/twilio/voice/recorded", async (req, reply) => {
    if (!requireTwilio(req, reply, signed)) return reply;
    const language: Language = query(req).language === "en" ? "en" : "it";
    const response = new twilio.twiml.VoiceResponse();
    say(response, { number: "", language, plans: [] }, "recorded");
    response.hangup();
    return sendTwiml(reply, response.toString());
  });

  scope.post("/twilio/voice/recording", async (req, reply) => {
    if (!requireTwilio(req, reply, signed)) return reply;
    const params = twilioParams(req);
    const line = lineOf(req);
    if (!line || params.RecordingStatus !== "completed" || !params.RecordingUrl || !params.CallSid)
      return reply.code(204).send();
    // Stored as a job before Twilio is answered: the download and the intake follow, retried.
    await deps.takeVoicemail({
      callSid: params.CallSid,
      recordingSid: params.RecordingSid ?? params.CallSid,
      recordingUrl: params.RecordingUrl,
      from: query(req).from ?? "",
      durationSeconds: Number.parseInt(params.RecordingDuration ?? "0", 10) || 0,
      line: line.contact.key,
      at: deps.clock.now(),
    });
    return reply.code(204).send();
  });
}

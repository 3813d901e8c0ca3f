/**
 * SMS and voice-call notifiers through Twilio's REST API with the official `twilio` library. The
 * call reads the page and asks to press 1 (a <Gather> whose answer comes back signed to
 * `/twilio/pager/gather`); an SMS is answered "ok" (to `/twilio/sms`). `apiUrl` points the
 * library at another host (tests use a fake Twilio server).
 */
import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import type { Reach } from "./chain.js";
import type { Notifier, PageMessage } from "./notifier.js";

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** The number the SMS and calls come from (E.164). */
  from: string;
  /** Replaces https://*.twilio.com (tests). */
  apiUrl?: string;
}

/** Twilio's REST client, pointed at `apiUrl` when given. */
export function twilioClient(settings: TwilioSettings): twilio.Twilio {
  if (!settings.apiUrl) return twilio(settings.accountSid, settings.authToken);
  const base = settings.apiUrl.replace(/\/$/, "");
  class Redirected extends twilio.RequestClient {
    override request<T>(opts: RequestClient.RequestOptions<T>) {
      return super.request<T>({ ...opts, uri: opts.uri.replace(/^https:\/\/[^/]+/, base) });
    }
  }
  return twilio(settings.accountSid, settings.authToken, { httpClient: new Redirected() });
}

/** The voice of a language for <Say>. */
export const SAY_LANGUAGE = { it: "it-IT", en: "en-GB" } as const;

/** The TwiML of a page call: the text, then "press 1" (gathered to `gatherUrl`), said twice. */
export function pageCallTwiml(message: PageMessage, gatherUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  const language = SAY_LANGUAGE[message.language];
  for (let i = 0; i < 2; i++) {
    const gather = response.gather({ numDigits: 1, action: gatherUrl, method: "POST", timeout: 8 });
    gather.say({ language }, `${message.text} ${message.ackLabel}`);
  }
  return response.toString();
}

/** The SMS and voice notifiers. `publicUrl` is where Twilio posts the call's key press. */
export function twilioNotifiers(settings: TwilioSettings, publicUrl: () => string): Notifier[] {
  const client = twilioClient(settings);
  return [
    {
      kind: "sms",
      async send(reach: Reach, message: PageMessage) {
        const sent = await client.messages.create({
          to: reach.address!,
          from: settings.from,
          body: message.text,
        });
        return { ref: sent.sid };
      },
    },
    {
      kind: "voice",
      async send(reach: Reach, message: PageMessage) {
        const gatherUrl = `${publicUrl().replace(/\/$/, "")}/twilio/pager/gather?page=${encodeURIComponent(message.pageId)}`;
        const call = await client.calls.create({
          to: reach.address!,
          from: settings.from,
          twiml: pageCallTwiml(message, gatherUrl),
        });
        return { ref: call.sid };
      },
    },
  ];
}

/**
 * The phone lines' routes over HTTP for tests (test/phone): a harness whose recordings are
 * downloaded from the fake Twilio REST server and kept in an in-memory media store, the voice
 * routes on a web stack, and helpers to post webhooks signed as Twilio signs them.
 */
import { afterEach, expect } from "vitest";
import { createRenderer } from "../../src/i18n/renderer.js";
import { twilioNotifiers } from "../../src/pager/twilioNotifier.js";
import { downloadRecording } from "../../src/phone/voicemailIntake.js";
import { registerVoiceRoutes } from "../../src/server/voiceRoutes.js";
import { FAKE_TWILIO, FakeTwilioApi, signedRequest } from "./fakeTwilioApi.js";
import { createHarness, type Harness, type HarnessOptions } from "./harness.js";
import { startWebStack, type WebStack } from "./webStack.js";

export const PUBLIC = "https://support.example.it";
export const WEEKDAY_LINE = "+390454684131";
export const WEEKEND_LINE = "+390452525658";

export interface PhoneLines {
  twilio: FakeTwilioApi;
  h: Harness;
  web: WebStack;
  /** The files kept in the media store, in order (refs `media-1`, `media-2`…). */
  kept: { name: string; bytes: Uint8Array }[];
  /** POSTs a webhook signed as Twilio signs it (URL with its query + form parameters). */
  post(
    pathAndQuery: string,
    params: Record<string, string>,
    signature?: string,
  ): Promise<{ statusCode: number; body: string; json(): unknown; headers: Record<string, unknown> }>;
  /** A call to the weekday line that leaves a voicemail, then the due jobs run. */
  leave(caller: { phone: string }, callSid: string, recordingSid: string): Promise<void>;
  close(): Promise<void>;
}

/** The path and query of a TwiML URL attribute. */
export function pathOf(twiml: string, attribute: string): string {
  const found = new RegExp(`${attribute}="([^"]+)"`).exec(twiml);
  expect(found, `${attribute} in ${twiml}`).not.toBeNull();
  const url = new URL(found![1]!.replaceAll("&amp;", "&"));
  return `${url.pathname}${url.search}`;
}

/** Starts the fake Twilio server, a harness at `clock` (not started) and the voice routes. */
export async function startPhoneLines(
  clock: string,
  extra: Partial<HarnessOptions> = {},
): Promise<PhoneLines> {
  const twilio = await FakeTwilioApi.start();
  const kept: { name: string; bytes: Uint8Array }[] = [];
  const media = {
    put: async (bytes: Uint8Array, name: string) =>
      `media-${kept.push({ name, bytes: new Uint8Array(bytes) })}`,
    get: async (ref: string) => kept[Number(ref.slice("media-".length)) - 1]!.bytes,
  };
  const settings = {
    accountSid: FAKE_TWILIO.accountSid,
    authToken: FAKE_TWILIO.authToken,
    from: FAKE_TWILIO.from,
    apiUrl: twilio.url,
  };
  const h = await createHarness({
    clock,
    channels: ["whatsapp"],
    start: false,
    mediaStore: media,
    pagerNotifiers: twilioNotifiers(settings, () => PUBLIC),
    recordingDownload: (url) => downloadRecording(settings, url),
    ...extra,
  });
  const renderer = createRenderer(h.policy);
  const web = await startWebStack({
    publicUrl: PUBLIC,
    listen: false,
    routes: [
      (scope) =>
        registerVoiceRoutes(scope, {
          settings,
          publicUrl: PUBLIC,
          policy: h.policy,
          db: h.db,
          clock: h.clock,
          render: renderer.render,
          phonesNow: () => h.runtime.pager.phonesNow(),
          takeVoicemail: h.runtime.takeVoicemail,
        }),
    ],
  });
  const post: PhoneLines["post"] = (pathAndQuery, params, signature) => {
    const signed = signedRequest(`${PUBLIC}${pathAndQuery}`, params);
    return web.server.app.inject({
      method: "POST",
      url: pathAndQuery,
      headers: {
        ...signed.headers,
        host: "support.example.it",
        ...(signature !== undefined ? { "x-twilio-signature": signature } : {}),
      },
      payload: signed.payload,
    });
  };
  return {
    twilio,
    h,
    web,
    kept,
    post,
    async leave(caller, callSid, recordingSid) {
      const incoming = await post("/twilio/voice/incoming", {
        CallSid: callSid,
        From: caller.phone,
        To: WEEKDAY_LINE,
      });
      const url = twilio.addRecording(recordingSid, new Uint8Array([1, 2, callSid.length]));
      const res = await post(pathOf(incoming.body, "recordingStatusCallback"), {
        CallSid: callSid,
        RecordingSid: recordingSid,
        RecordingUrl: url,
        RecordingStatus: "completed",
        RecordingDuration: "9",
      });
      expect(res.statusCode).toBe(204);
      // The callback stored the voicemail's job: the download and the intake run with the jobs.
      await h.runDueJobs();
    },
    async close() {
      await web.close();
      await h.stop();
      await twilio.close();
    },
  };
}

/**
 * The phone lines of one test at a time in a describe block: `start` opens them (see
 * {@link startPhoneLines}) and they close after each test, unless the test closed them itself
 * with `close` (one that drops its own database afterwards).
 */
export function usePhoneLines() {
  let lines: PhoneLines | null = null;
  afterEach(async () => {
    const open = lines;
    lines = null;
    await open?.close();
  });
  const current = () => {
    if (!lines) throw new Error("the phone lines are not started");
    return lines;
  };
  return {
    start: async (clock: string, extra: Partial<HarnessOptions> = {}) => {
      lines = await startPhoneLines(clock, extra);
      return lines;
    },
    close: async () => {
      const open = current();
      lines = null;
      await open.close();
    },
    post: (...args: Parameters<PhoneLines["post"]>) => current().post(...args),
    leave: (...args: Parameters<PhoneLines["leave"]>) => current().leave(...args),
  };
}

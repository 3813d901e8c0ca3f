/**
 * A recorded voicemail becomes a customer message on the `phone` channel and goes through the
 * normal intake (the runtime's inbound pipeline, one-reply like e-mail): the caller matched by
 * number, the recording kept in the media store like other voice notes (downloaded from Twilio
 * with the account's credentials), transcribed by the AI path when configured, a ticket opened —
 * or the message added to the ticket the caller's phone chat follows. The call's SID is the
 * message's platform id, so a repeated callback (same CallSid or RecordingSid) is taken once.
 */
import type { InboundHandler } from "../channels/port.js";
import { CodedError } from "../errors.js";
import type { TwilioSettings } from "../pager/twilioNotifier.js";

export interface RecordedVoicemail {
  callSid: string;
  recordingSid: string;
  /** Twilio's RecordingUrl (without extension). */
  recordingUrl: string;
  /** The caller's number (E.164), or "anonymous". */
  from: string;
  durationSeconds: number;
  /** The contact key of the line called. */
  line: string;
  at: Date;
}

export class RecordingDownloadError extends CodedError<"twilio-recording-download"> {}

/** The recording's URL on Twilio (or on `apiUrl` in tests), as MP3. */
export function recordingMp3Url(settings: TwilioSettings, recordingUrl: string): string {
  const url = recordingUrl.replace(/\.(mp3|wav|json)$/, "");
  const moved = settings.apiUrl ? url.replace(/^https:\/\/[^/]+/, settings.apiUrl.replace(/\/$/, "")) : url;
  return `${moved}.mp3`;
}

/** Downloads a recording with the account's credentials (HTTP Basic, as Twilio asks). */
export async function downloadRecording(settings: TwilioSettings, recordingUrl: string): Promise<Uint8Array> {
  const auth = Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString("base64");
  const res = await fetch(recordingMp3Url(settings, recordingUrl), {
    headers: { authorization: `Basic ${auth}` },
  });
  if (!res.ok)
    throw new RecordingDownloadError(
      "twilio-recording-download",
      `recording download answered ${res.status}`,
    );
  return new Uint8Array(await res.arrayBuffer());
}

/** Hands a voicemail to the intake; resolves once it is durably accepted. */
export async function takeVoicemail(
  deps: { settings: TwilioSettings; handleInbound: InboundHandler },
  voicemail: RecordedVoicemail,
): Promise<void> {
  const caller = voicemail.from.startsWith("+") ? voicemail.from : `anonymous-${voicemail.callSid}`;
  await deps.handleInbound({
    channel: "phone",
    chatId: caller,
    senderId: caller,
    platformMessageId: voicemail.callSid,
    at: voicemail.at,
    text: "",
    attachments: [
      {
        kind: "voice",
        mime: "audio/mpeg",
        name: `voicemail-${voicemail.recordingSid}.mp3`,
        ref: `twilio-recording:${voicemail.recordingSid}`,
        fetch: () => downloadRecording(deps.settings, voicemail.recordingUrl),
      },
    ],
  });
}

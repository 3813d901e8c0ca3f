/**
 * A recorded voicemail becomes a customer message on the `phone` channel and goes through the
 * normal intake (the runtime's inbound pipeline, one-reply like e-mail), by way of a durable job
 * ({@link VoicemailIntake}): the caller matched by number, the recording downloaded from Twilio
 * with the account's credentials (tried again until it comes) and kept in the media store like
 * other voice notes, transcribed by the AI path when configured, a ticket opened — or the
 * message added to the ticket the caller's phone chat follows. The call's SID is the message's
 * platform id and the job's key, so a repeated callback (same CallSid or RecordingSid) is taken
 * once.
 */
import type { InboundHandler } from "../channels/port.js";
import * as store from "../data/supportStore.js";
import { CodedError } from "../errors.js";
import type { TwilioSettings } from "../pager/twilioNotifier.js";
import { type JobPayload, scheduleJob } from "../runtime/jobs.js";
import { type AfterCommit, newEffects, type RuntimeContext } from "../runtime/runtimeContext.js";

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

/** How many times a recording's download is tried before the voicemail is taken without it. */
export const RECORDING_DOWNLOAD_ATTEMPTS = 12;

/** The wait before download attempt `attempt` + 1 (30 s, doubling, at most 30 minutes). */
export function recordingRetryDelayMs(attempt: number): number {
  return Math.min(30_000 * 2 ** attempt, 30 * 60_000);
}

/** The key of a call's voicemail job (one per call: Twilio's repeated callbacks land on it). */
export const voicemailJobKey = (callSid: string) => `phone.voicemail:${callSid}`;

/**
 * Takes the phone lines' voicemails durably: the recording-status callback only stores a
 * `phone.voicemail` job (in the job table, so Twilio is answered at once and nothing is lost on
 * a restart); the job downloads the recording and hands the message to the intake. A failed
 * download is tried again later with a growing wait ({@link recordingRetryDelayMs}); after
 * {@link RECORDING_DOWNLOAD_ATTEMPTS} the voicemail is taken without it: its text says so and
 * names the recording's SID (it stays on Twilio), and the ticket opens as for any message.
 */
export class VoicemailIntake {
  constructor(
    private readonly ctx: RuntimeContext,
    private readonly handleInbound: InboundHandler,
    /** Downloads a recording by Twilio's RecordingUrl; null when no Twilio account is configured. */
    private readonly download: ((recordingUrl: string) => Promise<Uint8Array>) | null,
    private readonly afterCommit: AfterCommit,
  ) {}

  /** Stores the voicemail's job; resolves once it is committed (Twilio may then be answered). */
  accept = async (voicemail: RecordedVoicemail): Promise<void> => {
    await this.schedule(voicemail, 0, this.ctx.clock.now());
  };

  private async schedule(voicemail: RecordedVoicemail, attempt: number, dueAt: Date): Promise<void> {
    const fx = newEffects();
    await this.ctx.db.transaction((tx) =>
      scheduleJob(tx, {
        kind: "phone.voicemail",
        key: voicemailJobKey(voicemail.callSid),
        dueAt,
        payload: { ...voicemail, at: voicemail.at.toISOString(), attempt },
      }),
    );
    fx.jobsDue = true;
    await this.afterCommit(fx);
  }

  /** Runs a `phone.voicemail` job: the recording downloaded (or tried again later), then the intake. */
  run = async (job: JobPayload<"phone.voicemail">): Promise<void> => {
    const { ctx } = this;
    const voicemail: RecordedVoicemail = { ...job, at: new Date(job.at) };
    // Taken already (a callback repeated after its job was done): nothing to download again.
    if (await store.inboundSeen(ctx.db, "phone", voicemail.callSid)) return;
    let bytes: Uint8Array | null = null;
    if (this.download) {
      try {
        bytes = await this.download(voicemail.recordingUrl);
      } catch (error) {
        const next = job.attempt + 1;
        if (next < RECORDING_DOWNLOAD_ATTEMPTS) {
          const retryAt = new Date(ctx.clock.now().getTime() + recordingRetryDelayMs(job.attempt));
          ctx.logger.warn(
            { err: error, recording: voicemail.recordingSid, attempt: next, retryAt },
            "voicemail recording not downloaded; tried again later",
          );
          await this.schedule(voicemail, next, retryAt);
          return;
        }
        ctx.logger.error(
          { err: error, recording: voicemail.recordingSid, attempts: next },
          "voicemail recording could not be downloaded; the voicemail is taken without it",
        );
      }
    }
    const caller = voicemail.from.startsWith("+") ? voicemail.from : `anonymous-${voicemail.callSid}`;
    const recording = bytes;
    // Without its recording the voicemail is still a message: a line saying where the recording is.
    const text = recording
      ? ""
      : ctx.renderer.render(
          "phoneLine.recordingUnavailable",
          { seconds: String(voicemail.durationSeconds), recording: voicemail.recordingSid },
          ctx.policy.defaultLanguage,
        );
    await this.handleInbound({
      channel: "phone",
      chatId: caller,
      senderId: caller,
      platformMessageId: voicemail.callSid,
      at: voicemail.at,
      text,
      attachments: recording
        ? [
            {
              kind: "voice",
              mime: "audio/mpeg",
              name: `voicemail-${voicemail.recordingSid}.mp3`,
              ref: `twilio-recording:${voicemail.recordingSid}`,
              fetch: async () => recording,
            },
          ]
        : [],
    });
  };
}

/**
 * A fake of Twilio's REST API (api.twilio.com/2010-04-01) for the official `twilio` library: it
 * answers Messages.json (SMS) and Calls.json (voice calls) like Twilio — Basic auth with the
 * account SID and auth token, form-encoded parameters, a JSON resource with a new SID — and
 * records every request; it serves call recordings (GET Recordings/RE….mp3, same auth) added with
 * `addRecording` (failing a number of times first with `failingRecordings`). `signedRequest` builds a webhook request as Twilio signs it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";

export interface TwilioRequest {
  resource: "Messages" | "Calls";
  params: Record<string, string>;
  sid: string;
}

export const FAKE_TWILIO = {
  accountSid: "AC00000000000000000000000000000001",
  authToken: "fake-twilio-auth-token-0123456789",
  from: "+390452525658",
} as const;

export class FakeTwilioApi {
  readonly requests: TwilioRequest[] = [];
  /** Numbers whose messages and calls fail (Twilio's 400 for an invalid "To"). */
  readonly failing = new Set<string>();
  private next = 1;
  private readonly recordings = new Map<string, Uint8Array>();
  /** Recording SIDs downloaded, in order. */
  readonly downloads: string[] = [];
  /** Recording SIDs whose next N downloads fail (Twilio answering 503), by SID. */
  readonly failingRecordings = new Map<string, number>();
  /** Failed recording downloads, in order. */
  readonly failedDownloads: string[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeTwilioApi> {
    let fake: FakeTwilioApi | undefined;
    const server = createServer((req, res) => {
      void fake?.handle(req, res);
    });
    fake = new FakeTwilioApi(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests of one resource, oldest first. */
  of(resource: TwilioRequest["resource"]): TwilioRequest[] {
    return this.requests.filter((r) => r.resource === resource);
  }

  /** Keeps a recording; answers its RecordingUrl as Twilio gives it (api.twilio.com, no extension). */
  addRecording(sid: string, bytes: Uint8Array): string {
    this.recordings.set(sid, bytes);
    return `https://api.twilio.com/2010-04-01/Accounts/${FAKE_TWILIO.accountSid}/Recordings/${sid}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const expected = `Basic ${Buffer.from(`${FAKE_TWILIO.accountSid}:${FAKE_TWILIO.authToken}`).toString("base64")}`;
    if (req.headers.authorization !== expected)
      return reply(401, { code: 20003, message: "Authenticate", status: 401 });
    const recording = /^\/2010-04-01\/Accounts\/(AC\w+)\/Recordings\/(RE\w+)\.mp3$/.exec(req.url ?? "");
    if (req.method === "GET" && recording) {
      const bytes = this.recordings.get(recording[2]!);
      if (!bytes || recording[1] !== FAKE_TWILIO.accountSid)
        return reply(404, { code: 20404, message: "Not found", status: 404 });
      const failures = this.failingRecordings.get(recording[2]!) ?? 0;
      if (failures > 0) {
        this.failingRecordings.set(recording[2]!, failures - 1);
        this.failedDownloads.push(recording[2]!);
        return reply(503, { code: 20503, message: "Service unavailable", status: 503 });
      }
      this.downloads.push(recording[2]!);
      res.writeHead(200, { "content-type": "audio/mpeg", "content-length": String(bytes.length) });
      res.end(Buffer.from(bytes));
      return;
    }
    const match = /^\/2010-04-01\/Accounts\/(AC\w+)\/(Messages|Calls)\.json$/.exec(req.url ?? "");
    if (req.method !== "POST" || !match || match[1] !== FAKE_TWILIO.accountSid)
      return reply(404, { code: 20404, message: "Not found", status: 404 });
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    const resource = match[2] as TwilioRequest["resource"];
    if (this.failing.has(params.To ?? ""))
      return reply(400, {
        code: 21211,
        message: `The 'To' number ${params.To} is not a valid phone number.`,
        status: 400,
      });
    const sid = `${resource === "Messages" ? "SM" : "CA"}${String(this.next++).padStart(32, "0")}`;
    this.requests.push({ resource, params, sid });
    reply(201, {
      sid,
      account_sid: FAKE_TWILIO.accountSid,
      to: params.To,
      from: params.From,
      status: "queued",
      ...(resource === "Messages" ? { body: params.Body } : {}),
      date_created: new Date().toUTCString(),
    });
  }
}

/** A webhook request as Twilio sends it: form body and the X-Twilio-Signature of URL + params. */
export function signedRequest(
  url: string,
  params: Record<string, string>,
  authToken: string = FAKE_TWILIO.authToken,
): { headers: Record<string, string>; payload: string } {
  return {
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": getExpectedTwilioSignature(authToken, url, params),
    },
    payload: new URLSearchParams(params).toString(),
  };
}

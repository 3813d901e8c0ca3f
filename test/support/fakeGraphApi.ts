/**
 * A fake WhatsApp Cloud API (Graph API) on 127.0.0.1 (random port) for the `cloud` driver: it
 * answers the calls the driver makes — send a message, mark read, upload media, look a media up,
 * download it with the token, read the phone number — records them, can fail them (429 with
 * Retry-After, 5xx, a revoked token, a Meta error code), and plays Meta's side of the webhook:
 * it builds the bodies Meta posts (every message type, statuses) and signs them with the app
 * secret in `X-Hub-Signature-256`, as Meta does.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A message the business sent, as the fake received it. */
export interface CloudSent {
  id: string;
  to: string;
  type: string;
  payload: Record<string, unknown>;
  /** The text the customer reads: body, interactive body, or template parameters. */
  text: string;
  /** Reply-button titles or list-row titles, when interactive. */
  options: string[];
}

interface Failure {
  status: number;
  code: number;
  message: string;
  retryAfter?: number;
  remaining: number;
}

/** Where signed webhooks go: an URL, or a handler called with the raw body and headers. */
export type WebhookTarget =
  | string
  | ((rawBody: string, headers: Record<string, string>) => Promise<{ status: number; body?: unknown }>);

export const FAKE_PHONE_NUMBER_ID = "109876543210987";
export const FAKE_TOKEN = "EAAG-fake-permanent-token";
export const FAKE_APP_SECRET = "fake-app-secret-0123456789";
export const FAKE_VERIFY_TOKEN = "sportello-verify";

export class FakeGraphApi {
  readonly phoneNumberId = FAKE_PHONE_NUMBER_ID;
  readonly token = FAKE_TOKEN;
  readonly appSecret = FAKE_APP_SECRET;
  readonly verifyToken = FAKE_VERIFY_TOKEN;
  readonly version = "v23.0";
  /** Every call, in order: method, path and JSON body (multipart uploads: their fields). */
  readonly calls: { method: string; path: string; body: unknown }[] = [];
  readonly sent: CloudSent[] = [];
  /** Media the fake serves: id → bytes and type. */
  readonly media = new Map<string, { bytes: Uint8Array; mime: string; reportedSize?: number }>();
  readonly uploads: { id: string; mime: string; name: string; size: number }[] = [];
  /** True: every call answers 401 with Meta code 190 (a revoked token). */
  invalidToken = false;
  target: WebhookTarget | undefined;
  /** The customer's clock: when their messages and statuses are stamped (a test's simulated clock). */
  now: () => Date = () => new Date();

  private readonly server: Server;
  private readonly failures = new Map<string, Failure>();
  /** While set, sends are received (and recorded) but not answered, as a Graph API that hangs. */
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private nextId = 1;
  private baseUrlValue = "";

  private constructor() {
    this.server = createServer((req, res) => {
      void this.route(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: String(error), code: 1 } }));
      });
    });
  }

  static async start(): Promise<FakeGraphApi> {
    const api = new FakeGraphApi();
    await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
    api.baseUrlValue = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return api;
  }

  /** The Graph API root to hand the driver (WHATSAPP_GRAPH_URL). */
  get baseUrl(): string {
    return this.baseUrlValue;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` calls of `kind` (messages, media, mediaInfo, download) fail like this. */
  failNext(
    kind: "messages" | "media" | "mediaInfo" | "download",
    failure: { status: number; code: number; message?: string; retryAfter?: number },
    times = 1,
  ): void {
    this.failures.set(kind, { message: "fake failure", ...failure, remaining: times });
  }

  /** From now on sends are recorded but left unanswered until {@link releaseSends}. */
  holdSends(): void {
    this.held ??= new Promise<void>((resolve) => {
      this.release = resolve;
    });
  }

  releaseSends(): void {
    this.release?.();
    this.held = undefined;
    this.release = undefined;
  }

  /** Sends received so far (answered or held), status reads excluded. */
  sendCalls(): number {
    return this.calls.filter(
      (c) => c.path.endsWith("/messages") && (c.body as { status?: string })?.status !== "read",
    ).length;
  }

  /** Messages sent to one customer (digits), oldest first. */
  sentTo(to: string): CloudSent[] {
    return this.sent.filter((s) => s.to === to);
  }

  /** Stores a media the customer "uploads" with their message; returns its id. */
  addMedia(bytes: Uint8Array, mime: string, reportedSize?: number): string {
    const id = `media-${this.nextId++}`;
    this.media.set(id, { bytes, mime, ...(reportedSize !== undefined ? { reportedSize } : {}) });
    return id;
  }

  // --- Meta's side of the webhook -----------------------------------------------------------

  /** `sha256=<hex>` of the body with the app secret, as Meta signs it. */
  sign(rawBody: string, secret = this.appSecret): string {
    return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
  }

  /** A whole webhook body carrying `value` (messages or statuses) for our phone number. */
  body(value: Record<string, unknown>): Record<string, unknown> {
    return {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "WABA-1",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "390212345678", phone_number_id: this.phoneNumberId },
                ...value,
              },
            },
          ],
        },
      ],
    };
  }

  /** A customer message of any type (`fields` are the type's own object), as Meta posts it. */
  message(
    from: string,
    type: string,
    fields: Record<string, unknown> = {},
    options: { id?: string; at?: Date; name?: string } = {},
  ): { id: string; body: Record<string, unknown> } {
    const id = options.id ?? `wamid.in.${this.nextId++}`;
    const timestamp = String(Math.floor((options.at ?? this.now()).getTime() / 1000));
    return {
      id,
      body: this.body({
        contacts: [{ wa_id: from, profile: { name: options.name ?? "Mario" } }],
        messages: [{ from, id, timestamp, type, ...fields }],
      }),
    };
  }

  text(from: string, text: string, options: { id?: string; at?: Date } = {}) {
    return this.message(from, "text", { text: { body: text } }, options);
  }

  /** The customer taps a reply button or a list row of the last interactive message to them. */
  tap(from: string, title: string, options: { at?: Date } = {}) {
    const last = [...this.sentTo(from)].reverse().find((s) => s.type === "interactive");
    if (!last) throw new Error(`no interactive message was sent to ${from}`);
    const interactive = last.payload.interactive as {
      type: "button" | "list";
      action: {
        buttons?: { reply: { id: string; title: string } }[];
        sections?: { rows: { id: string; title: string }[] }[];
      };
    };
    if (interactive.type === "button") {
      const button = interactive.action.buttons!.find((b) => b.reply.title === title);
      if (!button) throw new Error(`no button "${title}" (${last.options.join(", ")})`);
      return this.message(
        from,
        "interactive",
        { interactive: { type: "button_reply", button_reply: button.reply }, context: { id: last.id } },
        options,
      );
    }
    const row = interactive.action.sections!.flatMap((s) => s.rows).find((r) => r.title === title);
    if (!row) throw new Error(`no list row "${title}" (${last.options.join(", ")})`);
    return this.message(
      from,
      "interactive",
      {
        interactive: { type: "list_reply", list_reply: { id: row.id, title: row.title } },
        context: { id: last.id },
      },
      options,
    );
  }

  /** A status Meta reports for a message the business sent. */
  status(
    messageId: string,
    status: "sent" | "delivered" | "read" | "failed",
    errors?: { code: number; title: string; message?: string }[],
  ): Record<string, unknown> {
    const sent = this.sent.find((s) => s.id === messageId);
    return this.body({
      statuses: [
        {
          id: messageId,
          status,
          timestamp: String(Math.floor(this.now().getTime() / 1000)),
          recipient_id: sent?.to ?? "0",
          ...(errors ? { errors } : {}),
        },
      ],
    });
  }

  /**
   * Posts a body to the webhook target, signed (or with `signature` as given, or none with
   * `null`); returns the status and body sportello answered.
   */
  async post(
    body: Record<string, unknown> | string,
    options: { signature?: string | null } = {},
  ): Promise<{ status: number; body?: unknown }> {
    const raw = typeof body === "string" ? body : JSON.stringify(body);
    const headers: Record<string, string> = { "content-type": "application/json" };
    const signature = options.signature === undefined ? this.sign(raw) : options.signature;
    if (signature !== null) headers["x-hub-signature-256"] = signature;
    const target = this.target;
    if (!target) throw new Error("no webhook target set");
    if (typeof target !== "string") return target(raw, headers);
    const response = await fetch(target, { method: "POST", headers, body: raw });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, body: parsed };
  }

  // --- Graph API ------------------------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    const raw = await readBody(req);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(value));
    };
    const contentType = req.headers["content-type"] ?? "";
    let body: unknown;
    if (contentType.startsWith("application/json")) body = JSON.parse(raw.toString("utf8") || "{}");
    else if (contentType.startsWith("multipart/form-data")) {
      const form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
      body = form;
    }
    this.calls.push({
      method: req.method ?? "GET",
      path: url.pathname,
      body: body instanceof FormData ? Object.fromEntries([...body.keys()].map((k) => [k, "…"])) : body,
    });

    if (this.invalidToken || req.headers.authorization !== `Bearer ${this.token}`) {
      return json(401, {
        error: {
          message: "Error validating access token: The session has been invalidated.",
          type: "OAuthException",
          code: 190,
        },
      });
    }
    const fail = (kind: string): boolean => {
      const failure = this.failures.get(kind);
      if (!failure || failure.remaining <= 0) return false;
      failure.remaining--;
      json(
        failure.status,
        { error: { message: failure.message, type: "OAuthException", code: failure.code } },
        failure.retryAfter !== undefined ? { "retry-after": String(failure.retryAfter) } : {},
      );
      return true;
    };

    const prefix = `/${this.version}/`;
    if (url.pathname.startsWith("/download/")) {
      if (fail("download")) return;
      const media = this.media.get(url.pathname.slice("/download/".length));
      if (!media) return json(404, { error: { message: "media not found", code: 100 } });
      res.writeHead(200, { "content-type": media.mime, "content-length": String(media.bytes.byteLength) });
      res.end(Buffer.from(media.bytes));
      return;
    }
    if (!url.pathname.startsWith(prefix))
      return json(404, { error: { message: "unknown version", code: 100 } });
    const rest = url.pathname.slice(prefix.length).split("/");
    if (rest[0] === this.phoneNumberId && rest.length === 1) {
      return json(200, { display_phone_number: "+39 02 1234 5678", id: this.phoneNumberId });
    }
    if (rest[0] === this.phoneNumberId && rest[1] === "messages" && req.method === "POST") {
      const payload = body as Record<string, unknown>;
      if (payload.status === "read") return json(200, { success: true });
      if (this.held) await this.held;
      if (fail("messages")) return;
      const id = `wamid.out.${this.nextId++}`;
      const to = String(payload.to);
      this.sent.push({ id, to, type: String(payload.type), payload, ...readable(payload) });
      return json(200, {
        messaging_product: "whatsapp",
        contacts: [{ input: to, wa_id: to }],
        messages: [{ id }],
      });
    }
    if (rest[0] === this.phoneNumberId && rest[1] === "media" && req.method === "POST") {
      if (fail("media")) return;
      const form = body as FormData;
      const file = form.get("file") as File;
      const id = this.addMedia(new Uint8Array(await file.arrayBuffer()), String(form.get("type")));
      this.uploads.push({ id, mime: String(form.get("type")), name: file.name, size: file.size });
      return json(200, { id });
    }
    if (rest.length === 1 && this.media.has(rest[0]!) && req.method === "GET") {
      if (fail("mediaInfo")) return;
      const media = this.media.get(rest[0]!)!;
      return json(200, {
        url: `${this.baseUrl}/download/${rest[0]}`,
        mime_type: media.mime,
        sha256: "0",
        file_size: media.reportedSize ?? media.bytes.byteLength,
        id: rest[0],
        messaging_product: "whatsapp",
      });
    }
    return json(404, { error: { message: `no route ${req.method} ${url.pathname}`, code: 100 } });
  }
}

/** What the customer reads of a sent payload. */
function readable(payload: Record<string, unknown>): { text: string; options: string[] } {
  const type = payload.type;
  if (type === "text") return { text: (payload.text as { body: string }).body, options: [] };
  if (type === "interactive") {
    const interactive = payload.interactive as {
      body: { text: string };
      action: { buttons?: { reply: { title: string } }[]; sections?: { rows: { title: string }[] }[] };
    };
    const options =
      interactive.action.buttons?.map((b) => b.reply.title) ??
      interactive.action.sections?.flatMap((s) => s.rows.map((r) => r.title)) ??
      [];
    return { text: interactive.body.text, options };
  }
  if (type === "template") {
    const template = payload.template as {
      name: string;
      components?: { parameters: { text: string }[] }[];
    };
    const parameters = (template.components ?? []).flatMap((c) => c.parameters.map((p) => p.text));
    return { text: `[template ${template.name}] ${parameters.join(" | ")}`, options: [] };
  }
  return { text: `[${String(type)}]`, options: [] };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually } from "./eventually.js";

/** A file part received in a multipart upload. */
export interface RecordedFile {
  field: string;
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** One Bot API call the fake received (file downloads are recorded with method `file`). */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  files: RecordedFile[];
}

/** A message the bot sent, as the fake stored it. */
export interface SentMessage {
  message_id: number;
  chat: { id: number; type: string };
  text?: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] };
  [field: string]: unknown;
}

/** An update as the fake hands it out; loosely typed on purpose (tests build odd ones). */
export type FakeUpdate = { update_id: number } & Record<string, unknown>;

interface Failure {
  /** Calls to let through before failing. */
  skip: number;
  remaining: number;
  errorCode: number;
  description: string;
  retryAfter: number | undefined;
}

interface StoredFile {
  path: string;
  bytes: Uint8Array;
  /** What getFile reports; defaults to the real length (tests lie here to exercise size caps). */
  reportedSize: number;
}

/** Defaults of the customer the enqueue helpers write as. */
export const FAKE_CUSTOMER = { id: 4242, firstName: "Mario", lastName: "Rossi", languageCode: "it" } as const;
export const FAKE_BOT = { id: 777000, username: "sportello_test_bot", firstName: "Sportello" } as const;

/**
 * A fake Telegram Bot API server on 127.0.0.1 (random port) that the real grammY and telegraf
 * clients talk to through their `apiRoot` option. It implements what the adapter uses — getMe,
 * getUpdates (long poll with a short hold, offset confirmation, 409 while a webhook is set),
 * deleteWebhook, setWebhook, sendMessage, editMessageReplyMarkup, answerCallbackQuery, send*
 * uploads (JSON or multipart), getFile and the file download route — records every call, and
 * can be told to fail calls (429 with retry_after…) or to reject the token.
 */
export class FakeTelegramApi {
  readonly token: string;
  readonly calls: RecordedCall[] = [];
  /** When true every call answers 401 Unauthorized, like Telegram for a revoked/invalid token. */
  invalidToken = false;
  webhook: { url: string; secretToken: string | undefined } | undefined;
  /** Every message the bot sent (text or media), with its current keyboard, oldest first. */
  readonly sent: SentMessage[] = [];

  private readonly server: Server;
  private readonly holdMs: number;
  private pending: FakeUpdate[] = [];
  private nextUpdateId = 100_000;
  private nextMessageId = 1;
  private nextFileId = 1;
  private nextCallbackId = 1;
  private readonly failures = new Map<string, Failure>();
  private readonly files = new Map<string, StoredFile>();
  private readonly waiters = new Set<() => void>();
  /** Calls being answered or held open (long polls). */
  private inFlight = 0;

  private constructor(server: Server, token: string, holdMs: number) {
    this.server = server;
    this.token = token;
    this.holdMs = holdMs;
  }

  /** Starts the fake; `holdMs` bounds how long an empty getUpdates is held open. */
  static async start(options: { token?: string; holdMs?: number } = {}): Promise<FakeTelegramApi> {
    let fake: FakeTelegramApi | undefined;
    const server = createServer((req, res) => {
      void fake?.handle(req, res);
    });
    fake = new FakeTelegramApi(server, options.token ?? "123456:TEST-token_abc", options.holdMs ?? 200);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** Base URL for the clients' `apiRoot`. */
  get apiRoot(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * The idle signal: resolves once no call is being answered or held open (a long poll), then
   * closes the connections clients keep alive, so any later call has to connect again. After a
   * client's `stop()` resolved, this is the proof that its last call is over — tests await it
   * instead of sleeping to show that nothing else comes.
   */
  async idle(): Promise<void> {
    await eventually(
      () => this.inFlight === 0,
      () => `the Bot API fake to be idle (${this.inFlight} calls in flight)`,
    );
    this.server.closeIdleConnections();
  }

  /** Calls of one method, in order. */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /**
   * Makes the next `count` calls of `method` fail (default: one 429 with `retry_after` 1), after
   * letting `skip` calls through.
   */
  failNext(
    method: string,
    options: {
      count?: number;
      skip?: number;
      errorCode?: number;
      retryAfter?: number;
      description?: string;
    } = {},
  ): void {
    const errorCode = options.errorCode ?? 429;
    this.failures.set(method, {
      skip: options.skip ?? 0,
      remaining: options.count ?? 1,
      errorCode,
      retryAfter: options.retryAfter ?? (errorCode === 429 ? 1 : undefined),
      description:
        options.description ??
        (errorCode === 429
          ? `Too Many Requests: retry after ${options.retryAfter ?? 1}`
          : errorCode === 403
            ? "Forbidden: bot was blocked by the user"
            : "Bad Request"),
    });
  }

  /** Updates queued and not yet confirmed through a getUpdates offset. */
  get pendingUpdates(): readonly FakeUpdate[] {
    return this.pending;
  }

  /** Queues a raw update (an `update_id` is assigned unless given). */
  enqueueUpdate(update: Record<string, unknown>): FakeUpdate {
    const full = { update_id: this.nextUpdateId++, ...update } as FakeUpdate;
    this.pending.push(full);
    this.wake();
    return full;
  }

  /** Queues the very same update twice (same update_id), as after a crash before confirmation. */
  enqueueTwice(update: Record<string, unknown>): FakeUpdate {
    const full = this.enqueueUpdate(update);
    this.pending.push(full);
    this.wake();
    return full;
  }

  /** A private-chat message object from the fake customer (not queued). */
  privateMessage(fields: Record<string, unknown>, from: { id?: number; languageCode?: string } = {}) {
    const userId = from.id ?? FAKE_CUSTOMER.id;
    return {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.UTC(2026, 10, 20, 9, 30) / 1000),
      chat: {
        id: userId,
        type: "private",
        first_name: FAKE_CUSTOMER.firstName,
        last_name: FAKE_CUSTOMER.lastName,
      },
      from: {
        id: userId,
        is_bot: false,
        first_name: FAKE_CUSTOMER.firstName,
        last_name: FAKE_CUSTOMER.lastName,
        language_code: from.languageCode ?? FAKE_CUSTOMER.languageCode,
      },
      ...fields,
    };
  }

  enqueueText(text: string, from: { id?: number; languageCode?: string } = {}): FakeUpdate {
    return this.enqueueUpdate({ message: this.privateMessage({ text }, from) });
  }

  /** Stores a downloadable file and returns its file_id. */
  addFile(bytes: Uint8Array, options: { path?: string; reportedSize?: number } = {}): string {
    const n = this.nextFileId++;
    const fileId = `file-${n}`;
    this.files.set(fileId, {
      path: options.path ?? `documents/file_${n}.bin`,
      bytes,
      reportedSize: options.reportedSize ?? bytes.byteLength,
    });
    return fileId;
  }

  /** Queues a photo: one file per size, listed in the order given (Telegram lists them ascending). */
  enqueuePhoto(sizes: { width: number; height: number; bytes: Uint8Array }[], caption?: string): FakeUpdate {
    const photo = sizes.map((size) => {
      const fileId = this.addFile(size.bytes, { path: `photos/file_${this.nextFileId}.jpg` });
      return {
        file_id: fileId,
        file_unique_id: `u-${fileId}`,
        width: size.width,
        height: size.height,
        file_size: size.bytes.byteLength,
      };
    });
    return this.enqueueUpdate({ message: this.privateMessage(caption ? { photo, caption } : { photo }) });
  }

  enqueueVoice(bytes: Uint8Array, duration = 3): FakeUpdate {
    const fileId = this.addFile(bytes, { path: `voice/file_${this.nextFileId}.oga` });
    const voice = {
      file_id: fileId,
      file_unique_id: `u-${fileId}`,
      duration,
      mime_type: "audio/ogg",
      file_size: bytes.byteLength,
    };
    return this.enqueueUpdate({ message: this.privateMessage({ voice }) });
  }

  enqueueDocument(bytes: Uint8Array, fileName: string, mimeType: string, reportedSize?: number): FakeUpdate {
    const fileId = this.addFile(bytes, {
      path: `documents/${fileName}`,
      ...(reportedSize !== undefined ? { reportedSize } : {}),
    });
    const document = {
      file_id: fileId,
      file_unique_id: `u-${fileId}`,
      file_name: fileName,
      mime_type: mimeType,
      file_size: reportedSize ?? bytes.byteLength,
    };
    return this.enqueueUpdate({ message: this.privateMessage({ document }) });
  }

  /**
   * Queues a button press on a bot message carrying `keyboard` (choice id → label), as Telegram
   * sends it: the callback query with the original message and its inline keyboard.
   */
  enqueueCallbackQuery(
    data: string,
    options: { messageId?: number; keyboard?: Record<string, string> } = {},
  ) {
    const keyboard = options.keyboard ?? { [data]: data };
    const message = {
      message_id: options.messageId ?? this.nextMessageId++,
      date: Math.floor(Date.UTC(2026, 10, 20, 9, 31) / 1000),
      chat: { id: FAKE_CUSTOMER.id, type: "private", first_name: FAKE_CUSTOMER.firstName },
      from: { id: FAKE_BOT.id, is_bot: true, first_name: FAKE_BOT.firstName, username: FAKE_BOT.username },
      text: "Scegli",
      reply_markup: {
        inline_keyboard: Object.entries(keyboard).map(([id, label]) => [{ text: label, callback_data: id }]),
      },
    };
    return this.enqueueUpdate({
      callback_query: {
        id: `cbq-${this.nextCallbackId++}`,
        from: {
          id: FAKE_CUSTOMER.id,
          is_bot: false,
          first_name: FAKE_CUSTOMER.firstName,
          language_code: FAKE_CUSTOMER.languageCode,
        },
        chat_instance: "chat-instance-1",
        message,
        data,
      },
    });
  }

  /** Messages the bot sent to one chat (default: the fake customer), oldest first. */
  sentTo(chatId: number | string = FAKE_CUSTOMER.id): SentMessage[] {
    return this.sent.filter((message) => String(message.chat.id) === String(chatId));
  }

  /**
   * The customer presses a button (matched by label or callback data) on the latest message the
   * bot sent to them that still shows it; throws when no such button is visible — e.g. because
   * the keyboard was already removed, as on a real phone.
   */
  pressButton(labelOrData: string, chatId: number = FAKE_CUSTOMER.id): FakeUpdate {
    for (const message of [...this.sentTo(chatId)].reverse()) {
      const button = (message.reply_markup?.inline_keyboard ?? [])
        .flat()
        .find((candidate) => candidate.text === labelOrData || candidate.callback_data === labelOrData);
      if (!button?.callback_data) continue;
      return this.enqueueUpdate({
        callback_query: {
          id: `cbq-${this.nextCallbackId++}`,
          from: {
            id: chatId,
            is_bot: false,
            first_name: FAKE_CUSTOMER.firstName,
            language_code: FAKE_CUSTOMER.languageCode,
          },
          chat_instance: "chat-instance-1",
          message: structuredClone(message),
          data: button.callback_data,
        },
      });
    }
    throw new Error(`no visible button "${labelOrData}" in chat ${chatId}`);
  }

  /** A plain text message in a supergroup. */
  enqueueGroupMessage(text: string, chatId = -1001234567890): FakeUpdate {
    return this.enqueueUpdate({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.UTC(2026, 10, 20, 9, 32) / 1000),
        chat: { id: chatId, type: "supergroup", title: "Ufficio" },
        from: {
          id: FAKE_CUSTOMER.id,
          is_bot: false,
          first_name: FAKE_CUSTOMER.firstName,
          language_code: "it",
        },
        text,
      },
    });
  }

  /** The service message Telegram sends when somebody adds the bot to a group. */
  enqueueBotAddedToGroup(chatId = -1001234567890, languageCode = "en"): FakeUpdate {
    const bot = {
      id: FAKE_BOT.id,
      is_bot: true,
      first_name: FAKE_BOT.firstName,
      username: FAKE_BOT.username,
    };
    return this.enqueueUpdate({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.UTC(2026, 10, 20, 9, 33) / 1000),
        chat: { id: chatId, type: "supergroup", title: "Ufficio" },
        from: {
          id: FAKE_CUSTOMER.id,
          is_bot: false,
          first_name: FAKE_CUSTOMER.firstName,
          language_code: languageCode,
        },
        new_chat_member: bot,
        new_chat_participant: bot,
        new_chat_members: [bot],
      },
    });
  }

  /** Pushes an update to the registered webhook like Telegram does; returns the HTTP status. */
  async deliverWebhook(update: Record<string, unknown>): Promise<number> {
    if (!this.webhook) throw new Error("no webhook set");
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.webhook.secretToken) headers["x-telegram-bot-api-secret-token"] = this.webhook.secretToken;
    const full = { update_id: this.nextUpdateId++, ...update };
    const response = await fetch(this.webhook.url, { method: "POST", headers, body: JSON.stringify(full) });
    await response.arrayBuffer();
    return response.status;
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      await this.route(req, res);
    } finally {
      this.inFlight--;
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const fileRoute = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileRoute) return this.download(fileRoute[1]!, decodeURIComponent(fileRoute[2]!), res);
    const route = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!route) return reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    const [, token, method] = route as unknown as [string, string, string];
    let params: Record<string, unknown>;
    let files: RecordedFile[];
    try {
      ({ params, files } = await readParams(req, url));
    } catch (error) {
      return reply(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${String(error)}` });
    }
    this.calls.push({ method, params, files });
    if (this.invalidToken || token !== this.token) {
      return reply(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    }
    const failure = this.failures.get(method);
    if (failure && failure.skip > 0) {
      failure.skip -= 1;
    } else if (failure && failure.remaining > 0) {
      failure.remaining -= 1;
      return reply(res, failure.errorCode, {
        ok: false,
        error_code: failure.errorCode,
        description: failure.description,
        ...(failure.retryAfter !== undefined ? { parameters: { retry_after: failure.retryAfter } } : {}),
      });
    }
    const result = await this.answer(method, params, files, res);
    if (result === undefined) return; // answered already (or the client went away)
    if ("error_code" in (result as object)) {
      const error = result as { error_code: number };
      return reply(res, error.error_code, { ok: false, ...error });
    }
    return reply(res, 200, { ok: true, result: (result as { value: unknown }).value });
  }

  private async answer(
    method: string,
    params: Record<string, unknown>,
    files: RecordedFile[],
    res: ServerResponse,
  ): Promise<{ value: unknown } | { error_code: number; description: string } | undefined> {
    switch (method) {
      case "getMe":
        return {
          value: {
            id: FAKE_BOT.id,
            is_bot: true,
            first_name: FAKE_BOT.firstName,
            username: FAKE_BOT.username,
            can_join_groups: true,
            can_read_all_group_messages: false,
            supports_inline_queries: false,
          },
        };
      case "deleteWebhook":
        this.webhook = undefined;
        return { value: true };
      case "setWebhook":
        this.webhook = {
          url: String(params.url),
          secretToken: params.secret_token === undefined ? undefined : String(params.secret_token),
        };
        return { value: true };
      case "getUpdates":
        return this.getUpdates(params, res);
      case "sendMessage":
        return { value: this.sentMessage(params, { text: params.text }) };
      case "sendPhoto":
      case "sendDocument":
      case "sendVideo":
      case "sendAudio":
      case "sendVoice": {
        const field = method.slice(4).toLowerCase();
        const given = params[field];
        const uploaded = files.find(
          (file) => file.field === field || (typeof given === "string" && given === `attach://${file.field}`),
        );
        if (!uploaded && typeof given !== "string") {
          return { error_code: 400, description: `Bad Request: there is no ${field} in the request` };
        }
        return { value: this.sentMessage(params, { [field]: { file_id: `sent-${this.nextFileId++}` } }) };
      }
      case "answerCallbackQuery":
        return { value: true };
      case "editMessageReplyMarkup": {
        const stored = this.sent.find(
          (message) =>
            message.message_id === Number(params.message_id) && message.chat.id === Number(params.chat_id),
        );
        const markup = params.reply_markup as SentMessage["reply_markup"] | undefined;
        const empty = (value: SentMessage["reply_markup"] | undefined) =>
          (value?.inline_keyboard ?? []).every((row) => row.length === 0);
        if (!stored) {
          // Not sent through this fake (a hand-built callback query): accept, like an old message.
          return { value: true };
        }
        if (empty(stored.reply_markup) && empty(markup)) {
          return {
            error_code: 400,
            description:
              "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
          };
        }
        if (markup && !empty(markup)) stored.reply_markup = markup;
        else delete stored.reply_markup;
        return { value: stored };
      }
      case "getFile": {
        const fileId = String(params.file_id);
        const file = this.files.get(fileId);
        if (!file) return { error_code: 400, description: "Bad Request: invalid file_id" };
        if (file.reportedSize > 20 * 1024 * 1024)
          return { error_code: 400, description: "Bad Request: file is too big" };
        return {
          value: {
            file_id: fileId,
            file_unique_id: `u-${fileId}`,
            file_size: file.reportedSize,
            file_path: file.path,
          },
        };
      }
      default:
        return { error_code: 404, description: `Not Found: method ${method} not implemented by the fake` };
    }
  }

  private sentMessage(params: Record<string, unknown>, content: Record<string, unknown>): SentMessage {
    const chatId = Number(params.chat_id);
    const message: SentMessage = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: chatId < 0 ? "supergroup" : "private" },
      from: { id: FAKE_BOT.id, is_bot: true, first_name: FAKE_BOT.firstName, username: FAKE_BOT.username },
      ...content,
      ...(params.reply_markup ? { reply_markup: params.reply_markup as SentMessage["reply_markup"] } : {}),
    };
    this.sent.push(message);
    return message;
  }

  private async getUpdates(
    params: Record<string, unknown>,
    res: ServerResponse,
  ): Promise<{ value: unknown } | { error_code: number; description: string } | undefined> {
    if (this.webhook) {
      return {
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      };
    }
    const offset = Number(params.offset ?? 0);
    const limit = Number(params.limit ?? 100);
    const timeoutMs = Math.min(Number(params.timeout ?? 0) * 1000, this.holdMs);
    // A positive offset confirms every update before it, exactly like Telegram.
    if (offset > 0) this.pending = this.pending.filter((update) => update.update_id >= offset);
    const available = () => this.pending.filter((update) => update.update_id >= offset).slice(0, limit);
    if (available().length === 0 && timeoutMs > 0) {
      const gone = await new Promise<boolean>((resolve) => {
        const done = (clientGone: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          res.off("close", onClose);
          resolve(clientGone);
        };
        const wake = () => done(false);
        const onClose = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        this.waiters.add(wake);
        res.on("close", onClose);
      });
      if (gone) return undefined;
    }
    return { value: available() };
  }

  private download(token: string, path: string, res: ServerResponse): void {
    this.calls.push({ method: "file", params: { path }, files: [] });
    if (this.invalidToken || token !== this.token) {
      reply(res, 401, { ok: false, error_code: 401 });
      return;
    }
    const file = [...this.files.values()].find((candidate) => candidate.path === path);
    if (!file) {
      reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": file.bytes.byteLength,
    });
    res.end(Buffer.from(file.bytes));
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readParams(
  req: IncomingMessage,
  url: URL,
): Promise<{ params: Record<string, unknown>; files: RecordedFile[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const files: RecordedFile[] = [];
  const type = req.headers["content-type"] ?? "";
  if (body.length === 0) return { params, files };
  if (type.startsWith("application/json")) {
    Object.assign(params, JSON.parse(body.toString("utf8")));
  } else if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [field, value] of new URLSearchParams(body.toString("utf8"))) params[field] = maybeJson(value);
  } else if (type.startsWith("multipart/form-data")) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary) throw new Error("multipart without boundary");
    for (const part of parseMultipart(body, boundary)) {
      if (part.filename === undefined) params[part.name] = maybeJson(part.data.toString("utf8"));
      else
        files.push({
          field: part.name,
          name: part.filename,
          type: part.type,
          bytes: new Uint8Array(part.data),
        });
    }
  }
  return { params, files };
}

/**
 * A deliberately lenient multipart/form-data reader: grammY writes headers without spaces and
 * unquoted filenames, which stricter parsers (undici's) reject but Telegram accepts.
 */
function parseMultipart(
  body: Buffer,
  boundary: string,
): { name: string; filename: string | undefined; type: string; data: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { name: string; filename: string | undefined; type: string; data: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next === -1) break;
    const chunk = body.subarray(afterDelimiter + 2, next - 2); // drop the CRLF after and before delimiters
    const headerEnd = chunk.indexOf("\r\n\r\n");
    const headers = chunk.subarray(0, headerEnd).toString("utf8");
    const data = chunk.subarray(headerEnd + 4);
    const name = /name="?([^";\r\n]+)"?/i.exec(headers.replace(/filename=[^;\r\n]*/i, ""))?.[1] ?? "";
    const filename = /filename="?([^";\r\n]+)"?/i.exec(headers)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? "text/plain";
    parts.push({ name, filename, type, data });
    start = next;
  }
  return parts;
}

/** Multipart fields carry JSON-serialised values (reply_markup, numbers); decode what decodes. */
function maybeJson(value: string): unknown {
  if (!/^[[{"]|^-?\d/.test(value)) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    // Keep numeric-looking strings that would lose precision or are ids as strings only if not finite.
    return typeof parsed === "number" && !Number.isSafeInteger(parsed) && Number.isInteger(parsed)
      ? value
      : parsed;
  } catch {
    return value;
  }
}

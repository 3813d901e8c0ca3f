/**
 * Files customers send on the web chat, on disk under `<dataDir>/uploads/`.
 *
 * - The type is decided from the content (magic bytes, `file-type`), never from what the browser
 *   declares: `setup.exe` declared as `application/pdf` is refused. Text without magic bytes is
 *   accepted only when it is valid UTF-8 without control characters.
 * - Size limits per file, per chat and for all chats together (quotas).
 * - An upload stays *pending* until the message that carries it is accepted; files of refused
 *   messages are deleted at once, pending files left behind (a crash mid-request) by
 *   {@link UploadStore.sweep}.
 * - Names are sanitised without cutting characters in half, and get the extension of their
 *   real type.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CodedError } from "../../errors.js";
import { attachmentKindOf } from "../attachmentKind.js";
import type { AttachmentKind } from "../port.js";
import { detectType } from "./detectUploadType.js";
import { sanitizeFileName, withExtension } from "./uploadFileName.js";
import type { UploadLimits } from "./uploadLimits.js";

export { sanitizeFileName } from "./uploadFileName.js";
export { DEFAULT_UPLOAD_LIMITS, DOWNLOAD_ONLY_TYPES, type UploadLimits } from "./uploadLimits.js";

/** A stored upload's metadata. */
export interface StoredUpload {
  id: string;
  chatId: string;
  name: string;
  mime: string;
  size: number;
  kind: AttachmentKind;
}

interface Meta extends StoredUpload {
  /** False until the message carrying it was accepted. */
  accepted?: boolean;
  at?: string;
}

export type UploadErrorCode = "unsupported-type" | "file-too-large" | "chat-quota-exceeded" | "storage-full";

/** Error with a stable code and the HTTP status the routes answer with. */
export class UploadError extends CodedError<UploadErrorCode> {
  constructor(
    code: UploadErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(code, message);
  }
}

const UPLOAD_ID_RE = /^[a-f0-9]{32}$/;
const newUploadId = () => randomBytes(16).toString("hex");

/** The public part of an upload's metadata. */
function storedUpload({ accepted: _accepted, at: _at, ...stored }: Meta): StoredUpload {
  return stored;
}

/** The upload folder: saving, keeping or discarding, reading and sweeping uploads. */
export interface UploadStore {
  /** Streams an upload to disk, checks size, quota and real type; the result is pending. */
  save(
    chatId: string,
    file: { name: string; mime: string; stream: NodeJS.ReadableStream; truncated?: () => boolean },
  ): Promise<StoredUpload>;
  /** Stores a file the bot sends (accepted at once). */
  put(
    chatId: string,
    file: { name: string; mime: string; kind: AttachmentKind; data: Uint8Array },
  ): Promise<StoredUpload>;
  /** The message carrying these uploads was accepted: keep them. */
  keep(ids: string[]): Promise<void>;
  /** The message carrying these uploads was refused or a duplicate: delete them now. */
  discard(ids: string[]): Promise<void>;
  read(id: string): Promise<{ meta: StoredUpload; bytes: Uint8Array } | null>;
  /** Deletes pending uploads older than `olderThanMs` (left by a crash mid-request); returns how many. */
  sweep(olderThanMs: number): Promise<number>;
  /** Bytes used by a chat and in total. */
  usage(chatId?: string): { chat: number; total: number };
}

/** Creates the store; call {@link UploadStore.sweep} at start (it also loads the quota counters). */
export function createUploadStore(options: {
  dir: string;
  limits: UploadLimits;
  now?: () => Date;
}): UploadStore {
  const { dir, limits } = options;
  const now = options.now ?? (() => new Date());
  const perChat = new Map<string, number>();
  let total = 0;
  let loaded: Promise<void> | null = null;

  const metaPath = (id: string) => path.join(dir, `${id}.json`);
  /** Writes metadata atomically (temp file + rename): a concurrent read never sees half a file. */
  const writeMeta = async (meta: Meta) => {
    const temp = path.join(dir, `${meta.id}.json.${randomBytes(4).toString("hex")}.tmp`);
    await writeFile(temp, JSON.stringify(meta));
    await rename(temp, metaPath(meta.id));
  };
  const count = (chatId: string, delta: number) => {
    perChat.set(chatId, Math.max(0, (perChat.get(chatId) ?? 0) + delta));
    total = Math.max(0, total + delta);
  };

  /** Writes a new upload's metadata and counts its size; returns its public part. */
  const record = async (meta: Meta): Promise<StoredUpload> => {
    await writeMeta(meta);
    count(meta.chatId, meta.size);
    return storedUpload(meta);
  };

  async function readMeta(id: string): Promise<Meta | null> {
    if (!UPLOAD_ID_RE.test(id)) return null;
    try {
      return JSON.parse(await readFile(metaPath(id), "utf8")) as Meta;
    } catch {
      return null;
    }
  }

  async function load(): Promise<void> {
    loaded ??= (async () => {
      await mkdir(dir, { recursive: true });
      for (const entry of await readdir(dir)) {
        if (!entry.endsWith(".json")) continue;
        const meta = await readMeta(entry.slice(0, -5));
        if (meta) count(meta.chatId, meta.size);
      }
    })();
    return loaded;
  }

  async function remove(id: string): Promise<void> {
    const meta = await readMeta(id);
    await rm(path.join(dir, id), { force: true });
    await rm(metaPath(id), { force: true });
    if (meta) count(meta.chatId, -meta.size);
  }

  return {
    async save(chatId, file) {
      await load();
      const id = newUploadId();
      const target = path.join(dir, id);
      const chatLeft = limits.perChatBytes - (perChat.get(chatId) ?? 0);
      const totalLeft = limits.totalBytes - total;
      const cap = Math.min(limits.maxBytes, chatLeft, totalLeft);
      let size = 0;
      let over = false;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > cap) {
            over = true;
            done();
            return;
          }
          done(null, chunk);
        },
      });
      try {
        await pipeline(file.stream, counter, createWriteStream(target));
      } catch (error) {
        // A client that gave up half way leaves nothing behind.
        await rm(target, { force: true });
        throw error;
      }
      try {
        if (over || file.truncated?.()) {
          if (size <= limits.maxBytes && !file.truncated?.()) {
            throw size > totalLeft
              ? new UploadError(
                  "storage-full",
                  413,
                  "No room for more files: try again later or write instead",
                )
              : new UploadError("chat-quota-exceeded", 413, "This chat has reached its file quota");
          }
          throw new UploadError(
            "file-too-large",
            413,
            `Files larger than ${Math.round(limits.maxBytes / 1024 / 1024)} MB are not accepted`,
          );
        }
        const declared = file.mime.toLowerCase().split(";")[0]!.trim();
        const type = size > 0 ? await detectType(target, declared) : null;
        if (!type || !limits.accepts(type.mime)) {
          throw new UploadError(
            "unsupported-type",
            415,
            `This kind of file is not accepted${type ? ` (${type.mime})` : ""}: send photos, videos, audio, PDF, text, office documents or zip archives`,
          );
        }
        const name = withExtension(sanitizeFileName(file.name) || "file", type.ext);
        const meta: Meta = {
          id,
          chatId,
          name,
          mime: type.mime,
          size,
          kind: attachmentKindOf(type.mime),
          accepted: false,
          at: now().toISOString(),
        };
        return await record(meta);
      } catch (error) {
        await rm(target, { force: true });
        throw error;
      }
    },

    async put(chatId, file) {
      await load();
      const id = newUploadId();
      await writeFile(path.join(dir, id), file.data);
      const meta: Meta = {
        id,
        chatId,
        name: sanitizeFileName(file.name) || "file",
        mime: file.mime,
        size: file.data.byteLength,
        kind: file.kind,
        accepted: true,
        at: now().toISOString(),
      };
      return record(meta);
    },

    async keep(ids) {
      for (const id of ids) {
        const meta = await readMeta(id);
        if (meta && meta.accepted === false) await writeMeta({ ...meta, accepted: true });
      }
    },

    async discard(ids) {
      for (const id of ids) if (UPLOAD_ID_RE.test(id)) await remove(id);
    },

    async read(id) {
      const meta = await readMeta(id);
      if (!meta) return null;
      try {
        const bytes = new Uint8Array(await readFile(path.join(dir, id)));
        return { meta: storedUpload(meta), bytes };
      } catch {
        return null;
      }
    },

    async sweep(olderThanMs) {
      await load();
      const cutoff = now().getTime() - olderThanMs;
      let removed = 0;
      for (const entry of await readdir(dir)) {
        if (entry.endsWith(".json")) {
          const meta = await readMeta(entry.slice(0, -5));
          if (meta && meta.accepted === false && Date.parse(meta.at ?? "") < cutoff) {
            await remove(meta.id);
            removed += 1;
          }
        } else if (UPLOAD_ID_RE.test(entry) && !(await readMeta(entry))) {
          // A file whose metadata was never written (a crash mid-upload), once it is old enough
          // not to be an upload in progress.
          const modified = await stat(path.join(dir, entry)).then(
            (s) => s.mtimeMs,
            () => Number.POSITIVE_INFINITY,
          );
          if (modified < cutoff) {
            await rm(path.join(dir, entry), { force: true });
            removed += 1;
          }
        }
      }
      return removed;
    },

    usage: (chatId) => ({ chat: chatId ? (perChat.get(chatId) ?? 0) : 0, total }),
  };
}

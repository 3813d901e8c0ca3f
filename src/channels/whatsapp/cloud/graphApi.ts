/**
 * The few Graph API calls the Cloud API driver makes, over plain `fetch`: send a message, upload
 * an outbound file, look up and download an inbound media. Every answer is zod-checked; every
 * failure leaves as a {@link GraphApiError} with the HTTP status, Meta's code and the wait the
 * platform advised (`Retry-After`, else the `X-Business-Use-Case-Usage` estimate).
 */
import type { z } from "zod";
import {
  graphErrorSchema,
  mediaInfoSchema,
  sendResponseSchema,
  uploadResponseSchema,
} from "./cloudSchemas.js";
import { GraphApiError } from "./graphApiError.js";

/** Where the Graph API is and who speaks to it. */
export interface GraphApiSettings {
  /** `https://graph.facebook.com`, or a fake in tests. */
  baseUrl: string;
  /** `v23.0`. */
  version: string;
  phoneNumberId: string;
  accessToken: string;
  /** Per request; default 20 s. */
  timeoutMs?: number;
}

export type GraphApi = ReturnType<typeof createGraphApi>;

export function createGraphApi(settings: GraphApiSettings) {
  const root = `${settings.baseUrl.replace(/\/+$/, "")}/${settings.version}`;
  const timeoutMs = settings.timeoutMs ?? 20_000;
  const auth = { authorization: `Bearer ${settings.accessToken}` };

  async function call(what: string, url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { ...auth, ...(init.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new GraphApiError(
        `${what}: cannot reach the Graph API at ${settings.baseUrl} (${String(error)})`,
        {
          cause: error,
        },
      );
    }
    if (response.ok) return response;
    throw await toError(what, response);
  }

  async function json<S extends z.ZodType>(what: string, response: Response, schema: S): Promise<z.infer<S>> {
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new GraphApiError(`${what}: unexpected answer from the Graph API`, { status: response.status });
    return parsed.data;
  }

  return {
    /** POST /{phone-number-id}/messages; resolves to the message id (`wamid.…`). */
    async sendMessage(payload: Record<string, unknown>): Promise<string> {
      const response = await call("send message", `${root}/${settings.phoneNumberId}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messaging_product: "whatsapp", recipient_type: "individual", ...payload }),
      });
      const body = await json("send message", response, sendResponseSchema);
      return body.messages[0]!.id;
    },

    /** GET /{phone-number-id}: the business number's display form (checks the token too). */
    async phoneNumber(): Promise<string | undefined> {
      const response = await call(
        "phone number",
        `${root}/${settings.phoneNumberId}?fields=display_phone_number`,
        {
          method: "GET",
        },
      );
      const body = (await response.json().catch(() => ({}))) as { display_phone_number?: unknown };
      return typeof body.display_phone_number === "string" ? body.display_phone_number : undefined;
    },

    /** Marks an inbound message read (blue ticks). */
    async markRead(messageId: string): Promise<void> {
      await call("mark read", `${root}/${settings.phoneNumberId}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messaging_product: "whatsapp", status: "read", message_id: messageId }),
      });
    },

    /** POST /{phone-number-id}/media; resolves to the media id to send. */
    async uploadMedia(bytes: Uint8Array, mime: string, name: string): Promise<string> {
      const form = new FormData();
      form.set("messaging_product", "whatsapp");
      form.set("type", mime);
      form.set("file", new Blob([bytes], { type: mime }), name);
      const response = await call("upload media", `${root}/${settings.phoneNumberId}/media`, {
        method: "POST",
        body: form,
      });
      return (await json("upload media", response, uploadResponseSchema)).id;
    },

    /** GET /{media-id}: the short-lived download URL, type and size. */
    async mediaInfo(mediaId: string): Promise<{ url: string; mime?: string; size?: number }> {
      const response = await call("media info", `${root}/${encodeURIComponent(mediaId)}`, { method: "GET" });
      const body = await json("media info", response, mediaInfoSchema);
      const size = body.file_size === undefined ? undefined : Number(body.file_size);
      return {
        url: body.url,
        ...(body.mime_type ? { mime: body.mime_type } : {}),
        ...(size !== undefined && Number.isFinite(size) ? { size } : {}),
      };
    },

    /** Downloads the media at `url` with the token; rejects once more than `maxBytes` arrived. */
    async download(url: string, maxBytes: number): Promise<{ bytes: Uint8Array; tooLarge?: number }> {
      const response = await call("download media", url, { method: "GET" });
      const declared = Number(response.headers.get("content-length") ?? Number.NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        return { bytes: new Uint8Array(), tooLarge: declared };
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of response.body ?? []) {
        total += chunk.byteLength;
        if (total > maxBytes) {
          await response.body?.cancel().catch(() => undefined);
          return { bytes: new Uint8Array(), tooLarge: total };
        }
        chunks.push(chunk);
      }
      return { bytes: Buffer.concat(chunks) };
    },
  };
}

/** A failed response as a {@link GraphApiError}. */
async function toError(what: string, response: Response): Promise<GraphApiError> {
  const parsed = graphErrorSchema.safeParse(await response.json().catch(() => undefined));
  const error = parsed.success ? parsed.data.error : undefined;
  const retryAfterMs = retryAdvice(response.headers);
  return new GraphApiError(
    `${what}: HTTP ${response.status}${error?.code !== undefined ? ` (code ${error.code})` : ""}: ${error?.message ?? response.statusText}`,
    {
      status: response.status,
      ...(error?.code !== undefined ? { metaCode: error.code } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}

/**
 * The wait the platform advised: `Retry-After` (seconds or an HTTP date), else the largest
 * `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`.
 */
export function retryAdvice(headers: Headers): number | undefined {
  const retryAfter = headers.get("retry-after");
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  const usage = headers.get("x-business-use-case-usage");
  if (!usage) return undefined;
  try {
    const parsed = JSON.parse(usage) as Record<string, { estimated_time_to_regain_access?: number }[]>;
    const minutes = Object.values(parsed)
      .flat()
      .map((entry) => entry.estimated_time_to_regain_access ?? 0);
    const most = Math.max(0, ...minutes);
    return most > 0 ? most * 60_000 : undefined;
  } catch {
    return undefined;
  }
}

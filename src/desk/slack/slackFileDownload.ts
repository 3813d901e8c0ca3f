/**
 * Files shared in a ticket's thread are private (`url_private` needs the bot token), so the desk
 * downloads them and hands the bytes to the runtime; a channel adapter could not fetch them.
 */
import { attachmentKindOf } from "../../channels/attachmentKind.js";
import type { OutboundAttachment } from "../../channels/port.js";
import { escapeSlackText } from "./slackText.js";

/** The fields of a Slack file object the desk reads. */
export interface SlackFileLike {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
}

/** Downloads the files of a thread message. */
export interface SlackFileDownload {
  botToken: string;
  maxFileBytes: number;
  /** Told why a file could not be downloaded. */
  warn(message: string, error: unknown): void;
}

/**
 * The files as outbound attachments, plus one line per file left out (mrkdwn-safe: "name (too
 * large)", "(no download link)", "(download failed)").
 */
export async function downloadSlackFiles(
  files: SlackFileLike[],
  { botToken, maxFileBytes, warn }: SlackFileDownload,
): Promise<{ attachments: OutboundAttachment[]; problems: string[] }> {
  const attachments: OutboundAttachment[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const name = file.name ?? file.title ?? "file";
    if (!file.url_private) {
      problems.push(`${escapeSlackText(name)} (no download link)`);
      continue;
    }
    if (file.size !== undefined && file.size > maxFileBytes) {
      problems.push(`${escapeSlackText(name)} (too large)`);
      continue;
    }
    try {
      const response = await fetch(file.url_private, {
        headers: { authorization: `Bearer ${botToken}` },
        redirect: "manual",
      });
      const type = response.headers.get("content-type") ?? "";
      // Slack answers an unauthorised download with a redirect to an HTML login page.
      if (response.status !== 200 || (type.startsWith("text/html") && file.mimetype !== "text/html")) {
        throw new Error(`HTTP ${response.status}`);
      }
      const data = new Uint8Array(await response.arrayBuffer());
      if (data.byteLength > maxFileBytes) throw new Error("too large");
      const mime = file.mimetype ?? (type || undefined);
      attachments.push({ kind: attachmentKindOf(mime), name, data, ...(mime ? { mime } : {}) });
    } catch (error) {
      warn(`slack desk: could not download ${name}`, error);
      problems.push(`${escapeSlackText(name)} (download failed)`);
    }
  }
  return { attachments, problems };
}

/** The real type of an uploaded file, from its content, never from what the browser declares. */
import { open } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";

/** Bytes read to tell text from binary. */
const SNIFF_BYTES = 4096;

/** Valid UTF-8 text without control characters other than tab and line breaks. */
function looksLikeText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // A multi-byte character cut at the end of the sniffed head is still text.
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(
        bytes.subarray(0, Math.max(0, bytes.length - 3)),
      );
    } catch {
      return false;
    }
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters mean "not text"
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}

/**
 * The real type of a stored file from its content (magic bytes; inside zip containers the entry
 * names, so docx/xlsx/odt are told apart); null when it is nothing we recognise.
 */
export async function detectType(
  file: string,
  declared: string,
): Promise<{ mime: string; ext: string } | null> {
  const found = await fileTypeFromFile(file);
  if (found) return { mime: found.mime, ext: found.ext };
  // No magic bytes: plain text, when the sender says so too and it is no markup in disguise.
  if (declared !== "text/plain" && declared !== "text/csv") return null;
  const head = await readHead(file);
  if (!looksLikeText(head)) return null;
  if (/<\s*(svg|html|script|!doctype|\?xml|iframe|object)/i.test(new TextDecoder().decode(head))) return null;
  return declared === "text/csv" ? { mime: "text/csv", ext: "csv" } : { mime: "text/plain", ext: "txt" };
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

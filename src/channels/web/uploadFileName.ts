/** Names of uploaded files: display-safe, with the extension of their real type. */
import { wellFormed } from "../../text/wellFormed.js";

/**
 * A display-safe file name: no path parts, no control or bidirectional-override characters, no
 * lone UTF-16 surrogates, at most 120 characters (never cutting one in half), extension kept.
 */
export function sanitizeFileName(name: string): string {
  const base = wellFormed(name.split(/[\\/]/).pop() ?? "").normalize("NFC");
  const clean = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f"<>|:*?\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/g, "")
    .replace(/^[\s.]+|[\s.]+$/g, "");
  const chars = [...clean];
  if (chars.length <= 120) return clean;
  const dot = clean.lastIndexOf(".");
  const ext = dot > 0 ? [...clean.slice(dot)].slice(0, 12).join("") : "";
  return chars.slice(0, 120 - [...ext].length).join("") + ext;
}

const EXT_ALIASES: Record<string, string[]> = {
  jpg: ["jpg", "jpeg", "jfif"],
  tif: ["tif", "tiff"],
  txt: ["txt", "text", "log", "md"],
  mp4: ["mp4", "m4v"],
  mov: ["mov", "qt"],
};

/** `name` with the extension `ext` of its detected type (kept when it already has it or an alias). */
export function withExtension(name: string, ext: string): string {
  const dot = name.lastIndexOf(".");
  const current = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  if ((EXT_ALIASES[ext] ?? [ext]).includes(current)) return name;
  return `${name || "file"}.${ext}`;
}

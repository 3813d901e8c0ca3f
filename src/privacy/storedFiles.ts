/**
 * Where the files rows point to live in the data folder: media-store refs in `<dataDir>/media/`
 * (photos, documents, voice notes from Telegram/WhatsApp, technicians' files) and web-chat
 * uploads `web-upload:<id>` in `<dataDir>/uploads/` (with their `<id>.json` metadata).
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";

const SAFE = /^[\w.-]+$/;

/** The paths of a stored file (content first, then metadata); [] for a malformed ref. */
export function storedFilePaths(dataDir: string, ref: string): string[] {
  if (ref.startsWith("web-upload:")) {
    const id = ref.slice("web-upload:".length);
    if (!SAFE.test(id) || id.startsWith(".")) return [];
    return [path.join(dataDir, "uploads", id), path.join(dataDir, "uploads", `${id}.json`)];
  }
  if (!SAFE.test(ref) || ref.startsWith(".")) return [];
  return [path.join(dataDir, "media", ref)];
}

/** The bytes of a stored file, or null when it is gone. */
export async function readStoredFile(dataDir: string, ref: string): Promise<Uint8Array | null> {
  const [file] = storedFilePaths(dataDir, ref);
  if (!file) return null;
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    return null;
  }
}

/** Deletes stored files (missing ones are fine); resolves to how many refs were removed. */
export async function deleteStoredFiles(dataDir: string, refs: string[]): Promise<number> {
  let removed = 0;
  for (const ref of refs) {
    const paths = storedFilePaths(dataDir, ref);
    for (const p of paths) await rm(p, { force: true });
    if (paths.length > 0) removed += 1;
  }
  return removed;
}

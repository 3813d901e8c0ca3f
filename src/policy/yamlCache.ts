/**
 * Parsed YAML kept on disk by content hash, so a command that loads a 28 KB preset does not pay
 * for parsing it again (~100 ms of a CLI start) while the file is unchanged. Only successful
 * parses whose value survives JSON unchanged are kept; the value is validated by the caller
 * every time, exactly as if it had just been parsed. Any cache problem (read-only install, a
 * damaged entry) falls back to parsing.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

/** `<project>/node_modules/.cache/sportello/yaml` (next to the compiled bundles). */
const CACHE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../node_modules/.cache/sportello/yaml",
);

/** Bumped if the parse options of the callers change. */
const FORMAT = "1";

/**
 * Returns `parse()`'s value for `text`, from the cache when this exact text was parsed before.
 * `parse` must be a pure function of `text` that throws on bad input (errors are never cached).
 */
export function cachedYaml(text: string, parse: () => unknown, cacheDir: string = CACHE_DIR): unknown {
  const key = createHash("sha256").update(FORMAT).update("\0").update(text).digest("hex");
  const file = join(cacheDir, `${key}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    // Not cached yet (or unreadable): parse below.
  }
  const value = parse();
  if (value === undefined) return value;
  try {
    const json = JSON.stringify(value);
    if (!isDeepStrictEqual(JSON.parse(json), value)) return value;
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, json);
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs the next start a parse.
  }
  return value;
}

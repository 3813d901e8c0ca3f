/** Finding and reading story files. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { type Story, storySchema } from "./storySchema.js";

/** Parses a story file; throws with the file and the field path on a malformed story. */
export function readStory(file: string): Story {
  const raw = parseYaml(readFileSync(file, "utf8")) as unknown;
  const parsed = storySchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("\n");
    throw new Error(`${file}: not a valid story\n${issues}`);
  }
  return parsed.data;
}

/** Story files under a path (a file, or every .yaml/.yml in a folder, sorted). */
export function storyFiles(path: string): string[] {
  const full = resolve(path);
  if (statSync(full).isDirectory()) {
    return readdirSync(full)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(full, f));
  }
  return [full];
}

/**
 * Chat shortenings read as the words they stand for ("nn" → "non", "cmq" → "comunque", "dont" →
 * "don t"), from `locales/understanding/shortForms.yaml`: every reader of customer text (answers,
 * category keywords, intents, dates) sees the full words, so no phrase list needs its shortened
 * twin. Read once, validated (a broken file stops the start naming the entry). Pure after loading.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { UnderstandingDataError } from "./understandingDataError.js";

const words = z
  .string()
  .min(1)
  .transform((s) => normal(s));

const fileSchema = z.strictObject({
  expand: z.record(z.string().min(1), words),
  alone: z.record(z.string().min(1), words),
});

/** The compiled table: a key word → the words it stands for. */
export interface ShortForms {
  expand: Map<string, readonly string[]>;
  alone: Map<string, readonly string[]>;
}

/** The same normal form the text rules give a word (lowercase, accents and punctuation dropped). */
function normal(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

const file = resolve(dirname(fileURLToPath(import.meta.url)), "../../locales/understanding/shortForms.yaml");

/** A readable error naming the file and the entry that is wrong. */
export class ShortFormsError extends UnderstandingDataError {}

/** Reads and validates the table (see {@link shortForms} for the shared copy). */
export function loadShortForms(path = file): ShortForms {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ShortFormsError(`${path}: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ShortFormsError(`${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const table = (record: Record<string, string>) =>
    new Map(Object.entries(record).map(([key, value]) => [normal(key), value.split(" ")] as const));
  return { expand: table(result.data.expand), alone: table(result.data.alone) };
}

let shared: ShortForms | undefined;

/** The table, read and validated on first use. */
export function shortForms(): ShortForms {
  shared ??= loadShortForms();
  return shared;
}

/**
 * `words` with every short form replaced by the words it stands for; a text of one short form
 * alone takes its `alone` meaning when it has one ("nn" → "no"). Returns `words` itself when
 * nothing changes.
 */
export function expandShortForms(
  words: readonly string[],
  table: ShortForms = shortForms(),
): readonly string[] {
  if (words.length === 1) {
    const alone = table.alone.get(words[0]!);
    if (alone) return alone;
  }
  let out: string[] | null = null;
  for (let i = 0; i < words.length; i++) {
    const full = table.expand.get(words[i]!);
    if (full) {
      out ??= words.slice(0, i);
      out.push(...full);
    } else if (out) out.push(words[i]!);
  }
  return out ?? words;
}

/**
 * JSON columns are strings in both providers; they are parsed with a zod schema on the way out so
 * a corrupt or outdated row fails loudly at the boundary instead of deep inside a flow.
 */
import type { z } from "zod";

export function parseJson<T>(schema: z.ZodType<T>, text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === "") return fallback;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fallback;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : fallback;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * Canned replies of a preset: `policies/replies/<preset>.yaml` (for a preset given as a path,
 * `replies/<file name>` beside it), each reply in Italian and English with placeholders
 * `{customer}`, `{company}`, `{ticket}`, `{technician}`, `{nextOpening}`. Checked with zod when
 * loaded (unknown placeholders are errors); rendering is pure.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { formatPath, PolicyError, PRESETS_DIR } from "./loadPolicy.js";

/** Placeholders a canned reply may use. */
export const PLACEHOLDERS = ["customer", "company", "ticket", "technician", "nextOpening"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{(\w+)\}/g;

const ReplyText = z
  .string()
  .trim()
  .min(1, { error: "expected a non-empty text" })
  .max(4000, { error: "expected at most 4000 characters" })
  .superRefine((text, ctx) => {
    for (const [, name] of text.matchAll(PLACEHOLDER)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(name!)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown placeholder {${name}}: expected one of ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`,
        });
      }
    }
  });

const Reply = z.strictObject({
  key: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: "expected a kebab-case key such as backup-first" }),
  title: z.strictObject({ it: z.string().trim().min(1), en: z.string().trim().min(1) }),
  text: z.strictObject({ it: ReplyText, en: ReplyText }),
  /**
   * The text for a customer who gave no phone number (a reply that promises a call must say how
   * else they will hear from us); without it, `text` is for every customer.
   */
  withoutPhone: z.strictObject({ it: ReplyText, en: ReplyText }).optional(),
});

export const CannedRepliesSchema = z.strictObject({ replies: z.array(Reply) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.replies.forEach((r, i) => {
    if (seen.has(r.key)) {
      ctx.addIssue({ code: "custom", path: ["replies", i, "key"], message: `duplicate key "${r.key}"` });
    }
    seen.add(r.key);
  });
});

export type CannedReply = z.infer<typeof Reply>;

/** The replies file of a preset name or preset path. */
export function cannedRepliesFile(preset: string): string {
  if (/[/\\]/.test(preset) || /\.ya?ml$/i.test(preset)) {
    const file = resolve(preset);
    return join(dirname(file), "replies", basename(file));
  }
  return join(PRESETS_DIR, "replies", `${preset}.yaml`);
}

/**
 * The canned replies of a preset ([] when it has no replies file).
 * @throws PolicyError invalid-yaml / invalid-preset with the file and field path
 */
export function loadCannedReplies(preset: string): CannedReply[] {
  const file = cannedRepliesFile(preset);
  if (!existsSync(file)) return [];
  const doc = parseDocument(readFileSync(file, "utf8"), { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new PolicyError(
      "invalid-yaml",
      `invalid YAML in ${file}: ${doc.errors[0]!.message.split("\n")[0]}`,
      file,
    );
  }
  const result = CannedRepliesSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
    throw new PolicyError(
      "invalid-preset",
      `invalid canned replies ${file}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n")}`,
      file,
      issues,
    );
  }
  return result.data.replies;
}

/**
 * A reply's text in `language` with the placeholders filled (a missing value leaves it empty);
 * `reach.phone: false` picks the reply's `withoutPhone` text when it has one.
 */
export function renderCannedReply(
  reply: CannedReply,
  language: "it" | "en",
  values: Partial<Record<Placeholder, string>>,
  reach: { phone: boolean } = { phone: true },
): string {
  const text = !reach.phone && reply.withoutPhone ? reply.withoutPhone : reply.text;
  return text[language]
    .replace(PLACEHOLDER, (_whole, name: string) => values[name as Placeholder] ?? "")
    .replace(/[ \t]+([,.;:!?])/g, "$1")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}

/**
 * The understanding corpus: typed customer answers to the bot's questions, one YAML file per
 * question type (test/understanding/corpus/), each entry with what a person reading it would
 * take from it: a choice or value (`answer`), sign-up fields (`fields`), or "ask again"
 * (`clarify`: the answer is ambiguous, taking any answer is wrong).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** The question types the player knows how to reach (see understandingScenes). */
export const QUESTION_TYPES = [
  "blocking",
  "consent",
  "damage",
  "rating",
  "menu",
  "category-pick",
  "category-confirm",
  "item",
  "date",
  "identity",
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** A field's value, or the values a reader could equally take ("Dr. Paolo Riva" / "Paolo Riva"). */
const written = z.union([z.string(), z.array(z.string()).min(1)]);

const fieldsSchema = z.strictObject({
  company: written.optional(),
  contactName: written.optional(),
  /** E.164 (+39 when the customer writes no country code). */
  phone: z
    .string()
    .regex(/^\+\d{6,15}$/)
    .optional(),
  email: z.string().optional(),
});

const expectSchema = z
  .strictObject({
    /** The choice id or value that should be taken; a list when several are right. */
    answer: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    fields: fieldsSchema.optional(),
    /** Ambiguous: asking again or a clarifying question is right, taking any answer is wrong. */
    clarify: z.literal(true).optional(),
    /** Extra text of the answer expected to reach the ticket (or the draft). */
    rest: z.string().optional(),
    /** The comment part of a rating, expected to be kept as the feedback's comment. */
    comment: z.string().optional(),
  })
  .refine((e) => [e.answer, e.fields, e.clarify].filter((x) => x !== undefined).length === 1, {
    message: "expect needs exactly one of answer, fields, clarify",
  });

const entrySchema = z.strictObject({
  lang: z.enum(["it", "en"]),
  text: z.string().min(1),
  expect: expectSchema,
});

const fileSchema = z.strictObject({
  type: z.enum(QUESTION_TYPES),
  /** The question as the customer sees it (documentation only). */
  question: z.record(z.string(), z.unknown()).optional(),
  entries: z.array(entrySchema).min(1),
});

export type CorpusEntry = z.infer<typeof entrySchema>;
export type Expectation = CorpusEntry["expect"];
export type ExpectedFields = z.infer<typeof fieldsSchema>;
/** An entry with its question type and where it was read. */
export type TypedEntry = CorpusEntry & { type: QuestionType; where: string };

/** Every entry of the corpus folder `dir`, in file then entry order; throws on a malformed file. */
export function readCorpus(dir: string): TypedEntry[] {
  const entries: TypedEntry[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const file = join(dir, name);
    const parsed = fileSchema.safeParse(parseYaml(readFileSync(file, "utf8")));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
      throw new Error(`${file}: not a valid corpus file\n${issues}`);
    }
    for (const [i, e] of parsed.data.entries.entries()) {
      entries.push({ ...e, type: parsed.data.type, where: `${name}#${i + 1}` });
    }
  }
  return entries;
}

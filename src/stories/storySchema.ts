/** The YAML story format: who the customer is, and the steps (say, expect, advance, staff, …). */
import { z } from "zod";

const attachmentSchema = z.object({
  kind: z.enum(["image", "video", "audio", "voice", "document", "sticker", "location", "other"]),
  name: z.string().optional(),
  mime: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
});

const textMatch = z.union([
  z.object({ contains: z.string() }),
  z.object({ matches: z.string() }),
  z.object({ notContains: z.string() }),
]);
/** Schema of one story step. */
const stepSchema = z.union([
  z.object({
    say: z.union([
      z.string(),
      z.object({
        text: z.string().default(""),
        attachments: z.array(attachmentSchema).default([]),
        choice: z.string().optional(),
        id: z.string().optional(),
      }),
    ]),
  }),
  z.object({
    expect: z.object({
      reply: textMatch.optional(),
      noReply: z.boolean().optional(),
      ticket: z.record(z.string(), z.unknown()).optional(),
      noTicket: z.boolean().optional(),
      /** How many tickets exist (of the story's customer, when there is one). */
      tickets: z.number().int().nonnegative().optional(),
      /** Fields of the charge of the latest ticket (as computed at close: covered, plan, billedMinutes, package, lines, cents). */
      charge: z.record(z.string(), z.unknown()).nullable().optional(),
      event: z.looseObject({ type: z.string() }).optional(),
      /** Fields of the record of the customer writing (company, contactName, phone, email, verified…). */
      customer: z.record(z.string(), z.unknown()).optional(),
      noEvent: z.looseObject({ type: z.string() }).optional(),
    }),
  }),
  z.object({
    advance: z.union([z.string().regex(/^\d+(ms|s|m|h|d)$/), z.object({ to: z.string() })]),
  }),
  z.object({
    staff: z.object({
      as: z.string(),
      do: z.enum(["claim", "reply", "note", "ask", "close", "reopen", "authorize", "ack-page"]),
      ticket: z.string().optional(),
      text: z.string().optional(),
      note: z.string().optional(),
      minutes: z.number().int().optional(),
      category: z.string().optional(),
      plan: z.string().optional(),
      /** Bill a preset package instead of the minutes, with its travel expenses. */
      package: z.string().optional(),
      km: z.number().int().nonnegative().optional(),
      daysOvernight: z.number().int().nonnegative().optional(),
      days: z.number().int().nonnegative().optional(),
      salesRep: z.string().optional(),
      expectError: z.string().optional(),
    }),
  }),
  z.object({ redeliver: z.literal("last") }),
  z.object({ restart: z.literal(true) }),
]);

/** A story file. */
export const storySchema = z.looseObject({
  name: z.string().optional(),
  policy: z.string(),
  at: z.string(),
  channel: z.enum(["whatsapp", "telegram", "email", "local"]).default("whatsapp"),
  ai: z.boolean().optional(),
  customer: z
    .looseObject({
      phone: z.string().optional(),
      telegram: z.string().optional(),
      email: z.string().optional(),
      company: z.string(),
      contactName: z.string().optional(),
      language: z.enum(["it", "en"]).default("it"),
      plans: z.array(z.string()).default([]),
      salesRep: z.string().optional(),
      purchases: z
        .array(
          z.looseObject({ item: z.string(), date: z.string(), warrantyMonths: z.number().int().positive() }),
        )
        .default([]),
    })
    .optional(),
  sender: z.string().optional(),
  onCall: z.array(z.looseObject({ as: z.string(), from: z.string(), to: z.string() })).default([]),
  steps: z.array(stepSchema).min(1),
});
/** A parsed story. */
export type Story = z.infer<typeof storySchema>;
/** One step of a story. */
export type StoryStep = z.infer<typeof stepSchema>;
/** The checks of an `expect` step. */
export type StoryExpectation = Extract<StoryStep, { expect: unknown }>["expect"];
/** What a `staff` step does. */
export type StoryStaffStep = Extract<StoryStep, { staff: unknown }>["staff"];

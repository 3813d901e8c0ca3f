/**
 * The Cloud API's payloads, checked with zod: the webhook body Meta posts (messages and
 * statuses) and the Graph API answers the driver reads. Unknown fields pass through; a body that
 * does not have the shape is refused with 400 rather than half read.
 */
import { z } from "zod";

const text = z.object({ body: z.string() });
const media = z.object({
  id: z.string(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
});
const location = z.object({
  latitude: z.number(),
  longitude: z.number(),
  name: z.string().optional(),
  address: z.string().optional(),
});
const contact = z.object({
  name: z.object({ formatted_name: z.string().optional() }).partial().optional(),
  phones: z.array(z.object({ phone: z.string().optional(), wa_id: z.string().optional() })).optional(),
  emails: z.array(z.object({ email: z.string().optional() })).optional(),
  org: z.object({ company: z.string().optional() }).partial().optional(),
});
const interactive = z.object({
  type: z.string(),
  button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
  list_reply: z.object({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
});

/** One message a customer sent (`value.messages[]`). */
export const cloudMessageSchema = z.object({
  from: z.string(),
  id: z.string(),
  timestamp: z.string(),
  type: z.string(),
  text: text.optional(),
  image: media.optional(),
  video: media.optional(),
  audio: media.optional(),
  document: media.optional(),
  sticker: media.optional(),
  location: location.optional(),
  contacts: z.array(contact).optional(),
  interactive: interactive.optional(),
  /** A quick-reply button of a template. */
  button: z.object({ payload: z.string().optional(), text: z.string() }).optional(),
  context: z.object({ id: z.string().optional(), from: z.string().optional() }).optional(),
});
export type CloudMessage = z.infer<typeof cloudMessageSchema>;

const errorEntry = z.object({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).partial().optional(),
});

/** What happened to a message the business sent (`value.statuses[]`). */
export const cloudStatusSchema = z.object({
  id: z.string(),
  status: z.string(),
  timestamp: z.string(),
  recipient_id: z.string(),
  errors: z.array(errorEntry).optional(),
});
export type CloudStatus = z.infer<typeof cloudStatusSchema>;

const valueSchema = z.object({
  messaging_product: z.string().optional(),
  metadata: z.object({ phone_number_id: z.string(), display_phone_number: z.string().optional() }),
  contacts: z
    .array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).optional() }))
    .optional(),
  messages: z.array(cloudMessageSchema).optional(),
  statuses: z.array(cloudStatusSchema).optional(),
});
export type CloudValue = z.infer<typeof valueSchema>;

/** The whole webhook body. */
export const cloudWebhookSchema = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
    }),
  ),
});
export type CloudWebhook = z.infer<typeof cloudWebhookSchema>;

/** The `messages` change's value; undefined for changes of other fields or another shape. */
export function messagesValue(change: { field: string; value: unknown }): CloudValue | undefined {
  if (change.field !== "messages") return undefined;
  const parsed = valueSchema.safeParse(change.value);
  return parsed.success ? parsed.data : undefined;
}

/** The answer to POST /{phone-number-id}/messages. */
export const sendResponseSchema = z.object({
  messages: z.array(z.object({ id: z.string() })).min(1),
});

/** The answer to GET /{media-id}: where to download it. */
export const mediaInfoSchema = z.object({
  url: z.string(),
  mime_type: z.string().optional(),
  file_size: z.union([z.number(), z.string()]).optional(),
});

/** The answer to POST /{phone-number-id}/media. */
export const uploadResponseSchema = z.object({ id: z.string() });

/** A Graph API error body. */
export const graphErrorSchema = z.object({
  error: z.object({
    message: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    error_data: z.unknown().optional(),
  }),
});

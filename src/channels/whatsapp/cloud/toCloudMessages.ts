/**
 * Port → Cloud API: an {@link OutboundMessage} as the Cloud API messages that carry it, in order.
 * A template when the outbox chose one; else the text with its choices as reply buttons (≤ 3,
 * titles ≤ 20 characters) or a list (≤ 10 rows, titles ≤ 24 with the whole label as the row's
 * description), falling back to the numbered text WhatsApp Web uses; then one message per file.
 * Pure: files are uploaded by the adapter (`upload` parts).
 */
import { unbreakableTicketNumbers } from "../../../text/ticketNumber.js";
import type { Choice, OutboundAttachment, OutboundMessage, OutboundTemplate } from "../../port.js";
import { renderNumberedChoices } from "../matchChoice.js";
import { splitMessageText } from "../splitMessageText.js";

/** One Cloud API message: a ready payload, or a file to upload first and send by id. */
export type CloudPart =
  | { payload: Record<string, unknown> }
  | { upload: OutboundAttachment; type: CloudMediaType; caption?: string };

export type CloudMediaType = "image" | "video" | "audio" | "document";

export const LIMITS = {
  buttons: 3,
  buttonTitle: 20,
  rows: 10,
  rowTitle: 24,
  rowDescription: 72,
  interactiveBody: 1024,
  templateParameter: 1000,
} as const;

/** The list button's label per language (the list opens from it). */
export interface CloudLabels {
  listButton: string;
}

/** The parts of `message`, to the customer `to` (digits, no "+"). */
export function toCloudMessages(message: OutboundMessage, to: string, labels: CloudLabels): CloudPart[] {
  if (message.template) return [{ payload: { to, ...templatePayload(message.template) } }];
  const choices = message.choices ?? [];
  const text = unbreakableTicketNumbers(message.text);
  const parts: CloudPart[] = [];
  const interactive = choices.length > 0 ? interactivePayload(text, choices, labels) : undefined;
  if (interactive) parts.push({ payload: { to, type: "interactive", interactive } });
  else {
    const numbered = unbreakableTicketNumbers(renderNumberedChoices(message.text, choices));
    for (const chunk of splitMessageText(numbered))
      parts.push({ payload: { to, type: "text", text: { body: chunk, preview_url: false } } });
  }
  for (const attachment of message.attachments ?? []) {
    parts.push({ upload: attachment, type: mediaType(attachment) });
  }
  return parts;
}

/** Reply buttons or a list for these choices, or undefined when they do not fit either. */
function interactivePayload(
  text: string,
  choices: readonly Choice[],
  labels: CloudLabels,
): Record<string, unknown> | undefined {
  // The body is required by WhatsApp and at most 1,024 characters.
  if (text.trim() === "" || text.length > LIMITS.interactiveBody) return undefined;
  const body = { text };
  if (choices.length <= LIMITS.buttons && choices.every((c) => [...c.label].length <= LIMITS.buttonTitle)) {
    return {
      type: "button",
      body,
      action: { buttons: choices.map((c) => ({ type: "reply", reply: { id: c.id, title: c.label } })) },
    };
  }
  if (choices.length > LIMITS.rows || choices.some((c) => [...c.label].length > LIMITS.rowDescription))
    return undefined;
  return {
    type: "list",
    body,
    action: {
      button: cut(labels.listButton, LIMITS.buttonTitle),
      sections: [
        {
          rows: choices.map((c) => {
            const long = [...c.label].length > LIMITS.rowTitle;
            return {
              id: c.id,
              title: long ? cut(c.label, LIMITS.rowTitle) : c.label,
              ...(long ? { description: c.label } : {}),
            };
          }),
        },
      ],
    },
  };
}

/**
 * A template message. WhatsApp refuses parameters with line breaks, tabs or more than four spaces
 * in a row: lines become " · " and the parameter is cut to fit.
 */
export function templatePayload(template: OutboundTemplate): Record<string, unknown> {
  return {
    type: "template",
    template: {
      name: template.name,
      language: { code: template.language },
      ...(template.parameters.length > 0
        ? {
            components: [
              {
                type: "body",
                parameters: template.parameters.map((p) => ({ type: "text", text: templateParameter(p) })),
              },
            ],
          }
        : {}),
    },
  };
}

/** A text as WhatsApp takes it in a template parameter (one line, no long runs of spaces). */
export function templateParameter(text: string): string {
  const flat = text
    .split(/\s*\n+\s*/u)
    .filter(Boolean)
    .join(" · ")
    .replace(/\t/gu, " ")
    .replace(/ {4,}/gu, "   ")
    .trim();
  return cut(flat === "" ? "-" : flat, LIMITS.templateParameter);
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

function mediaType(attachment: OutboundAttachment): CloudMediaType {
  if (attachment.kind === "image") return "image";
  if (attachment.kind === "video") return "video";
  if (attachment.kind === "audio" || attachment.kind === "voice") return "audio";
  return "document";
}

/** The send payload of an uploaded file. */
export function mediaPayload(
  to: string,
  type: CloudMediaType,
  mediaId: string,
  attachment: OutboundAttachment,
): Record<string, unknown> {
  const media: Record<string, unknown> = { id: mediaId };
  if (type === "document") media.filename = attachment.name;
  return { to, type, [type]: media };
}

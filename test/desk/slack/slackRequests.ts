/**
 * Builds Slack requests the way Slack sends them: signed with the signing secret
 * (`v0=` HMAC-SHA256 of `v0:${timestamp}:${body}`), events as JSON, interactivity as
 * `payload=` form posts, slash commands as form posts.
 */
import { createHmac } from "node:crypto";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

export interface PostResult {
  status: number;
  body: string;
}

export interface SignOptions {
  secret?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Replace the computed signature (forgery). */
  signature?: string | null;
  headers?: Record<string, string>;
}

export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export async function signedPost(
  url: string,
  body: string,
  contentType: string,
  options: SignOptions = {},
): Promise<PostResult> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    options.signature === undefined ? sign(body, timestamp, options.secret) : options.signature;
  const headers: Record<string, string> = {
    "content-type": contentType,
    "x-slack-request-timestamp": String(timestamp),
    ...(signature !== null ? { "x-slack-signature": signature } : {}),
    ...options.headers,
  };
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, body: await response.text() };
}

let eventCounter = 0;

/** An Events API delivery; returns the event id used. */
export function eventBody(
  event: Record<string, unknown>,
  eventId?: string,
): { body: string; eventId: string } {
  eventCounter += 1;
  const id = eventId ?? `Ev${String(eventCounter).padStart(8, "0")}`;
  return {
    eventId: id,
    body: JSON.stringify({
      token: "legacy",
      team_id: "T0001",
      api_app_id: "A0001",
      type: "event_callback",
      event_id: id,
      event_time: Math.floor(Date.now() / 1000),
      event,
    }),
  };
}

export function postEvent(
  url: string,
  event: Record<string, unknown>,
  options: SignOptions & { eventId?: string } = {},
) {
  const { body } = eventBody(event, options.eventId);
  return signedPost(url, body, "application/json", options);
}

/** A block_actions payload for a button on a message. */
export function buttonPayload(args: {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  messageTs: string;
  responseUrl?: string;
}): Record<string, unknown> {
  return {
    type: "block_actions",
    user: {
      id: args.user,
      username: args.user.toLowerCase(),
      name: args.user.toLowerCase(),
      team_id: "T0001",
    },
    api_app_id: "A0001",
    token: "legacy",
    container: { type: "message", message_ts: args.messageTs, channel_id: args.channel, is_ephemeral: false },
    trigger_id: `trig.${Math.random().toString(36).slice(2)}`,
    team: { id: "T0001", domain: "leghorn" },
    channel: { id: args.channel, name: "staff" },
    message: { type: "message", ts: args.messageTs, text: "card" },
    ...(args.responseUrl ? { response_url: args.responseUrl } : {}),
    actions: [
      {
        action_id: args.actionId,
        block_id: "b1",
        value: args.value,
        type: "button",
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}

export function postInteraction(url: string, payload: Record<string, unknown>, options: SignOptions = {}) {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return signedPost(url, body, "application/x-www-form-urlencoded", options);
}

export function postCommand(
  url: string,
  args: { text: string; user: string; channel?: string; responseUrl: string },
  options: SignOptions = {},
) {
  const body = new URLSearchParams({
    token: "legacy",
    team_id: "T0001",
    team_domain: "leghorn",
    channel_id: args.channel ?? "CSTAFF",
    channel_name: "staff",
    user_id: args.user,
    user_name: args.user.toLowerCase(),
    command: "/sportello",
    text: args.text,
    api_app_id: "A0001",
    response_url: args.responseUrl,
    trigger_id: `trig.${Math.random().toString(36).slice(2)}`,
  }).toString();
  return signedPost(url, body, "application/x-www-form-urlencoded", options);
}

/** A view_submission / block_actions-in-view payload built from a view we opened. */
export function viewPayload(
  type: "view_submission" | "block_actions",
  args: {
    user: string;
    view: { id: string; callback_id?: string; private_metadata?: string; hash?: string };
    values: Record<string, Record<string, unknown>>;
    action?: { action_id: string; block_id: string; type: string; value?: string };
  },
): Record<string, unknown> {
  return {
    type,
    team: { id: "T0001", domain: "leghorn" },
    user: {
      id: args.user,
      username: args.user.toLowerCase(),
      name: args.user.toLowerCase(),
      team_id: "T0001",
    },
    api_app_id: "A0001",
    token: "legacy",
    trigger_id: `trig.${Math.random().toString(36).slice(2)}`,
    container: { type: "view", view_id: args.view.id },
    view: {
      id: args.view.id,
      type: "modal",
      team_id: "T0001",
      callback_id: args.view.callback_id,
      private_metadata: args.view.private_metadata ?? "",
      hash: args.view.hash ?? "h1",
      state: { values: args.values },
    },
    ...(args.action ? { actions: [{ ...args.action, action_ts: String(Date.now() / 1000) }] } : {}),
  };
}

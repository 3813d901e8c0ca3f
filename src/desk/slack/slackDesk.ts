/**
 * The Slack staff desk: a real Bolt app (HTTP on one endpoint, or Socket Mode) that posts ticket
 * cards in the staff channel, turns buttons, modals, thread messages and `/sportello` into
 * {@link StaffAction}s, and renders the runtime's {@link DeskEvent}s.
 *
 * Every Slack request is acknowledged first and worked on after (Slack wants an answer within
 * 3 seconds). Event redeliveries are dropped through the injected durable `seen` function keyed by
 * `event_id`; clicks and commands are never redelivered by Slack, and double clicks or two
 * technicians racing are settled by the runtime (`already-claimed`).
 *
 * This module wires the parts: the Bolt app (`slackBoltApp`), the shared context (`deskContext`),
 * runtime → Slack (`deskNotifier`) and Slack → runtime (`threadMessages`, `buttonHandlers`,
 * `modalSubmissions`, `sportelloCommandHandler`).
 */
import type { RequestListener } from "node:http";
import type { ListenOptions } from "node:net";
import type { App, AppOptions, HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import type { StaffDesk } from "../port.js";
import { registerButtons } from "./buttonHandlers.js";
import { createDeskContext } from "./deskContext.js";
import { createNotifier } from "./deskNotifier.js";
import { registerModalSubmissions } from "./modalSubmissions.js";
import { createSlackBoltApp, requestListenerOf } from "./slackBoltApp.js";
import type { SlackDeskOptions } from "./slackDeskOptions.js";
import { DESK } from "./slackDeskRefs.js";
import { registerSportelloCommand } from "./sportelloCommandHandler.js";
import { registerThreadMessages } from "./threadMessages.js";
import { Inflight, TrackingSocketModeReceiver } from "./trackingReceivers.js";

export { SlackDeskError } from "./slackDeskError.js";
export type { SeenFunction, SlackDeskOptions, SlackSettings } from "./slackDeskOptions.js";
export { SLACK_ORIGIN } from "./slackDeskRefs.js";
export { describeFailure, slackToPlain } from "./staffWording.js";

/** The Slack desk, a {@link StaffDesk} with the Slack-specific handles. */
export interface SlackDesk extends StaffDesk {
  readonly mode: "http" | "socket";
  readonly app: App;
  /** The options the Bolt App was built with (inspectable: socket mode, tokens, API URL). */
  readonly appOptions: AppOptions;
  readonly receiver: HTTPReceiver | SocketModeReceiver;
  /** Path that takes events, interactivity and commands (HTTP mode). */
  readonly endpoint: string;
  /**
   * Node request listener (HTTP mode) to mount the endpoint on another server. It reads and
   * verifies the raw body itself, so the host server must not consume the body first.
   */
  readonly requestListener: RequestListener | undefined;
  /** Where the desk's own HTTP server listens, once started with `listen`. */
  address(): { host: string; port: number } | null;
  /** Resolves once every Slack request received so far has been fully handled. */
  idle(): Promise<void>;
}

/** Creates the Slack desk; nothing connects or listens until {@link StaffDesk.start}. */
export function createSlackDesk(options: SlackDeskOptions): SlackDesk {
  const inflight = new Inflight();
  const { mode, app, appOptions, receiver, endpoint } = createSlackBoltApp(options, inflight);
  const ctx = createDeskContext(app, options);
  let listening: { host: string; port: number } | null = null;
  let started = false;

  registerThreadMessages(ctx);
  registerButtons(ctx);
  registerModalSubmissions(ctx);
  registerSportelloCommand(ctx);
  app.error(async (error) => {
    app.logger.error("slack desk: unhandled error", error);
  });

  return {
    name: DESK,
    mode,
    app,
    appOptions,
    receiver,
    endpoint,
    requestListener: requestListenerOf(receiver),
    address: () => listening,
    idle: () => inflight.idle(),
    async start(staffActions) {
      if (started) return;
      ctx.setActions(staffActions);
      await app.init();
      if (receiver instanceof TrackingSocketModeReceiver) {
        await receiver.start();
      } else if (options.listen) {
        const listen: ListenOptions = { port: options.listen.port, host: options.listen.host ?? "0.0.0.0" };
        const server = await receiver.start(listen);
        const address = server.address();
        listening =
          address && typeof address === "object"
            ? { host: address.address, port: address.port }
            : { host: listen.host!, port: listen.port! };
      }
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      if (receiver instanceof TrackingSocketModeReceiver || listening) await receiver.stop();
      listening = null;
      await inflight.idle();
    },
    notify: createNotifier(ctx),
  };
}

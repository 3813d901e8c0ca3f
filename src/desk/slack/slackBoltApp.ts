/**
 * The Bolt app behind the Slack desk: an HTTP receiver on one endpoint, or Socket Mode when an
 * app token is set, both tracking in-flight requests so the desk can wait for them.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { App, type AppOptions, HTTPReceiver, LogLevel, type Receiver, type webApi } from "@slack/bolt";
import { SlackDeskError } from "./slackDeskError.js";
import type { SlackDeskOptions } from "./slackDeskOptions.js";
import { type Inflight, TrackingHTTPReceiver, TrackingSocketModeReceiver } from "./trackingReceivers.js";

/** The wired Bolt app and its receiver. */
export interface SlackBoltApp {
  readonly mode: "http" | "socket";
  readonly app: App;
  /** The options the Bolt App was built with (inspectable: socket mode, tokens, API URL). */
  readonly appOptions: AppOptions;
  readonly receiver: TrackingHTTPReceiver | TrackingSocketModeReceiver;
  /** Path that takes events, interactivity and commands (HTTP mode). */
  readonly endpoint: string;
}

/** Builds the receiver and the (not yet initialised) Bolt app for the desk's options. */
export function createSlackBoltApp(options: SlackDeskOptions, inflight: Inflight): SlackBoltApp {
  const endpoint = options.endpoint ?? "/slack/events";
  const logLevel = options.logLevel ?? LogLevel.ERROR;
  if (options.logger) options.logger.setLevel(logLevel);
  const logging = options.logger ? { logger: options.logger } : { logLevel };
  const mode: "http" | "socket" = options.appToken ? "socket" : "http";

  const clientOptions: webApi.WebClientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    // A rate-limited or failed call must surface so the runtime retries the notification durably,
    // instead of the WebClient sleeping inside notify() for minutes.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  };

  let receiver: TrackingHTTPReceiver | TrackingSocketModeReceiver;
  if (mode === "socket") {
    receiver = new TrackingSocketModeReceiver(
      {
        appToken: options.appToken!,
        ...logging,
        // The socket client opens its connection with apps.connections.open: same API base (GovSlack).
        ...(options.apiUrl ? { installerOptions: { clientOptions: { slackApiUrl: options.apiUrl } } } : {}),
      },
      inflight,
    );
  } else {
    if (!options.signingSecret) {
      throw new SlackDeskError(
        "slack-config",
        "SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN)",
      );
    }
    receiver = new TrackingHTTPReceiver(
      { signingSecret: options.signingSecret, endpoints: endpoint, ...logging, processBeforeResponse: false },
      inflight,
    );
  }

  const appOptions: AppOptions = {
    token: options.botToken,
    receiver: receiver as Receiver,
    clientOptions,
    ...logging,
    // auth.test runs in start(), not in the constructor.
    deferInitialization: true,
    ...(mode === "socket"
      ? { socketMode: true, appToken: options.appToken }
      : { signingSecret: options.signingSecret }),
  };
  return { mode, app: new App(appOptions), appOptions, receiver, endpoint };
}

/**
 * A Node request listener for the HTTP receiver's endpoint (undefined in Socket Mode); any other
 * path gets a 404.
 */
export function requestListenerOf(receiver: SlackBoltApp["receiver"]): RequestListener | undefined {
  if (!(receiver instanceof HTTPReceiver)) return undefined;
  return (req: IncomingMessage, res: ServerResponse) => {
    try {
      receiver.requestListener(req, res);
    } catch {
      // Anything but the endpoint (HTTPReceiverDeferredRequestError): not ours.
      if (!res.headersSent) res.writeHead(404).end();
    }
  };
}

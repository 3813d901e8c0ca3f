/**
 * Bolt receivers that track each Slack request from the moment it arrives until every listener
 * is done, so the desk can wait for in-flight work (`idle()`, `stop()`, tests) although the HTTP
 * answer (the ack) leaves long before the work ends.
 */
import {
  type App,
  HTTPReceiver,
  type HTTPReceiverOptions,
  type ReceiverEvent,
  SocketModeReceiver,
  type SocketModeReceiverOptions,
} from "@slack/bolt";

/** Tracks in-flight request handling so `idle()`/`stop()` can wait for it. */
export class Inflight {
  private readonly pending = new Set<Promise<unknown>>();
  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = () => this.pending.delete(promise);
    promise.then(done, done);
    return promise;
  }
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** Wraps the App handed to a receiver so each event's whole processing is tracked from arrival. */
function trackingApp(app: App, inflight: Inflight): App {
  return {
    processEvent: (event: ReceiverEvent) => inflight.track(app.processEvent(event)),
  } as unknown as App;
}

export class TrackingHTTPReceiver extends HTTPReceiver {
  readonly inflight: Inflight;
  constructor(options: HTTPReceiverOptions, inflight: Inflight) {
    super(options);
    this.inflight = inflight;
  }
  override init(app: App): void {
    super.init(trackingApp(app, this.inflight));
  }
}

export class TrackingSocketModeReceiver extends SocketModeReceiver {
  readonly inflight: Inflight;
  constructor(options: SocketModeReceiverOptions, inflight: Inflight) {
    super(options);
    this.inflight = inflight;
  }
  override init(app: App): void {
    super.init(trackingApp(app, this.inflight));
  }
}

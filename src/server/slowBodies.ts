/**
 * A minimum transfer rate for request bodies: a body arriving slower than `minBytesPerSecond`,
 * averaged over the last `seconds`, is cut with 408 `body-too-slow` (as nginx's
 * `client_body_timeout` and Node's body timeouts intend, but for a trickle too: Node's own
 * timeouts reset on every byte, so one byte a second kept a request open for its whole
 * `requestTimeout`). The rate is read from the socket's byte count, so the body stream itself is
 * never touched; a request without a body (SSE streams) is not watched.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface SlowBodySettings {
  /** 0 turns the check off. */
  minBytesPerSecond: number;
  seconds: number;
}

/** Watches one request's body until it has arrived, the response is sent, or the socket closes. */
export function watchBodyRate(req: IncomingMessage, res: ServerResponse, settings: SlowBodySettings): void {
  if (settings.minBytesPerSecond <= 0) return;
  const length = Number(req.headers["content-length"] ?? 0);
  const chunked = req.headers["transfer-encoding"] !== undefined;
  if (!(length > 0) && !chunked) return;
  const socket = req.socket;
  const samples = [socket.bytesRead];
  const needed = settings.minBytesPerSecond * settings.seconds;
  const timer = setInterval(() => {
    if (req.complete) return stop();
    samples.push(socket.bytesRead);
    if (samples.length <= settings.seconds) return;
    if (samples.length > settings.seconds + 1) samples.shift();
    if (samples.at(-1)! - samples[0]! >= needed) return;
    stop();
    if (!res.headersSent) {
      res.writeHead(408, { "content-type": "application/json; charset=utf-8", connection: "close" });
      res.end(
        JSON.stringify({
          error: {
            code: "body-too-slow",
            message: `The request body arrived slower than ${settings.minBytesPerSecond} bytes/s`,
          },
        }),
        () => socket.destroy(),
      );
    } else socket.destroy();
  }, 1000);
  timer.unref();
  const stop = () => clearInterval(timer);
  req.once("end", stop);
  req.once("close", stop);
  res.once("close", stop);
}
